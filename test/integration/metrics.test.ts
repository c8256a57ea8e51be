import { describe, expect, it } from 'vitest';
import { replies } from '../emulators/salesforce.ts';
import { sampleEvent, useSandbox } from '../support/integration.ts';

const { sandbox, container } = useSandbox();
type Line = Record<string, unknown>;

/**
 * Checks a log line against the CloudWatch Embedded Metric Format specification and returns its metrics: every
 * declared metric is a number at the top level, every dimension a string, at most 30 dimensions per set.
 */
function emf(line: Line): Record<string, number> {
  const meta = line._aws as { Timestamp: unknown; CloudWatchMetrics: unknown };
  expect(typeof meta?.Timestamp).toBe('number');
  expect(Array.isArray(meta.CloudWatchMetrics)).toBe(true);
  const metrics: Record<string, number> = {};
  for (const directive of meta.CloudWatchMetrics as {
    Namespace: string;
    Dimensions: string[][];
    Metrics: { Name: string; Unit: string }[];
  }[]) {
    expect(directive.Namespace).toBe('ConnectOmniFlowBridge');
    for (const set of directive.Dimensions) {
      expect(set.length).toBeLessThanOrEqual(30);
      for (const dimension of set) expect(typeof line[dimension]).toBe('string');
    }
    for (const { Name, Unit } of directive.Metrics) {
      expect(['Count', 'Milliseconds']).toContain(Unit);
      expect(typeof line[Name]).toBe('number');
      metrics[Name] = line[Name] as number;
    }
  }
  return metrics;
}

/** The invocation lines (not the container's own 'container ready'). */
const invocationLines = (lines: Line[]) => lines.filter((line) => line.message !== 'container ready');

describe('Integration: routing metrics on the one log line per invocation (CloudWatch EMF)', () => {
  it('counts a call routed to an agent, with its latencies, key fetches and retries', async () => {
    // Prepare
    const lambda = await container();
    sandbox().salesforce.script(replies.status(503), replies.agent());

    // Act
    await lambda.invoke(sampleEvent('inbound-call'));

    // Assess
    const lines = invocationLines(lambda.logs());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ Method: 'executeOmniFlow', Outcome: 'AGENT' });
    const metrics = emf(lines[0]!);
    expect(metrics).toMatchObject({ Calls: 1, Errors: 0, NotRouted: 0, KeyFetches: 0, Retries: 1 });
    expect(metrics.Latency).toBeGreaterThanOrEqual(metrics.SalesforceLatency!);
    expect(metrics.SalesforceLatency).toBeGreaterThan(0);
  });

  it.each([
    ['throw', undefined],
    ['attributes', 'attributes'],
  ])('counts a failure the same way with ON_ERROR=%s', async (_mode, onError) => {
    const lambda = await container(onError ? { ON_ERROR: onError } : {});
    sandbox().salesforce.script(replies.errors(400, 'bad queue'));

    await lambda.invoke(sampleEvent('inbound-call'));

    const [line] = invocationLines(lambda.logs());
    expect(line).toMatchObject({ Method: 'executeOmniFlow', Outcome: 'SALESFORCE_REJECTED' });
    expect(emf(line!)).toMatchObject({ Calls: 1, Errors: 1, NotRouted: 1 });
  });

  it('counts a call Salesforce found no target for as not routed, but not as an error', async () => {
    const lambda = await container();
    sandbox().salesforce.script(replies.none());

    await lambda.invoke(sampleEvent('inbound-call'));

    const [line] = invocationLines(lambda.logs());
    expect(line).toMatchObject({ Outcome: 'NONE' });
    expect(emf(line!)).toMatchObject({ Errors: 0, NotRouted: 1 });
  });

  it('counts clearRouting as OK, outside the not-routed share', async () => {
    const lambda = await container();
    const event = sampleEvent('inbound-call') as { Details: { Parameters: Record<string, string> } };
    event.Details.Parameters.methodName = 'cancelOmniFlowExecution';

    await lambda.invoke(event);

    const [line] = invocationLines(lambda.logs());
    expect(line).toMatchObject({ Method: 'cancelOmniFlowExecution', Outcome: 'OK' });
    expect(emf(line!)).not.toHaveProperty('NotRouted');
  });

  it.each([
    [{ LOG_LEVEL: 'WARN' }, 'INFO'],
    [{ LOG_LEVEL: 'ERROR' }, 'INFO'],
    [{ AWS_LAMBDA_LOG_LEVEL: 'WARN' }, 'WARN'],
    [{ AWS_LAMBDA_LOG_LEVEL: 'ERROR' }, 'ERROR'],
  ])('writes the metrics of every call whatever the log level (%j): its line at %s', async (env, level) => {
    // Prepare
    const lambda = await container(env);
    sandbox().salesforce.script(replies.agent(), replies.none());

    // Act
    await lambda.invoke(sampleEvent('inbound-call'));
    await lambda.invoke(sampleEvent('inbound-call'));

    // Assess
    const lines = invocationLines(lambda.logs());
    expect(lines.map((line) => [line.level, line.Outcome, emf(line).Calls, emf(line).NotRouted])).toEqual([
      [level, 'AGENT', 1, 0],
      [level, 'NONE', 1, 1],
    ]);
  });

  it('counts every invocation of a misconfigured function as a CONFIG error', async () => {
    const lambda = await container({ SCRT_ENDPOINT_BASE: 'http://insecure.example/telephony/v1' });

    await lambda.invoke(sampleEvent('inbound-call'));
    await lambda.invoke(sampleEvent('inbound-call'));

    const lines = lambda.logs().filter((line) => line.message === 'not routed');
    expect(lines).toHaveLength(2);
    expect(lines.map((line) => [line.Outcome, emf(line).Errors])).toEqual([
      ['CONFIG', 1],
      ['CONFIG', 1],
    ]);
  });
});
