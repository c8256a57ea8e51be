import { describe, expect, it } from 'vitest';
import { KeyError, TimeoutError } from '../../lambda/src/errors.ts';
import { keyFetchError, RetryableKeyError } from '../../lambda/src/key/aws-errors.ts';

const WHERE = 'Secrets Manager secret sfdc/acme (SECRET_NAME)';
const live = () => new AbortController().signal;
/** An error shaped as the AWS SDK raises it: an AWS answer's (with an HTTP status) or a network fault's. */
const answered = (name: string, status = 400) =>
  Object.assign(new Error('sdk'), { name, $metadata: { httpStatusCode: status } });
const fault = (code: string) => Object.assign(new Error('sdk'), { name: 'Error', code, $metadata: {} });

describe('Function: keyFetchError — every name and code of its tables', () => {
  it.each(['ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'Throttling'])(
    '%s: throttled, retried',
    (name) => {
      const error = answered(name);

      const mapped = keyFetchError(error, WHERE, live());

      expect(mapped).toBeInstanceOf(RetryableKeyError);
      expect(mapped).toMatchObject({ retryable: true, code: 'KEY', cause: error });
      expect(mapped.message).toBe(`reading ${WHERE} was throttled (${name})`);
    },
  );

  it.each(['ParameterNotFound', 'ResourceNotFoundException', 'ParameterVersionNotFound'])(
    '%s: not found, not retried',
    (name) => {
      const error = answered(name);

      const mapped = keyFetchError(error, WHERE, live());

      expect(mapped).not.toBeInstanceOf(RetryableKeyError);
      expect(mapped).toMatchObject({ code: 'KEY', cause: error, message: `${WHERE} was not found` });
    },
  );

  it.each(['AccessDeniedException', 'AccessDenied', 'UnrecognizedClientException', 'InvalidSignatureException'])(
    '%s: not allowed, not retried',
    (name) => {
      const error = answered(name, 403);

      const mapped = keyFetchError(error, WHERE, live());

      expect(mapped).not.toBeInstanceOf(RetryableKeyError);
      expect(mapped).toMatchObject({
        code: 'KEY',
        cause: error,
        message: `the function is not allowed to read ${WHERE} (${name})`,
      });
    },
  );

  it.each(['InvalidKeyId', 'DecryptionFailure', 'KMSAccessDeniedException'])(
    '%s: not decrypted, not retried',
    (name) => {
      const error = answered(name);

      const mapped = keyFetchError(error, WHERE, live());

      expect(mapped).not.toBeInstanceOf(RetryableKeyError);
      expect(mapped).toMatchObject({
        code: 'KEY',
        cause: error,
        message: `${WHERE} could not be decrypted with its KMS key (${name})`,
      });
    },
  );

  it.each([
    ['ECONNRESET', 'the connection was reset'],
    ['ECONNREFUSED', 'the connection was refused'],
    ['EPIPE', 'the connection was closed while sending'],
    ['ETIMEDOUT', 'the connection timed out'],
    ['ENOTFOUND', 'the endpoint does not resolve'],
    ['EAI_AGAIN', 'the endpoint could not be resolved just now'],
    ['EHOSTUNREACH', 'the endpoint is unreachable'],
    ['ENETUNREACH', 'the network is unreachable'],
    ['EWHATEVER', 'network error'],
  ])('%s: "%s", retried', (code, words) => {
    const error = fault(code);

    const mapped = keyFetchError(error, WHERE, live());

    expect(mapped).toBeInstanceOf(RetryableKeyError);
    expect(mapped).toMatchObject({ cause: error, message: `reading ${WHERE} failed: ${words} (${code})` });
  });
});

describe('Function: keyFetchError — what is left when a failure names little', () => {
  it('names a network fault without a code by its name', () => {
    const error = Object.assign(new Error('sdk'), { name: 'TimeoutError' });

    expect(keyFetchError(error, WHERE, live()).message).toBe(`reading ${WHERE} failed: network error (TimeoutError)`);
  });

  it('reads a failure that is not even an object as a network fault', () => {
    const mapped = keyFetchError(undefined, WHERE, live());

    expect(mapped).toBeInstanceOf(RetryableKeyError);
    expect(mapped.message).toBe(`reading ${WHERE} failed: network error ()`);
  });

  it('calls an AWS answer without a name "an error", retried when it is a 5xx only', () => {
    const server = keyFetchError({ $metadata: { httpStatusCode: 503 } }, WHERE, live());
    const client = keyFetchError({ $metadata: { httpStatusCode: 499 } }, WHERE, live());
    const last = keyFetchError({ $metadata: { httpStatusCode: 500 } }, WHERE, live());

    expect(server.message).toBe(`reading ${WHERE} failed: AWS answered an error, HTTP 503`);
    expect([server, client, last].map((error) => error instanceof RetryableKeyError)).toEqual([true, false, true]);
  });

  it('keeps the failure as the cause of a deadline TIMEOUT and of an AWS answer', () => {
    const error = answered('ValidationException');

    const timeout = keyFetchError(error, WHERE, AbortSignal.abort());
    const refused = keyFetchError(error, WHERE, live());

    expect(timeout).toBeInstanceOf(TimeoutError);
    expect(timeout.cause).toBe(error);
    expect(refused).toBeInstanceOf(KeyError);
    expect(refused.cause).toBe(error);
  });
});
