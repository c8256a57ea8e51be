// Retries live here rather than in undici's RetryAgent: that one leaves PATCH alone unless told otherwise (it is not
// idempotent by definition), and it knows nothing of the invocation's deadline or of the 401 key refresh.

/** Calls to Salesforce per invocation at most, retries included (the 401 key refresh counts as one). */
export const MAX_ATTEMPTS = 3;
/** Retries per invocation of a PATCH that Salesforce may already have processed. */
export const MAX_MAYBE_PROCESSED_RETRIES = 1;
/** Statuses that say the request was not processed: try again shortly. */
export const NOT_SENT_STATUSES: ReadonlySet<number> = new Set([429, 503]);
/** Statuses from a proxy in front of Salesforce, which may have passed the request on: at most one retry. */
export const MAYBE_PROCESSED_STATUSES: ReadonlySet<number> = new Set([502, 504]);
/** Transport failures before the request left: the connection could not be made. */
export const NOT_SENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** Transport failures on a connection that carried the request: it may have been processed. */
export const MAYBE_PROCESSED_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
/** Set on an error raised while connecting (see `SalesforceClient`): whatever its code, nothing was sent. */
export const CONNECTING = Symbol('failed while connecting');
const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_ABORTED',
]);
/** An attempt needs at least this much time left to be worth making. */
export const MIN_ATTEMPT_MS = 150;
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 1_000;

/**
 * How a failed attempt is treated: `not-sent` is retried inside the deadline, `maybe-processed` at most
 * {@link MAX_MAYBE_PROCESSED_RETRIES} time, `timeout` and `final` never.
 */
export type Failure = 'timeout' | 'not-sent' | 'maybe-processed' | 'final';

/** Classifies an undici / Node error by its `code` (and abort reasons by `name`), never by `instanceof`. */
export function classifyTransportError(error: unknown): Failure {
  const { code, name } = (error ?? {}) as { code?: string; name?: string };
  if (name === 'TimeoutError' || name === 'AbortError' || (code && TIMEOUT_CODES.has(code))) return 'timeout';
  if (code && (NOT_SENT_NETWORK_CODES.has(code) || (error as { [CONNECTING]?: boolean })[CONNECTING])) {
    return 'not-sent';
  }
  return code && MAYBE_PROCESSED_NETWORK_CODES.has(code) ? 'maybe-processed' : 'final';
}

/** Classifies an HTTP status that is not a success. */
export function classifyStatus(status: number): Failure {
  if (NOT_SENT_STATUSES.has(status)) return 'not-sent';
  return MAYBE_PROCESSED_STATUSES.has(status) ? 'maybe-processed' : 'final';
}

/** Full-jitter exponential backoff: a random wait in [0, min(cap, base·2^(attempt-1))). */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1)));
}

/** `Retry-After` as milliseconds from now (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = /[A-Za-z]/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export interface RetryInput {
  /** The attempt that just failed, from 1. */
  readonly attempt: number;
  /** Milliseconds left before the invocation's deadline. */
  readonly remainingMs: number;
  /** What the server asked for (`Retry-After`), if anything. */
  readonly retryAfterMs?: number | undefined;
  readonly random?: () => number;
}

/**
 * How long to wait before the next attempt after a retryable failure, or undefined when there must be none: the
 * attempts are used up, or the wait (the server's `Retry-After`, else jittered backoff) leaves no time for an attempt.
 */
export function retryDelay({ attempt, remainingMs, retryAfterMs, random }: RetryInput): number | undefined {
  if (attempt >= MAX_ATTEMPTS) return undefined;
  const delay = retryAfterMs ?? backoffMs(attempt, random);
  return delay + MIN_ATTEMPT_MS <= remainingMs ? delay : undefined;
}
