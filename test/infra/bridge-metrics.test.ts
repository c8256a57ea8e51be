import { describe, expect, it } from 'vitest';
import { METHODS, METRIC_NAMES, METRICS_NAMESPACE, SUCCESS_OUTCOMES } from '../../infra/bridge-metrics.ts';
import { DIMENSION_SETS, metricFields, type Outcome } from '../../lambda/src/metrics.ts';
import { METHOD_NAMES } from '../../lambda/src/operations.ts';

const MEASURES = { latencyMs: 120, salesforceMs: 80, keyFetches: 0, retries: 0 };

/** What the function's log line declares: namespace, dimension sets, and each metric's unit. */
function declared(method: string, outcome: Outcome) {
  const fields = metricFields(method, outcome, MEASURES);
  const [directive] = fields._aws.CloudWatchMetrics;
  return {
    namespace: directive!.Namespace,
    dimensions: directive!.Dimensions,
    units: Object.fromEntries(directive!.Metrics.map((m) => [m.Name, m.Unit])),
    fields,
  };
}

describe('Contract: the metrics the dashboard and alarms read are the ones the function writes', () => {
  it('uses the namespace and the dimension sets of the function', () => {
    const { namespace, dimensions } = declared('executeOmniFlow', 'AGENT');

    expect(namespace).toBe(METRICS_NAMESPACE);
    expect(dimensions).toEqual([['Method', 'Outcome'], ['Method'], []]);
    expect(DIMENSION_SETS).toContainEqual([]);
  });

  it('knows exactly the methods the function routes', () => {
    expect([...METHODS].sort()).toEqual([...METHOD_NAMES].sort());
  });

  it('reads every metric executeOmniFlow writes, with its unit', () => {
    const { OrgRecordFailures: _, ...routing } = METRIC_NAMES;

    expect(declared('executeOmniFlow', 'NONE').units).toEqual(routing);
  });

  it('expects NotRouted only from executeOmniFlow, as the function writes it', () => {
    const { NotRouted: _, OrgRecordFailures: __, ...others } = METRIC_NAMES;

    expect(declared('cancelOmniFlowExecution', 'OK').units).toEqual(others);
    expect(declared('rerouteFlowExecution', 'TIMEOUT').units).toEqual(others);
    expect(declared('updateVoiceCall', 'OK').units).toEqual(others);
    expect(declared('sendMessage', 'SALESFORCE_REJECTED').units).toEqual(others);
  });

  it('expects OrgRecordFailures from exactly the methods that write the org record, 1 when the write failed', () => {
    const { NotRouted: _, ...recording } = METRIC_NAMES;
    const writers = ['createVoiceCall', 'createTransferVC', 'updateCache'];

    for (const method of writers) expect(declared(method, 'OK').units).toEqual(recording);
    for (const method of METHODS.filter((m) => !writers.includes(m))) {
      expect(declared(method, 'OK').units).not.toHaveProperty('OrgRecordFailures');
    }
    expect(metricFields('createVoiceCall', 'OK', { ...MEASURES, orgRecordFailures: 1 }).OrgRecordFailures).toBe(1);
    expect(declared('createTransferVC', 'OK').fields.OrgRecordFailures).toBe(0);
  });

  it('counts as failed exactly the outcomes the dashboard does not list as successes', () => {
    for (const outcome of SUCCESS_OUTCOMES) expect(declared('executeOmniFlow', outcome).fields.Errors).toBe(0);
    expect(declared('executeOmniFlow', 'AUTH').fields.Errors).toBe(1);
    expect(declared('executeOmniFlow', 'AGENT').fields.NotRouted).toBe(0);
    expect(declared('executeOmniFlow', 'NONE').fields.NotRouted).toBe(1);
  });
});
