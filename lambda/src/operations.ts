import {
  answerAttributes,
  type Attributes,
  callbackAttributes,
  routingAttributes,
  voiceCallAttributes,
} from './attributes.ts';
import type { EventParts } from './event-fields.ts';
import { omniFlowBody, type RequestDefaults } from './omni-flow-request.ts';
import { callbackBody, routeBody } from './unified-routing-request.ts';
import { fieldValuesBody, inboundVoiceCall, transferVoiceCall } from './voice-call-request.ts';

/** What a row's body is built with besides the event. */
export interface BodyContext {
  readonly callId: string;
  readonly defaults: RequestDefaults;
  /** The invocation's time, for the fields that carry one (`startTime`). */
  readonly now: Date;
  /** Where a builder notes what it dropped or left out (logged as WARN lines, never holding a number). */
  readonly warnings: string[];
}

/** One request to Salesforce's Telephony Integration API: `{http} {SCRT_ENDPOINT_BASE}/{resource(id)}`. */
export interface SalesforceCall {
  readonly http: 'PATCH' | 'POST';
  /** The path under `SCRT_ENDPOINT_BASE` for the (URL-encoded) call id. */
  readonly resource: (id: string) => string;
  /** Builds the JSON body from the event (pure; throws a `BadEventError` naming a field); absent: no body is sent. */
  readonly body?: (parts: EventParts, context: BodyContext) => object;
  /** Whether the body carries the org's `callCenterApiName`, known once the org is read. */
  readonly withCallCenter?: boolean;
  /**
   * What Salesforce makes each time it reads the request (`VoiceCall`, `message`): such a request is never sent again
   * once Salesforce may have read it. Absent: a resend only repeats the call, and is made once at most.
   */
  readonly creates?: string;
}

/** The messages of the invocation's summary log line, and what the handler's hard stop names. */
export interface SummaryMessages {
  readonly done: string;
  readonly failed: string;
  readonly what: string;
}

/** The routing family's summary lines, as they have always read. */
const ROUTING: SummaryMessages = { done: 'routed', failed: 'not routed', what: 'routing the call' };
/** The VoiceCall record's methods' summary lines. */
const RECORD: SummaryMessages = { done: 'done', failed: 'failed', what: 'serving the call' };

/** One `methodName`: the call it makes, how its answer reaches Connect, and what else it does. */
export interface Operation {
  /** The summary log line's message: `routed` / `not routed` for the routing family, `done` / `failed` for the others. */
  readonly messages: SummaryMessages;
  /** The request to Salesforce; absent for a method that only writes the contact's org record (updateCache). */
  readonly call?: SalesforceCall;
  /** Salesforce's 2xx answer as Connect attributes. */
  readonly toAttributes: (answer: unknown) => Attributes;
  /** Routes the call: its outcome is the routing target, and it counts towards NotRouted. */
  readonly routes?: boolean;
  /**
   * How a failure reaches the caller: as the error (thrown, or error attributes with `ON_ERROR=attributes`), or
   * always as error attributes, for callers that cannot take a thrown error (stream consumers).
   */
  readonly failure: 'error' | 'answer';
  /**
   * The contact's org record (`SECRET_CACHE_S3`): written after a success when the event named a secret
   * (`after-success`), or the whole of the method (`only`).
   */
  readonly orgRecord?: 'after-success' | 'only';
}

const voiceCallFields = (method: string) => (parts: EventParts) => fieldValuesBody(parts, method);

/**
 * Every call Salesforce's flows, contact-event handler and other Lambdas make, by the `methodName` they send. One call
 * path (the deadline, the key, the token, the retries, the log line, the metrics) serves every row.
 */
export const OPERATIONS = {
  executeOmniFlow: {
    messages: ROUTING,
    call: {
      http: 'PATCH',
      resource: (id) => `voiceCalls/${id}/omniFlow`,
      body: (parts, { defaults, warnings }) => omniFlowBody(parts, defaults, warnings),
    },
    toAttributes: routingAttributes,
    routes: true,
    failure: 'error',
  },
  cancelOmniFlowExecution: {
    messages: ROUTING,
    call: { http: 'PATCH', resource: (id) => `voiceCalls/${id}/clearRouting` },
    toAttributes: answerAttributes,
    failure: 'error',
  },
  rerouteFlowExecution: {
    messages: ROUTING,
    call: { http: 'PATCH', resource: (id) => `voiceCalls/${id}/reroute` },
    toAttributes: answerAttributes,
    failure: 'error',
  },
  createVoiceCall: {
    messages: RECORD,
    call: {
      http: 'POST',
      resource: () => 'voiceCalls',
      body: inboundVoiceCall,
      withCallCenter: true,
      creates: 'VoiceCall',
    },
    toAttributes: voiceCallAttributes,
    failure: 'error',
    orgRecord: 'after-success',
  },
  createTransferVC: {
    messages: RECORD,
    call: {
      http: 'POST',
      resource: () => 'voiceCalls',
      body: transferVoiceCall,
      withCallCenter: true,
      creates: 'VoiceCall',
    },
    toAttributes: voiceCallAttributes,
    failure: 'error',
    orgRecord: 'after-success',
  },
  updateVoiceCall: {
    messages: RECORD,
    call: {
      http: 'PATCH',
      resource: (id) => `voiceCalls/${id}`,
      body: voiceCallFields('updateVoiceCall'),
      withCallCenter: true,
    },
    toAttributes: answerAttributes,
    failure: 'error',
  },
  sendMessage: {
    messages: RECORD,
    call: {
      http: 'POST',
      resource: (id) => `voiceCalls/${id}/messages`,
      body: voiceCallFields('sendMessage'),
      withCallCenter: true,
      creates: 'message',
    },
    toAttributes: answerAttributes,
    failure: 'answer',
  },
  routeVoiceCall: {
    messages: ROUTING,
    call: {
      http: 'PATCH',
      resource: (id) => `voiceCalls/route/${id}`,
      body: (parts, { warnings }) => routeBody(parts, warnings),
    },
    toAttributes: answerAttributes,
    failure: 'error',
  },
  callbackExecution: {
    messages: RECORD,
    call: {
      http: 'POST',
      resource: (id) => `voiceCalls/${id}/requestCallback`,
      body: callbackBody,
      creates: 'ContactRequest',
    },
    toAttributes: callbackAttributes,
    failure: 'error',
  },
  updateCache: {
    messages: RECORD,
    toAttributes: answerAttributes,
    failure: 'error',
    orgRecord: 'only',
  },
} as const satisfies Record<string, Operation>;

export type MethodName = keyof typeof OPERATIONS;

/** The method when `methodName` is absent: Salesforce's flows that predate the others send none. */
export const DEFAULT_METHOD: MethodName = 'executeOmniFlow';
export const METHOD_NAMES = Object.keys(OPERATIONS) as readonly MethodName[];

/** The method named `name`, or undefined for anything else (inherited names such as `toString` included). */
export function methodNamed(name: string): MethodName | undefined {
  return Object.hasOwn(OPERATIONS, name) ? (name as MethodName) : undefined;
}

/** The row of `method`, typed as the general {@link Operation}. */
export function operationOf(method: MethodName): Operation {
  return OPERATIONS[method];
}
