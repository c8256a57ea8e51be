import type { RoutingTarget } from './attributes.ts';
import { ERROR_CODES, type ErrorCode } from './errors.ts';
import { methodNamed, OPERATIONS } from './operations.ts';

/** The CloudWatch namespace of the bridge's metrics. */
export const NAMESPACE = 'ConnectOmniFlowBridge';
/** Per method and outcome, per method, and across everything (the error alarm's metric). */
export const DIMENSION_SETS = [['Method', 'Outcome'], ['Method'], []] as const;

/** What one invocation came to: where the call was routed, OK for the other methods, or the error category. */
export type Outcome = RoutingTarget | 'OK' | ErrorCode;

/** The numbers of one invocation. */
export interface Measures {
  readonly latencyMs: number;
  readonly salesforceMs: number;
  readonly keyFetches: number;
  readonly retries: number;
  /** 1 when the contact's org record could not be written after Salesforce accepted the call. */
  readonly orgRecordFailures?: number;
}

const ROUTED: ReadonlySet<Outcome> = new Set(['AGENT', 'QUEUE']);
const ERRORS: ReadonlySet<string> = new Set(ERROR_CODES);

/**
 * CloudWatch Embedded Metric Format fields for the invocation's one log line: CloudWatch Logs turns them into metrics
 * without a call to CloudWatch or a dependency. `Calls`, `Errors`, `Latency`, `SalesforceLatency`, `KeyFetches`,
 * `Retries` on every invocation; `NotRouted` (1 unless an agent or a queue was found) on the routing method only;
 * `OrgRecordFailures` on the methods that write the contact's org record.
 */
export function metricFields(method: string, outcome: Outcome, measures: Measures, nowMs = Date.now()) {
  const known = methodNamed(method);
  const operation = known && OPERATIONS[known];
  const routing = operation !== undefined && 'routes' in operation;
  const records = operation !== undefined && 'orgRecord' in operation;
  const metrics = [
    { Name: 'Calls', Unit: 'Count' },
    { Name: 'Errors', Unit: 'Count' },
    ...(routing ? [{ Name: 'NotRouted', Unit: 'Count' }] : []),
    { Name: 'Latency', Unit: 'Milliseconds' },
    { Name: 'SalesforceLatency', Unit: 'Milliseconds' },
    { Name: 'KeyFetches', Unit: 'Count' },
    { Name: 'Retries', Unit: 'Count' },
    ...(records ? [{ Name: 'OrgRecordFailures', Unit: 'Count' }] : []),
  ];
  return {
    _aws: {
      Timestamp: nowMs,
      CloudWatchMetrics: [{ Namespace: NAMESPACE, Dimensions: DIMENSION_SETS, Metrics: metrics }],
    },
    Method: method,
    Outcome: outcome,
    Calls: 1,
    Errors: ERRORS.has(outcome) ? 1 : 0,
    ...(routing ? { NotRouted: ROUTED.has(outcome) ? 0 : 1 } : {}),
    Latency: Math.round(measures.latencyMs * 10) / 10,
    SalesforceLatency: Math.round(measures.salesforceMs * 10) / 10,
    KeyFetches: measures.keyFetches,
    Retries: measures.retries,
    ...(records ? { OrgRecordFailures: measures.orgRecordFailures ?? 0 } : {}),
  };
}
