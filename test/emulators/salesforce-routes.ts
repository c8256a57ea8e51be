import { randomInt } from 'node:crypto';
import type { Reply } from './salesforce.ts';

/** What a body check may compare against: the emulator's own org. */
export interface RouteContext {
  readonly callCenterApiName: string;
}

/** What the call leaves behind in Salesforce, kept by the emulator so tests can count duplicates. */
export type CreatedRecord = 'voiceCall' | 'callbackRequest';

/** A VoiceCall Salesforce created: after a 2xx answer, or a reset / stall after it read the request. */
export interface CreatedVoiceCall {
  readonly vendorCallKey: string;
  readonly initiationMethod: string;
  readonly voiceCallId: string;
  /** false when the answer was lost (scripted reset or stall): the record exists but the caller never learnt of it. */
  readonly answered: boolean;
}

/** A ContactRequest Request a Callback created, kept like {@link CreatedVoiceCall}. */
export interface CreatedCallbackRequest {
  readonly callId: string;
  readonly callbackNumber: string;
  readonly recordId: string;
  readonly answered: boolean;
}

/** One of Salesforce's telephony calls, as the emulator serves it: a row of {@link ROUTES}. */
export interface Route {
  /** `SeenRequest.operation` for this route (see {@link Route.operationFor}). */
  readonly operation: string;
  readonly method: 'PATCH' | 'POST';
  /** Matches the path without its query; the first group, when there is one, is the call id. */
  readonly path: RegExp;
  /** Whether `Telephony-Provider-Name` is required (Salesforce's own function omits it on some calls). */
  readonly providerHeader: boolean;
  /** The body's problem, or undefined when it is right; `null`: the call takes no body. */
  readonly checkBody: ((body: unknown, context: RouteContext) => string | undefined) | null;
  /** The answer when no scripted one is left. @default the emulator's `fallback` option, else `replies.agent()` */
  readonly defaultReply?: () => Reply;
  /** The record a 2xx answer (or an answer lost after Salesforce read the request) leaves behind. */
  readonly creates?: CreatedRecord;
  /** The operation name read from an accepted body, when one route serves two of the function's methods. */
  readonly operationFor?: (body: unknown) => string;
}

const BASE = '/telephony/v1/voiceCalls';
const ID = '([^/]+)';
const path = (rest: string) => new RegExp(`^${BASE}${rest}$`);
const ok = (): Reply => ({ status: 200, body: {} });

/**
 * The calls the emulator serves, one row each. `createVoiceCall` is named `createTransferVC` in `SeenRequest.operation`
 * when its body's initiationMethod is `Transfer`, as the bridge's method names go.
 */
export const ROUTES: readonly Route[] = [
  { operation: 'omniFlow', method: 'PATCH', path: path(`/${ID}/omniFlow`), providerHeader: true, checkBody: omniFlow },
  {
    operation: 'clearRouting',
    method: 'PATCH',
    path: path(`/${ID}/clearRouting`),
    providerHeader: false,
    checkBody: null,
  },
  { operation: 'reroute', method: 'PATCH', path: path(`/${ID}/reroute`), providerHeader: false, checkBody: null },
  {
    operation: 'createVoiceCall',
    method: 'POST',
    path: path(''),
    providerHeader: true,
    checkBody: createVoiceCall,
    defaultReply: () => ({ status: 201, body: { voiceCallId: newRecordId('0LQ') } }),
    creates: 'voiceCall',
    operationFor: (body) =>
      isObject(body) && body.initiationMethod === 'Transfer' ? 'createTransferVC' : 'createVoiceCall',
  },
  {
    operation: 'updateVoiceCall',
    method: 'PATCH',
    path: path(`/${ID}`),
    providerHeader: true,
    checkBody: fieldValues,
    defaultReply: ok,
  },
  {
    operation: 'messages',
    method: 'POST',
    path: path(`/${ID}/messages`),
    providerHeader: true,
    checkBody: fieldValues,
    defaultReply: ok,
  },
  {
    operation: 'route',
    method: 'PATCH',
    path: path(`/route/${ID}`),
    providerHeader: true,
    checkBody: (body) => requireString(body, 'routingTarget'),
    defaultReply: ok,
  },
  {
    operation: 'requestCallback',
    method: 'POST',
    path: path(`/${ID}/requestCallback`),
    providerHeader: false,
    checkBody: (body) => requireString(body, 'callbackNumber'),
    defaultReply: () => ({ status: 201, body: { recordId: newRecordId('0Ri') } }),
    creates: 'callbackRequest',
  },
];

/**
 * The route serving `method` on `pathname`, with its call id; or the refusal: `no such resource` when no route has
 * that path (or the call id is not a plain id), `method X not allowed` when routes have it but not for that method.
 */
export function findRoute(
  method: string,
  pathname: string,
): { readonly route: Route; readonly callId: string | undefined } | { readonly problem: string } {
  const matches = ROUTES.flatMap((route) => {
    const match = route.path.exec(pathname);
    return match ? [{ route, callId: match[1] }] : [];
  });
  if (matches.length === 0) return { problem: 'no such resource' };
  const found = matches.find(({ route }) => route.method === method);
  if (!found) return { problem: `method ${method} not allowed` };
  if (found.callId !== undefined && !isPlainId(decoded(found.callId))) return { problem: 'no such resource' };
  return { route: found.route, callId: found.callId === undefined ? undefined : decoded(found.callId) };
}

/**
 * The record an accepted request to `route` leaves behind, given the reply it gets: one on a 2xx answer (its id from
 * the answer, else a fresh one), on a 2xx cut off or after a `100 Continue`, and on a reset or stall (Salesforce
 * processed it, the answer was lost); none on any other status, on bytes that are not HTTP, nor for a route that
 * creates nothing. `body` has passed the route's check.
 */
export function leftBehind(
  route: Route,
  callId: string | undefined,
  body: unknown,
  reply: Reply,
):
  | { readonly kind: 'voiceCall'; readonly record: CreatedVoiceCall }
  | { readonly kind: 'callbackRequest'; readonly record: CreatedCallbackRequest }
  | undefined {
  const { processed, answered, answer } = outcome(reply);
  if (!route.creates || !processed) return undefined;
  const idIn = (field: string, prefix: string) => {
    const id = answered && isObject(answer) ? answer[field] : undefined;
    return typeof id === 'string' ? id : newRecordId(prefix);
  };
  const fields = body as Record<string, string>;
  if (route.creates === 'voiceCall') {
    const { vendorCallKey, initiationMethod } = fields;
    const voiceCallId = idIn('voiceCallId', '0LQ');
    return {
      kind: 'voiceCall',
      record: { vendorCallKey: vendorCallKey!, initiationMethod: initiationMethod!, voiceCallId, answered },
    };
  }
  const recordId = idIn('recordId', '0Ri');
  return {
    kind: 'callbackRequest',
    record: { callId: callId!, callbackNumber: fields.callbackNumber!, recordId, answered },
  };
}

/** Whether Salesforce acted on the request given `reply`, whether the caller could read the answer, and what it said. */
function outcome(reply: Reply): { processed: boolean; answered: boolean; answer?: unknown } {
  const success = (status: number) => status >= 200 && status <= 299;
  if (!('action' in reply)) return { processed: success(reply.status), answered: true, answer: reply.body };
  switch (reply.action) {
    case 'reset':
    case 'stall':
      return { processed: true, answered: false };
    case 'cut':
      return { processed: success(reply.status), answered: false };
    case 'continue':
      return { processed: outcome(reply.then).processed, answered: false };
    case 'raw':
      return { processed: false, answered: false };
    case 'echo-authorization':
      return { processed: success(reply.status), answered: true };
  }
}

/** `prefix` followed by 15 random letters and digits: the shape of a Salesforce record id. */
export function newRecordId(prefix: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return prefix + Array.from({ length: 15 }, () => alphabet[randomInt(alphabet.length)]).join('');
}

type Fields = Record<string, unknown>;

/** Execute an Omni-Channel Flow: a dialedNumber unless a flowDevName or transferTarget makes it unneeded. */
function omniFlow(body: unknown): string | undefined {
  if (!isObject(body)) return 'a JSON body is required';
  const needsNumber = body.flowDevName === undefined && body.transferTarget === undefined;
  if (needsNumber && typeof body.dialedNumber !== 'string') return 'dialedNumber is required';
  return undefined;
}

/** Create a Voice Call Record, inbound or for a transfer. */
function createVoiceCall(body: unknown, { callCenterApiName }: RouteContext): string | undefined {
  if (!isObject(body)) return 'a JSON body is required';
  if (body.callCenterApiName !== callCenterApiName) return `callCenterApiName must be ${callCenterApiName}`;
  if (typeof body.vendorCallKey !== 'string' || !isPlainId(body.vendorCallKey))
    return 'vendorCallKey must be a plain id';
  if (typeof body.to !== 'string' || body.to === '') return 'to is required';
  if (typeof body.startTime !== 'string' || !isIsoDateTime(body.startTime))
    return 'startTime must be an ISO 8601 date and time';
  if (!Array.isArray(body.participants) || body.participants.length === 0)
    return 'participants must be a non-empty array';
  if (body.callAttributes !== undefined && !holdsJsonObject(body.callAttributes))
    return 'callAttributes must be a string holding a JSON object';
  if (body.initiationMethod === 'Transfer') return requireString(body, 'parentVoiceCallId');
  if (body.initiationMethod !== 'Inbound') return 'initiationMethod must be Inbound or Transfer';
  if (body.callSubtype !== 'PSTN' && body.callSubtype !== 'WebRTC') return 'callSubtype must be PSTN or WebRTC';
  return undefined;
}

/** Update a Voice Call Record, Create a Transcript: the caller's fieldValues plus the org's callCenterApiName. */
function fieldValues(body: unknown, { callCenterApiName }: RouteContext): string | undefined {
  if (!isObject(body)) return 'a JSON body is required';
  if (body.callCenterApiName !== callCenterApiName) return `callCenterApiName must be ${callCenterApiName}`;
  if (Object.keys(body).length < 2) return 'nothing to update: the body holds only callCenterApiName';
  return undefined;
}

function requireString(body: unknown, field: string): string | undefined {
  if (!isObject(body)) return 'a JSON body is required';
  return typeof body[field] === 'string' && body[field] !== '' ? undefined : `${field} is required`;
}

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPlainId(value: string): boolean {
  return /^[A-Za-z0-9-]+$/.test(value);
}

function isIsoDateTime(value: string): boolean {
  const shape = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;
  return shape.test(value) && !Number.isNaN(Date.parse(value));
}

function holdsJsonObject(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return isObject(JSON.parse(value));
  } catch {
    return false;
  }
}

/** The path segment decoded; a malformed escape stays as written (and then fails the plain-id check). */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
