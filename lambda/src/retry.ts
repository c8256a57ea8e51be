// Retries live here rather than in undici's RetryAgent: that one leaves PATCH alone unless told otherwise (it is not
// idempotent by definition), and it knows nothing of the invocation's deadline or of the 401 key refresh.

/** Calls to Salesforce per invocation at most, retries included (the 401 key refresh counts as one). */
export const MAX_ATTEMPTS = 3;
/** Statuses that mean "try again shortly"; every other status is final. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);
/** Transport failures worth another attempt: the connection failed, was refused, or was dropped. */
export const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_ABORTED',
]);
/** An attempt needs at least this much time left to be worth making. */
export const MIN_ATTEMPT_MS = 150;
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 1_000;

/** How a transport failure (a thrown error, not an HTTP status) is treated. */
export type TransportFailure = 'timeout' | 'retryable' | 'final';

/** Classifies an undici / Node error by its `code` (and abort reasons by `name`), never by `instanceof`. */
export function classifyTransportError(error: unknown): TransportFailure {
  const { code, name } = (error ?? {}) as { code?: string; name?: string };
  if (name === 'TimeoutError' || name === 'AbortError' || (code && TIMEOUT_CODES.has(code))) return 'timeout';
  return code && RETRYABLE_NETWORK_CODES.has(code) ? 'retryable' : 'final';
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
