import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AwsFault } from './aws.ts';

/** The bucket the function writes its org records to (`SECRET_CACHE_S3`); the AWS endpoint has it from the start. */
export const ORG_RECORD_BUCKET = 'connect-org-records';

/** An object PutObject stored, by `bucket/key`. */
export interface StoredObject {
  readonly body: string;
  readonly contentType: string | undefined;
  /** The quoted MD5 of the body, as S3 answers it. */
  readonly etag: string;
}

/** An S3 answer: a REST-XML error, an empty 200 with headers, or a fault's HTML page, reset or stall. */
export interface S3Answer {
  readonly status: number;
  readonly xml?: string;
  readonly html?: string;
  readonly headers?: Record<string, string>;
  readonly action?: 'reset' | 'stall';
}

/** Where PutObject puts the object: path-style `PUT /<bucket>/<key...>`. */
export interface ObjectAddress {
  readonly bucket: string;
  readonly key: string;
}

/** S3's REST-XML error document, with the `<Code>` the SDK turns into the error's name. */
export function s3Error(status: number, code: string, message: string, extra: Record<string, string> = {}): S3Answer {
  const fields = Object.entries({ Code: code, Message: message, ...extra, RequestId: requestId() })
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  return { status, xml: `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${fields}</Error>` };
}

/**
 * What is wrong with a signed request before S3 would look at the bucket, if anything: a SigV4 scope for another
 * service, no `x-amz-content-sha256`, another operation than PutObject, or no key.
 */
export function s3RequestProblem(
  method: string,
  pathname: string,
  headers: IncomingHttpHeaders,
): S3Answer | ObjectAddress {
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(String(headers.authorization))?.[1];
  if (scope !== 's3')
    return s3Error(400, 'AuthorizationHeaderMalformed', `The authorization header is malformed; service ${scope}`);
  if (!headers['x-amz-content-sha256'])
    return s3Error(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  const match = /^\/([^/]+)\/(.+)$/.exec(pathname);
  if (method !== 'PUT' || !match) return s3Error(501, 'NotImplemented', 'this endpoint serves PutObject only');
  try {
    return { bucket: decodeURIComponent(match[1]!), key: decodeURIComponent(match[2]!) };
  } catch {
    return s3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
  }
}

/**
 * The object's bytes: the body itself, or decoded from `aws-chunked` (SigV4 streaming: signed chunks, or unsigned
 * ones with trailing checksums), as the SDK sends a stream.
 */
export function objectBytes(headers: IncomingHttpHeaders, body: Buffer): Buffer | S3Answer {
  const chunked =
    String(headers['content-encoding'] ?? '').includes('aws-chunked') ||
    String(headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
  if (!chunked) return body;
  const parts: Buffer[] = [];
  for (let at = 0; ;) {
    const eol = body.indexOf('\r\n', at);
    const size = eol < 0 ? NaN : parseInt(body.subarray(at, eol).toString().split(';')[0]!, 16);
    if (Number.isNaN(size) || eol + 2 + size > body.length)
      return s3Error(400, 'IncompleteBody', 'The request body is not valid aws-chunked encoding');
    if (size === 0) return Buffer.concat(parts);
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** A scripted fault as S3 shows it. */
export function s3Fault(fault: AwsFault): S3Answer {
  switch (fault) {
    case 'reset':
    case 'stall':
      return { status: 0, action: fault };
    case 'ProxyForbidden':
      return { status: 403, html: '<html><body><h1>403 Forbidden</h1></body></html>' };
    case 'ThrottlingException':
      return s3Error(503, 'SlowDown', 'Please reduce your request rate.');
    case 'InternalServerError':
      return s3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
    case 'AccessDeniedException':
      return s3Error(403, 'AccessDenied', 'Access Denied');
  }
}

function requestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
