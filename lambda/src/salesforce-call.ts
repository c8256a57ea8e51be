import type { Attributes } from './attributes.ts';
import type { Deadline } from './deadline.ts';
import {
  AuthError,
  BadAnswerError,
  BridgeError,
  SalesforceRejectedError,
  SalesforceUnavailableError,
  TimeoutError,
  truncate,
} from './errors.ts';
import type { CallRequest } from './event.ts';
import { AUTH_REFRESH_INTERVAL_MS, type OrgCache } from './key/cache.ts';
import { type Logger, numbersIn, redactNumbers, scrub } from './logger.ts';
import type { Org } from './key/source.ts';
import {
  classifyStatus,
  classifyTransportError,
  type Failure,
  MAX_MAYBE_PROCESSED_RETRIES,
  MIN_ATTEMPT_MS,
  parseRetryAfter,
  retryDelay,
} from './retry.ts';
import type { HttpAnswer, SalesforceClient } from './salesforce-client.ts';
import { OPERATIONS, type SalesforceCall } from './operations.ts';
import type { TokenStock } from './token-stock.ts';

export interface CallDeps {
  readonly orgs: OrgCache;
  readonly client: SalesforceClient;
  /** Where each attempt's token comes from: minted ahead, off the call's path. */
  readonly tokens: TokenStock;
  readonly random?: () => number;
}

/** One call's deadline, the trace it fills in, and where its DEBUG lines go. */
export interface CallOptions {
  readonly deadline: Deadline;
  readonly trace?: Trace;
  readonly log?: Logger;
}

/** Milliseconds spent per step, summed over attempts. */
export interface Timings {
  key: number;
  sign: number;
  http: number;
}

/** What happened during one routing call; filled in as it goes, so a failure can still be logged with it. */
export interface Trace {
  attempts: number;
  /** Retries of requests that never reached Salesforce, and of ones it may have processed. */
  readonly retries: { notSent: number; maybeProcessed: number };
  keyFetched: boolean;
  /** Why the key was served past its TTL, when it was. */
  staleKey: string | undefined;
  /** The org id that served the call, once its settings are known. */
  orgId: string | undefined;
  /** Whether the contact's org record was written, when the call writes one. */
  orgRecord?: 'written' | 'failed';
  readonly ms: Timings;
}

export function newTrace(): Trace {
  return {
    attempts: 0,
    retries: { notSent: 0, maybeProcessed: 0 },
    keyFetched: false,
    staleKey: undefined,
    orgId: undefined,
    ms: { key: 0, sign: 0, http: 0 },
  };
}

/**
 * Makes one call to Salesforce — the request's row of {@link OPERATIONS} — for the org the request names and returns
 * the Connect attributes. Retries connection failures, 429 (after `Retry-After`) and 502/503/504 with jittered backoff
 * inside `deadline`; after a 401 it reads the org's key again, bypassing the cache, and retries once, so a rotated key
 * is picked up without a redeploy. A row that creates something is never sent again once Salesforce may have read it
 * (a reset or timeout after the request was written, 502, 504): it fails with a message saying so.
 *
 * @throws {BridgeError} KEY, AUTH, SALESFORCE_REJECTED, SALESFORCE_UNAVAILABLE, TIMEOUT or BAD_ANSWER
 */
export async function callSalesforce(
  request: CallRequest,
  deps: CallDeps,
  { deadline, trace = newTrace(), log }: CallOptions,
): Promise<Attributes> {
  const operation = OPERATIONS[request.method];
  if (!('call' in operation)) throw new TypeError(`${request.method} makes no call to Salesforce`);
  const call: SalesforceCall = operation.call;
  const resource = call.resource(encodeURIComponent(request.callId));
  const mayExist = call.creates && `Salesforce may have created the ${call.creates}: it was not sent again`;
  let refused: { readonly org: Org; readonly answer: HttpAnswer } | undefined;
  let refreshed = false;
  for (;;) {
    const { org, fetched, stale } = await timed(trace, 'key', () =>
      deps.orgs.get(request.secretName, deadline, refused && { refused: refused.org }),
    );
    if (refused?.org === org) throw statusError(refused.answer, trace.attempts, REFUSED_AGAIN, numbersIn(request.body));
    refused = undefined;
    trace.keyFetched ||= fetched;
    trace.staleKey = stale;
    trace.orgId = org.settings.orgId;
    const body = requestBody(request, call, org);
    const token = await timed(trace, 'sign', () => deps.tokens.take(org));
    // A request sent this close to the deadline would reach Salesforce as the invocation gives up on its answer.
    const left = deadline.remaining();
    if (left < MIN_ATTEMPT_MS) {
      const again = trace.attempts > 0 ? ' again' : '';
      throw new TimeoutError(
        `only ${Math.round(left)} ms were left before the deadline: Salesforce was not called${again}`,
      );
    }
    trace.attempts++;
    const started = performance.now();
    const attempt = (outcome: Record<string, unknown>) =>
      log?.debug('attempt', { attempt: trace.attempts, ms: Math.round(performance.now() - started), ...outcome });
    let answer: HttpAnswer;
    try {
      answer = await timed(trace, 'http', () =>
        deps.client.send(call.http, org.settings.endpointBase, resource, body, token, deadline),
      );
    } catch (error) {
      attempt({ failure: (error as { code?: string } | undefined)?.code ?? (error as Error | undefined)?.name });
      if (error instanceof BridgeError) throw error;
      const failure = classifyTransportError(error);
      if (failure === 'timeout' || deadline.remaining() === 0) {
        const note = failure === 'not-sent' || !mayExist ? '' : `; ${mayExist}`;
        throw new TimeoutError(`Salesforce did not answer before the deadline${note}`, { cause: error });
      }
      const delay = retry(failure, call, trace, deadline, deps);
      if (delay === undefined) {
        throw unreachable(error, trace.attempts, failure === 'maybe-processed' ? mayExist : undefined);
      }
      log?.debug('retrying', { afterMs: delay, reason: `connection failure (${failure})` });
      await deadline.sleep(delay, 'calling Salesforce again');
      continue;
    }
    attempt({ status: answer.status });

    if (answer.status >= 200 && answer.status < 300) return operation.toAttributes(parseAnswer(answer.body));
    if (answer.status === 401 && !refreshed) {
      log?.debug('retrying', { afterMs: 0, reason: '401: reading the key again' });
      refused = { org, answer };
      refreshed = true;
      continue;
    }
    const failure = classifyStatus(answer.status);
    const delay = retry(failure, call, trace, deadline, deps, header(answer, 'retry-after'));
    if (delay !== undefined) {
      log?.debug('retrying', { afterMs: delay, reason: `status ${answer.status}` });
      await deadline.sleep(delay, 'calling Salesforce again');
      continue;
    }
    const note = failure === 'maybe-processed' ? mayExist : undefined;
    throw statusError(answer, trace.attempts, note, numbersIn(request.body));
  }
}

/** The JSON text the row sends for `org`: the request's body, with the org's call center where the row wants it. */
function requestBody(request: CallRequest, call: SalesforceCall, org: Org): string | undefined {
  if (request.body === undefined) return undefined;
  const body = call.withCallCenter
    ? { ...request.body, callCenterApiName: org.settings.callCenterApiName }
    : request.body;
  return JSON.stringify(body);
}

/**
 * The wait before the next attempt, counting the retry in the trace; undefined when there must be none: a final
 * failure, a resend of a request Salesforce may have processed when the row creates something or was resent once
 * already, or no attempts or time left.
 */
function retry(
  failure: Failure,
  call: SalesforceCall,
  trace: Trace,
  deadline: Deadline,
  deps: CallDeps,
  retryAfter?: string,
): number | undefined {
  if (failure === 'final' || failure === 'timeout') return undefined;
  const resends = call.creates ? 0 : MAX_MAYBE_PROCESSED_RETRIES;
  if (failure === 'maybe-processed' && trace.retries.maybeProcessed >= resends) return undefined;
  const delay = retryDelay({
    attempt: trace.attempts,
    remainingMs: deadline.remaining(),
    retryAfterMs: parseRetryAfter(retryAfter),
    random: deps.random,
  });
  if (delay !== undefined) trace.retries[failure === 'not-sent' ? 'notSent' : 'maybeProcessed']++;
  return delay;
}

async function timed<T>(trace: Trace, step: keyof Timings, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    trace.ms[step] += performance.now() - started;
  }
}

function parseAnswer(body: string): unknown {
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body);
  } catch (cause) {
    throw new BadAnswerError('Salesforce answered 2xx with a body that is not JSON', { cause });
  }
}

const TLS_CODE = /^(?:CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_TLS|ERR_SSL)/;

function unreachable(error: unknown, attempts: number, note?: string): SalesforceUnavailableError {
  const { code: raw, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  const code = typeof raw === 'string' ? raw : typeof name === 'string' ? name : 'unknown error';
  const options = { cause: error };
  if (TLS_CODE.test(code)) {
    return new SalesforceUnavailableError(
      `Salesforce's TLS certificate was not accepted (${code}): check the host in SCRT_ENDPOINT_BASE`,
      options,
    );
  }
  if (code === 'ENOTFOUND') {
    return new SalesforceUnavailableError('the host in SCRT_ENDPOINT_BASE does not resolve (ENOTFOUND)', options);
  }
  return new SalesforceUnavailableError(
    `could not reach Salesforce (${code}) after ${plural(attempts, 'attempt')}${note ? `; ${note}` : ''}`,
    options,
  );
}

/** Added to an AUTH message when a 401 refused a key read again moments ago, so it is not read yet again. */
const REFUSED_AGAIN = `the key was read again after a 401 less than ${AUTH_REFRESH_INTERVAL_MS / 1000} s ago and is not read again before then`;

/**
 * The category and message for a final non-2xx answer, carrying Salesforce's `errors` texts. A 403 says the key was
 * not read again (only a 401 makes it be: a 403 is about permissions, not a rotated key). A redirect (3xx) is
 * SALESFORCE_UNAVAILABLE naming SCRT_ENDPOINT_BASE and the host it points to: Salesforce's telephony API does not
 * redirect, so the setting names the wrong place; redirects are not followed.
 * @param numbers - the telephone numbers the request sent ({@link numbersIn}), kept out of the message however
 *   Salesforce writes them
 */
export function statusError(
  answer: HttpAnswer,
  attempts: number,
  note?: string,
  numbers: readonly string[] = [],
): Error {
  const { status } = answer;
  if (status >= 300 && status < 400) {
    return new SalesforceUnavailableError(
      `Salesforce answered ${status}, a redirect${redirectTarget(header(answer, 'location'))}, which is not followed: check SCRT_ENDPOINT_BASE`,
    );
  }
  const errors = errorTexts(answer.body, numbers);
  const said = errors.length > 0 ? `: ${errors.join('; ')}` : '';
  if (status === 401) {
    return new AuthError(
      `Salesforce refused the token (401)${said}${note ? `; ${note}` : ''}. Check that the private key matches the certificate on the call center, SALESFORCE_ORG_ID and CALL_CENTER_API_NAME, and the clock`,
    );
  }
  if (status === 403) {
    return new AuthError(
      `Salesforce refused the token (403)${said}; the key was not read again: a 403 is about permissions, not the key. Check SALESFORCE_ORG_ID, CALL_CENTER_API_NAME and the call center's set-up in Salesforce`,
    );
  }
  if (status === 429 || status >= 500) {
    return new SalesforceUnavailableError(
      `Salesforce answered ${status} after ${plural(attempts, 'attempt')}${said}${note ? `; ${note}` : ''}`,
    );
  }
  return new SalesforceRejectedError(`Salesforce rejected the request (${status})${said}`, status, errors);
}

const MAX_ERROR_TEXTS = 5;
const MAX_ERROR_TEXT = 300;

/**
 * The texts of `{"errors": [...]}` (strings, or objects with a `message`), with anything shaped like a token or a
 * telephone number with its `+`, and any writing of `numbers` (those the request sent, {@link numbersIn}: a callback
 * number echoed as it was keyed in), redacted, then cut to {@link MAX_ERROR_TEXT} characters (redacted first, so a cut
 * cannot leave part of a token unrecognised): they reach the log, Lambda's error report and, with
 * `ON_ERROR=attributes`, the contact's attributes. [] for any other body.
 */
export function errorTexts(body: string, numbers: readonly string[] = []): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(list)) return [];
  return list
    .map((item) => (typeof item === 'string' ? item : (item as { message?: unknown } | null)?.message))
    .filter((text): text is string => typeof text === 'string' && text !== '')
    .slice(0, MAX_ERROR_TEXTS)
    .map((text) => truncate(redactNumbers(scrub(text), numbers), MAX_ERROR_TEXT));
}

/** Stands for the host that answered, to resolve a relative Location against; `.invalid` is never a real one. */
const SAME_HOST = 'same-host.invalid';

/** ` to <host>` for a Location naming one, ` to another path` for a relative one; never the path or the query. */
function redirectTarget(location: string | undefined): string {
  if (!location) return '';
  try {
    const { host } = new URL(location, `https://${SAME_HOST}`);
    if (host === SAME_HOST) return ' to another path';
    return host ? ` to ${host}` : '';
  } catch {
    return '';
  }
}

function header(answer: HttpAnswer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
