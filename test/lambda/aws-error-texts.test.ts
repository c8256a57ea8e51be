import { describe, expect, it } from 'vitest';
import { KeyError, TimeoutError } from '../../lambda/src/errors.ts';
import { keyFetchError, RetryableKeyError } from '../../lambda/src/key/aws-errors.ts';

const WHERE = 'SSM parameter /k (PRIVATE_KEY_PARAM_NAME)';
const live = () => new AbortController().signal;
/** An error shaped as the AWS SDK raises it. */
const sdkError = (fields: Record<string, unknown>) => Object.assign(new Error('sdk'), fields);

describe('Function: keyFetchError — the texts', () => {
  it("names a proxy's non-JSON answer by its HTTP status, not the parser's SyntaxError", () => {
    const error = keyFetchError(sdkError({ name: 'SyntaxError', $metadata: { httpStatusCode: 403 } }), WHERE, live());

    expect(error).toBeInstanceOf(KeyError);
    expect(error).not.toBeInstanceOf(RetryableKeyError);
    expect(error.message).toBe(
      `reading ${WHERE} failed: AWS answered HTTP 403 with a body that is not an AWS answer (a proxy or firewall in the way?)`,
    );
  });

  it('calls a reset a reset, though the SDK names it TimeoutError, and retries it', () => {
    const error = keyFetchError(sdkError({ name: 'TimeoutError', code: 'ECONNRESET' }), WHERE, live());

    expect(error).toBeInstanceOf(RetryableKeyError);
    expect(error.message).toBe(`reading ${WHERE} failed: the connection was reset (ECONNRESET)`);
  });

  it("returns an attempt's own timeout as it is, and the deadline's as TIMEOUT", () => {
    const attempt = new AbortController();
    const own = new RetryableKeyError('did not answer within 1500 ms');
    attempt.abort(own);
    const deadline = new AbortController();
    deadline.abort(new DOMException('timeout', 'TimeoutError'));

    expect(keyFetchError(sdkError({ name: 'AbortError' }), WHERE, attempt.signal)).toBe(own);
    expect(keyFetchError(sdkError({ name: 'AbortError' }), WHERE, deadline.signal)).toBeInstanceOf(TimeoutError);
  });
});
