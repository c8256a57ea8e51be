import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  CONNECTING,
  classifyStatus,
  classifyTransportError,
  MAX_ATTEMPTS,
  MIN_ATTEMPT_MS,
  parseRetryAfter,
  retryDelay,
} from '../../lambda/src/retry.ts';

describe('Function: classifyStatus', () => {
  it.each([
    [429, 'not-sent'],
    [503, 'not-sent'],
    [502, 'maybe-processed'],
    [504, 'maybe-processed'],
    [500, 'final'],
    [400, 'final'],
  ])('%i → %s', (status, expected) => {
    expect(classifyStatus(status)).toBe(expected);
  });
});

describe('Function: classifyTransportError', () => {
  it.each([
    ['ECONNRESET', 'maybe-processed'],
    ['EPIPE', 'maybe-processed'],
    ['UND_ERR_SOCKET', 'maybe-processed'],
    ['UND_ERR_CLOSED', 'maybe-processed'],
    ['ECONNREFUSED', 'not-sent'],
    ['ETIMEDOUT', 'not-sent'],
    ['EAI_AGAIN', 'not-sent'],
    ['EHOSTUNREACH', 'not-sent'],
    ['ENETUNREACH', 'not-sent'],
    ['UND_ERR_CONNECT_TIMEOUT', 'not-sent'],
    ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
    ['UND_ERR_BODY_TIMEOUT', 'timeout'],
    ['UND_ERR_ABORTED', 'timeout'],
    ['ENOTFOUND', 'final'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'final'],
    ['CERT_HAS_EXPIRED', 'final'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'final'],
  ])('%s → %s', (code, expected) => {
    expect(classifyTransportError(Object.assign(new Error('x'), { code }))).toBe(expected);
  });

  it('treats an abort by the deadline signal as a timeout', () => {
    expect(classifyTransportError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).toBe(
      'timeout',
    );
    expect(classifyTransportError(new DOMException('aborted', 'AbortError'))).toBe('timeout');
  });

  it('treats something without a code as final', () => {
    expect(classifyTransportError(new Error('?'))).toBe('final');
    expect(classifyTransportError(Object.assign(new Error('reset'), { code: 'ECONNRESET', [CONNECTING]: true }))).toBe(
      'not-sent',
    );
    expect(classifyTransportError(undefined)).toBe('final');
  });
});

describe('Function: backoffMs', () => {
  it('grows exponentially, capped at one second, with full jitter', () => {
    expect([1, 2, 3, 4, 5, 10].map((attempt) => backoffMs(attempt, () => 0.999999))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
    expect(backoffMs(3, () => 0)).toBe(0);
  });
});

describe('Function: parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    const now = Date.parse('2026-11-23T10:00:00Z');

    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Mon, 23 Nov 2026 10:00:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });

  it.each([[undefined], [''], ['soon'], ['-1'], ['2 s'], ['1.5']])('ignores %j', (value) => {
    expect(parseRetryAfter(value)).toBeUndefined();
  });
});

describe('Function: retryDelay', () => {
  const half = () => 0.5;

  it('backs off while attempts and time remain', () => {
    expect(retryDelay({ attempt: 1, remainingMs: 5000, random: half })).toBe(50);
    expect(retryDelay({ attempt: 2, remainingMs: 5000, random: half })).toBe(100);
  });

  it(`stops after ${MAX_ATTEMPTS} attempts`, () => {
    expect(retryDelay({ attempt: MAX_ATTEMPTS, remainingMs: 5000, random: half })).toBeUndefined();
  });

  it("honours the server's Retry-After when it fits the deadline", () => {
    expect(retryDelay({ attempt: 1, remainingMs: 5000, retryAfterMs: 1000, random: half })).toBe(1000);
  });

  it('gives up at once when Retry-After, or the backoff, leaves no time for another attempt', () => {
    expect(retryDelay({ attempt: 1, remainingMs: 5000, retryAfterMs: 5000 })).toBeUndefined();
    expect(retryDelay({ attempt: 1, remainingMs: MIN_ATTEMPT_MS + 49, random: half })).toBeUndefined();
    expect(retryDelay({ attempt: 1, remainingMs: MIN_ATTEMPT_MS + 50, random: half })).toBe(50);
  });
});
