import { KeyError, TimeoutError } from '../errors.ts';

const THROTTLING = new Set(['ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'Throttling']);
const NOT_FOUND = new Set(['ParameterNotFound', 'ResourceNotFoundException', 'ParameterVersionNotFound']);
const DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
  'InvalidSignatureException',
]);
const DECRYPT = new Set(['InvalidKeyId', 'DecryptionFailure', 'KMSAccessDeniedException']);

/** A key fetch failure that another attempt may cure (throttling, a network fault, a 5xx). */
export class RetryableKeyError extends KeyError {
  readonly retryable = true;
}

/** Maps an AWS SDK failure to a {@link KeyError} (or {@link TimeoutError}) whose message names the item and the cure. */
export function keyFetchError(error: unknown, where: string, signal: AbortSignal): Error {
  const name = (error as { name?: string } | undefined)?.name ?? '';
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  if (signal.aborted) return new TimeoutError(`reading ${where} did not finish in time`, { cause: error });
  if (THROTTLING.has(name)) return new RetryableKeyError(`reading ${where} was throttled (${name})`, { cause: error });
  if (NOT_FOUND.has(name)) return new KeyError(`${where} was not found`, { cause: error });
  if (DENIED.has(name)) return new KeyError(`the function is not allowed to read ${where} (${name})`, { cause: error });
  if (DECRYPT.has(name))
    return new KeyError(`${where} could not be decrypted with its KMS key (${name})`, { cause: error });
  if (status === undefined || status >= 500) {
    return new RetryableKeyError(`reading ${where} failed (${name || 'network error'})`, { cause: error });
  }
  return new KeyError(`reading ${where} failed (${name || `HTTP ${status}`})`, { cause: error });
}
