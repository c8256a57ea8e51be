/**
 * The closed set of failure categories the bridge reports. Each is a stable `code` that a contact flow, an alarm or a
 * log query can match on; the message says what went wrong in words a contact-centre engineer understands.
 *
 * Match on `error.code` (or `error.name`, which equals it), not on `instanceof`: the error crosses the Lambda boundary
 * as `errorType` / `errorMessage` and only those survive.
 */
export const ERROR_CODES = [
  'CONFIG',
  'BAD_EVENT',
  'KEY',
  'AUTH',
  'SALESFORCE_REJECTED',
  'SALESFORCE_UNAVAILABLE',
  'TIMEOUT',
  'BAD_ANSWER',
  'ORG_RECORD',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The longest message an error keeps: with the rest of an error answer it stays far inside Connect's 32 KB. */
export const MAX_MESSAGE_LENGTH = 1_000;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/**
 * `text` cut to at most `max` UTF-16 units, the last of them `…` when it was cut; never between the two halves of a
 * surrogate pair (an emoji), which would leave a lone surrogate: not a character, and invalid in UTF-8.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = max - 1;
  const code = text.charCodeAt(end - 1);
  return `${text.slice(0, code >= 0xd800 && code <= 0xdbff ? end - 1 : end)}…`;
}

/**
 * Base of every error the bridge raises on purpose. `name` is the category, so Lambda reports it as `errorType`. The
 * message is kept to one printable line of at most {@link MAX_MESSAGE_LENGTH} characters, whatever went into it: control
 * characters become spaces, a lone surrogate becomes U+FFFD, and a cut never splits a character.
 */
export abstract class BridgeError extends Error {
  abstract readonly code: ErrorCode;

  constructor(message: string, options?: ErrorOptions) {
    super(truncate(message.replace(CONTROL, ' ').toWellFormed(), MAX_MESSAGE_LENGTH), options);
  }
}

/** A setting (environment variable) is missing or invalid. The message names the variable. */
export class ConfigError extends BridgeError {
  readonly code = 'CONFIG';
  override readonly name = 'CONFIG';
}

/** The Connect event cannot be turned into a request. The message names the field. Nothing was sent. */
export class BadEventError extends BridgeError {
  readonly code = 'BAD_EVENT';
  override readonly name = 'BAD_EVENT';
}

/** The private key could not be fetched, or the stored value is not a usable RSA private key. */
export class KeyError extends BridgeError {
  readonly code = 'KEY';
  override readonly name = 'KEY';
}

/** Salesforce refused the token: a 401 even after reading the key again, or a 403 (the key is not read again). */
export class AuthError extends BridgeError {
  readonly code = 'AUTH';
  override readonly name = 'AUTH';
}

/** Salesforce answered with a 4xx other than 401/403/429; `errors` holds the texts it gave. */
export class SalesforceRejectedError extends BridgeError {
  readonly code = 'SALESFORCE_REJECTED';
  override readonly name = 'SALESFORCE_REJECTED';
  constructor(
    message: string,
    readonly status: number,
    readonly errors: readonly string[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Salesforce could not be reached, redirected the call (3xx), answered something that is not readable HTTP/1.1, or
 * kept answering 429/5xx until the retries or the deadline ran out.
 */
export class SalesforceUnavailableError extends BridgeError {
  readonly code = 'SALESFORCE_UNAVAILABLE';
  override readonly name = 'SALESFORCE_UNAVAILABLE';
}

/** The invocation's time budget ran out before an answer arrived. */
export class TimeoutError extends BridgeError {
  readonly code = 'TIMEOUT';
  override readonly name = 'TIMEOUT';
}

/** Salesforce answered 2xx with a body cut off, not the documented shape, or too large for Connect. */
export class BadAnswerError extends BridgeError {
  readonly code = 'BAD_ANSWER';
  override readonly name = 'BAD_ANSWER';
}

/** updateCache could not write the contact's org record to S3 (`SECRET_CACHE_S3`). */
export class OrgRecordError extends BridgeError {
  readonly code = 'ORG_RECORD';
  override readonly name = 'ORG_RECORD';
}

/** A defect in the bridge itself. Reported as such, never disguised as one of the categories above. */
export class InternalError extends BridgeError {
  readonly code = 'INTERNAL';
  override readonly name = 'INTERNAL';
}

/** Returns `error` when it is one of ours, otherwise an {@link InternalError} that keeps it as `cause`. */
export function asBridgeError(error: unknown): BridgeError {
  if (error instanceof BridgeError) return error;
  return new InternalError('unexpected failure inside the bridge (see the function log)', { cause: error });
}

/**
 * The error as Lambda should report it: `errorType` = the category, `errorMessage` = the message, and a one-line
 * stack — these are expected outcomes, and their frames would only bury the message in the function log.
 */
export function forLambda(error: BridgeError): BridgeError {
  error.stack = `${error.name}: ${error.message}`;
  return error;
}
