import { type Attributes, answerAttributes, routingAttributes } from './attributes.ts';

/** One of Salesforce's routing calls: `PATCH {SCRT_ENDPOINT_BASE}/voiceCalls/{id}/<path>`. */
export interface Operation {
  /** The last segment of the URL. */
  readonly path: string;
  /** Whether the request carries the Execute an Omni-Channel Flow body; the others go without one, as Salesforce's do. */
  readonly sendsBody: boolean;
  /** Salesforce's 2xx answer as Connect attributes. */
  readonly toAttributes: (answer: unknown) => Attributes;
}

/**
 * The routing family, by the `methodName` Salesforce's flows and contact-event handler send. One call path (the
 * deadline, the retries, the key handling, the log line) serves every row.
 */
export const OPERATIONS = {
  executeOmniFlow: { path: 'omniFlow', sendsBody: true, toAttributes: routingAttributes },
  cancelOmniFlowExecution: { path: 'clearRouting', sendsBody: false, toAttributes: answerAttributes },
  rerouteFlowExecution: { path: 'reroute', sendsBody: false, toAttributes: answerAttributes },
} as const satisfies Record<string, Operation>;

export type MethodName = keyof typeof OPERATIONS;

/** The method when `methodName` is absent: Salesforce's flows that predate the others send none. */
export const DEFAULT_METHOD: MethodName = 'executeOmniFlow';
export const METHOD_NAMES = Object.keys(OPERATIONS) as readonly MethodName[];

/** The method named `name`, or undefined for anything else (inherited names such as `toString` included). */
export function methodNamed(name: string): MethodName | undefined {
  return Object.hasOwn(OPERATIONS, name) ? (name as MethodName) : undefined;
}
