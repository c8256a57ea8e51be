import { describe, expect, it } from 'vitest';
import { DIMENSION_SETS, metricFields, NAMESPACE } from '../../lambda/src/metrics.ts';

const MEASURES = { latencyMs: 123.456, salesforceMs: 98.76, keyFetches: 1, retries: 2 };
const NOW = 1_790_000_000_000;

/** The names of the metrics the EMF directive declares. */
const declared = (fields: ReturnType<typeof metricFields>) =>
  fields._aws.CloudWatchMetrics[0]!.Metrics.map(({ Name }) => Name);

describe('Function: metricFields', () => {
  it('writes the EMF directive and the values of a routed call', () => {
    // Act
    const fields = metricFields('executeOmniFlow', 'AGENT', MEASURES, NOW);

    // Assess
    expect(fields).toEqual({
      _aws: {
        Timestamp: NOW,
        CloudWatchMetrics: [
          {
            Namespace: 'ConnectOmniFlowBridge',
            Dimensions: [['Method', 'Outcome'], ['Method'], []],
            Metrics: [
              { Name: 'Calls', Unit: 'Count' },
              { Name: 'Errors', Unit: 'Count' },
              { Name: 'NotRouted', Unit: 'Count' },
              { Name: 'Latency', Unit: 'Milliseconds' },
              { Name: 'SalesforceLatency', Unit: 'Milliseconds' },
              { Name: 'KeyFetches', Unit: 'Count' },
              { Name: 'Retries', Unit: 'Count' },
            ],
          },
        ],
      },
      Method: 'executeOmniFlow',
      Outcome: 'AGENT',
      Calls: 1,
      Errors: 0,
      NotRouted: 0,
      Latency: 123.5,
      SalesforceLatency: 98.8,
      KeyFetches: 1,
      Retries: 2,
    });
    expect([NAMESPACE, DIMENSION_SETS]).toEqual(['ConnectOmniFlowBridge', [['Method', 'Outcome'], ['Method'], []]]);
  });

  it("stamps the line with the clock's time by default", () => {
    const before = Date.now();

    const { _aws } = metricFields('executeOmniFlow', 'AGENT', MEASURES);

    expect(_aws.Timestamp).toBeGreaterThanOrEqual(before);
    expect(_aws.Timestamp).toBeLessThanOrEqual(Date.now());
  });

  it.each<[string, string[]]>([
    ['cancelOmniFlowExecution', ['Calls', 'Errors', 'Latency', 'SalesforceLatency', 'KeyFetches', 'Retries']],
    [
      'createVoiceCall',
      ['Calls', 'Errors', 'Latency', 'SalesforceLatency', 'KeyFetches', 'Retries', 'OrgRecordFailures'],
    ],
  ])('declares exactly the metrics of %s, each with its unit', (method, names) => {
    const { Metrics } = metricFields(method, 'OK', MEASURES, NOW)._aws.CloudWatchMetrics[0]!;

    expect(Metrics.map(({ Name }) => Name)).toEqual(names);
    for (const { Name, Unit } of Metrics) expect(Unit).toBe(Name.endsWith('Latency') ? 'Milliseconds' : 'Count');
  });

  describe('Rule: latencies are kept to a tenth of a millisecond, rounded', () => {
    it.each<[number, number]>([
      [0.04, 0],
      [0.05, 0.1],
      [12.34, 12.3],
      [12.35, 12.4],
      [99.96, 100],
    ])('%f ms → %f', (ms, kept) => {
      const fields = metricFields('executeOmniFlow', 'OK', { ...MEASURES, latencyMs: ms, salesforceMs: ms }, NOW);

      expect([fields.Latency, fields.SalesforceLatency]).toEqual([kept, kept]);
    });
  });

  describe('Rule: NotRouted counts a routing call that found neither an agent nor a queue', () => {
    it.each<[string, number]>([
      ['AGENT', 0],
      ['QUEUE', 0],
      ['NONE', 1],
      ['TIMEOUT', 1],
    ])('%s → NotRouted %i', (outcome, notRouted) => {
      const fields = metricFields('executeOmniFlow', outcome as 'AGENT', MEASURES, NOW);

      expect(fields.NotRouted).toBe(notRouted);
    });

    it.each(['cancelOmniFlowExecution', 'createVoiceCall', 'updateCache', 'unknown'])(
      'is neither declared nor written for %s, which routes nothing',
      (method) => {
        const fields = metricFields(method, 'OK', MEASURES, NOW);

        expect(fields).not.toHaveProperty('NotRouted');
        expect(declared(fields)).not.toContain('NotRouted');
      },
    );
  });

  describe('Rule: Errors is 1 for an error category, 0 for any other outcome', () => {
    it.each<[string, number]>([
      ['OK', 0],
      ['AGENT', 0],
      ['NONE', 0],
      ['CONFIG', 1],
      ['KEY', 1],
      ['ORG_RECORD', 1],
      ['INTERNAL', 1],
    ])('%s → Errors %i', (outcome, errors) => {
      expect(metricFields('executeOmniFlow', outcome as 'OK', MEASURES, NOW).Errors).toBe(errors);
    });
  });

  describe('Rule: OrgRecordFailures is declared and written for the methods that write org records only', () => {
    it.each(['createVoiceCall', 'createTransferVC', 'updateCache'])('%s: 0 unless told', (method) => {
      const quiet = metricFields(method, 'OK', MEASURES, NOW);
      const failed = metricFields(method, 'OK', { ...MEASURES, orgRecordFailures: 1 }, NOW);

      expect(declared(quiet).at(-1)).toBe('OrgRecordFailures');
      expect([quiet.OrgRecordFailures, failed.OrgRecordFailures]).toEqual([0, 1]);
    });

    it.each(['executeOmniFlow', 'sendMessage', 'unknown', 'toString'])('%s: not at all', (method) => {
      const fields = metricFields(method, 'OK', { ...MEASURES, orgRecordFailures: 1 }, NOW);

      expect(fields).not.toHaveProperty('OrgRecordFailures');
      expect(declared(fields)).not.toContain('OrgRecordFailures');
    });
  });
});
