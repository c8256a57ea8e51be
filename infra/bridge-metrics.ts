import { Duration } from 'aws-cdk-lib';
import { Metric, SearchExpression } from 'aws-cdk-lib/aws-cloudwatch';
import { ERROR_CODES } from '../lambda/src/errors.ts';
import { NAMESPACE } from '../lambda/src/metrics.ts';

/**
 * The namespace of the metrics the function writes in CloudWatch Embedded Metric Format on its one log line per
 * invocation (`lambda/src/metrics.ts`), with the dimension sets `[Method, Outcome]`, `[Method]` and `[]`.
 */
export const METRICS_NAMESPACE = NAMESPACE;

/** The `methodName`s the function serves, the `Method` dimension. */
export const METHODS = [
  'executeOmniFlow',
  'cancelOmniFlowExecution',
  'rerouteFlowExecution',
  'createVoiceCall',
  'createTransferVC',
  'updateVoiceCall',
  'sendMessage',
  'routeVoiceCall',
  'callbackExecution',
  'updateCache',
] as const;
export type Method = (typeof METHODS)[number];

/** How a call that did not fail ended: routed to an agent or queue, or not (executeOmniFlow), or done (the others). */
export const SUCCESS_OUTCOMES = ['AGENT', 'QUEUE', 'NONE', 'OK'] as const;
/** The function's error categories. */
export const ERROR_OUTCOMES = ERROR_CODES;
/** The `Outcome` dimension. */
export const OUTCOMES = [...SUCCESS_OUTCOMES, ...ERROR_OUTCOMES] as const;

/**
 * The metric names and units. `Calls` and `Errors` (1 or 0) count every invocation; `NotRouted` is written by
 * executeOmniFlow only (1 unless the outcome is AGENT or QUEUE), so its average is the share of calls not routed;
 * `OrgRecordFailures` by the methods that write the contact's org record to S3 (createVoiceCall, createTransferVC,
 * updateCache), 1 when that write failed.
 */
export const METRIC_NAMES = {
  Calls: 'Count',
  Errors: 'Count',
  Latency: 'Milliseconds',
  SalesforceLatency: 'Milliseconds',
  KeyFetches: 'Count',
  Retries: 'Count',
  NotRouted: 'Count',
  OrgRecordFailures: 'Count',
} as const;
export type MetricName = keyof typeof METRIC_NAMES;

/** One of the function's metrics, over all methods and outcomes unless dimensions are given. */
export function bridgeMetric(
  metricName: MetricName,
  options: { statistic: string; period?: Duration; method?: Method; label?: string },
): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    statistic: options.statistic,
    period: options.period ?? Duration.minutes(5),
    ...(options.method ? { dimensionsMap: { Method: options.method } } : {}),
    ...(options.label ? { label: options.label } : {}),
  });
}

/** One line per method of a metric, for a graph, each labelled `<label> <method>`. */
export function bridgeMetricByMethod(
  metricName: MetricName,
  statistic: string,
  period: Duration,
  label: string,
): SearchExpression {
  return new SearchExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},Method} MetricName="${metricName}"', '${statistic}', ${period.toSeconds()})`,
    label,
    period,
  });
}

/** One line per method and outcome of a metric, for a graph (outcomes limited to `outcomes` when given). */
export function bridgeMetricByOutcome(
  metricName: MetricName,
  statistic: string,
  period: Duration,
  outcomes?: readonly string[],
): SearchExpression {
  const only = outcomes ? ` AND (${outcomes.map((o) => `Outcome="${o}"`).join(' OR ')})` : '';
  return new SearchExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},Method,Outcome} MetricName="${metricName}"${only}', '${statistic}', ${period.toSeconds()})`,
    label: '',
    period,
  });
}
