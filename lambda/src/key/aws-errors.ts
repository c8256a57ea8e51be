import { BridgeError, KeyError, TimeoutError } from '../errors.ts';

const THROTTLING = new Set(['ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'Throttling']);
const NOT_FOUND = new Set(['ParameterNotFound', 'ResourceNotFoundException', 'ParameterVersionNotFound']);
const DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
  'InvalidSignatureException',
]);
const DECRYPT = new Set(['InvalidKeyId', 'DecryptionFailure', 'KMSAccessDeniedException']);
/** Network faults, in words; the SDK names some of them `TimeoutError` whatever happened. */
const NETWORK: Readonly<Record<string, string>> = {
  ECONNRESET: 'the connection was reset',
  ECONNREFUSED: 'the connection was refused',
  EPIPE: 'the connection was closed while sending',
  ETIMEDOUT: 'the connection timed out',
  ENOTFOUND: 'the endpoint does not resolve',
  EAI_AGAIN: 'the endpoint could not be resolved just now',
  EHOSTUNREACH: 'the endpoint is unreachable',
  ENETUNREACH: 'the network is unreachable',
};

/** A key fetch failure that another attempt may cure (throttling, a network fault, a 5xx, an attempt that stalled). */
export class RetryableKeyError extends KeyError {
  readonly retryable = true;
}

/**
 * Maps an AWS SDK failure to a {@link KeyError} (or {@link TimeoutError}) whose message names the item and the cure.
 * When `signal` aborted, its reason decides: one of ours (an attempt's own timeout) as it is, else the deadline.
 */
export function keyFetchError(error: unknown, where: string, signal: AbortSignal): Error {
  const { name = '', code } = (error ?? {}) as { name?: string; code?: string };
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  if (signal.aborted) {
    if (signal.reason instanceof BridgeError) return signal.reason;
    return new TimeoutError(`reading ${where} did not finish in time`, { cause: error });
  }
  if (THROTTLING.has(name)) return new RetryableKeyError(`reading ${where} was throttled (${name})`, { cause: error });
  if (NOT_FOUND.has(name)) return new KeyError(`${where} was not found`, { cause: error });
  if (DENIED.has(name)) return new KeyError(`the function is not allowed to read ${where} (${name})`, { cause: error });
  if (DECRYPT.has(name))
    return new KeyError(`${where} could not be decrypted with its KMS key (${name})`, { cause: error });
  if (status === undefined) {
    const what = (code && NETWORK[code]) ?? 'network error';
    return new RetryableKeyError(`reading ${where} failed: ${what} (${code ?? name ?? 'no code'})`, { cause: error });
  }
  const answer =
    name === 'SyntaxError'
      ? `HTTP ${status} with a body that is not an AWS answer (a proxy or firewall in the way?)`
      : `${name || 'an error'}, HTTP ${status}`;
  const Failure = status >= 500 ? RetryableKeyError : KeyError;
  return new Failure(`reading ${where} failed: AWS answered ${answer}`, { cause: error });
}
