import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ORG_RECORD_BUCKET,
  objectBytes,
  s3Error,
  type S3Answer,
  s3Fault,
  s3RequestProblem,
  type StoredObject,
} from './aws-s3.ts';

export { ORG_RECORD_BUCKET, type StoredObject } from './aws-s3.ts';

export const REGION = 'us-east-1';

/** The environment that points the real SDK clients (SSM, Secrets Manager, S3) at `endpoint`, with these dummy keys. */
export function sdkEnv(endpoint: string, accessKeyId: string, secretAccessKey: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_SSM: endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}
export const ACCOUNT = '123456789012';

/**
 * What the endpoint can be told to do instead of answering: an AWS error (the `__type` of a JSON 1.1 error; S3 answers
 * its own for it: SlowDown, InternalError, AccessDenied), a proxy's HTML 403 page, a connection reset, or no answer.
 */
export type AwsFault =
  'ThrottlingException' | 'InternalServerError' | 'AccessDeniedException' | 'ProxyForbidden' | 'reset' | 'stall';

export interface AwsEmulatorOptions {
  /** Requests per second allowed across SSM and Secrets Manager (S3 is not limited); beyond, ThrottlingException. */
  readonly ratePerSecond?: number;
  /** Delay before every answer, in milliseconds. */
  readonly delayMs?: number;
  readonly port?: number;
}

/**
 * Counters of what the endpoint answered: `getParameter` / `getSecretValue` count requests past the rate limit,
 * `putObject` the signed PutObject requests (stored, faulted or refused for their bucket).
 */
export interface AwsCounts {
  getParameter: number;
  getSecretValue: number;
  putObject: number;
  throttled: number;
  unsigned: number;
}

const FAULT_STATUS: Record<'ThrottlingException' | 'InternalServerError' | 'AccessDeniedException', number> = {
  ThrottlingException: 400,
  InternalServerError: 500,
  AccessDeniedException: 400,
};

/**
 * A local AWS endpoint answering SSM `GetParameter` and Secrets Manager `GetSecretValue` (JSON 1.1) and S3
 * `PutObject` (path-style REST), reached by the real AWS SDK clients through `AWS_ENDPOINT_URL_SSM` /
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER` / `AWS_ENDPOINT_URL_S3`. It refuses unsigned requests, can rate-limit SSM and
 * Secrets Manager like Parameter Store's standard throughput, and can be told to fail the next calls.
 */
export class AwsEmulator {
  readonly parameters = new Map<string, string>();
  readonly secrets = new Map<string, string>();
  /** The buckets PutObject accepts; any other answers 404 NoSuchBucket. */
  readonly buckets = new Set<string>([ORG_RECORD_BUCKET]);
  /** The objects PutObject stored, by `bucket/key`. */
  readonly objects = new Map<string, StoredObject>();
  readonly counts: AwsCounts = { getParameter: 0, getSecretValue: 0, putObject: 0, throttled: 0, unsigned: 0 };
  /** GetSecretValue requests answered (past the rate limit), by secret name. */
  readonly secretReads = new Map<string, number>();
  readonly #faults: AwsFault[] = [];
  readonly #s3Faults: AwsFault[] = [];
  #outage: { readonly until: number; readonly fault: AwsFault } | undefined;
  readonly #recent: number[] = [];
  readonly #server: Server;

  private constructor(private readonly options: AwsEmulatorOptions) {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const answer = () => this.#answer(req, Buffer.concat(chunks), res);
        if (options.delayMs) setTimeout(answer, options.delayMs);
        else answer();
      });
    });
  }

  static async start(options: AwsEmulatorOptions = {}): Promise<AwsEmulator> {
    const emulator = new AwsEmulator(options);
    await new Promise<void>((resolve) => emulator.#server.listen(options.port ?? 0, '127.0.0.1', resolve));
    return emulator;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** The environment that points the real SDK clients here, with dummy credentials. */
  get env(): Record<string, string> {
    return sdkEnv(this.endpoint, 'AKIDLOCALEMULATOR', 'local-emulator-secret');
  }

  /** Makes the next calls (of any service, S3 included) fail with these faults, in order. */
  fail(...faults: AwsFault[]): this {
    this.#faults.push(...faults);
    return this;
  }

  /** Makes the next S3 calls (only) fail with these faults, in order, before any queued by {@link fail}. */
  failS3(...faults: AwsFault[]): this {
    this.#s3Faults.push(...faults);
    return this;
  }

  /** Fails every call with `fault` for the next `ms` milliseconds (an outage of every service). */
  outage(ms: number, fault: AwsFault = 'InternalServerError'): this {
    this.#outage = { until: Date.now() + ms, fault };
    return this;
  }

  /** Ends the scripted faults and any outage. */
  heal(): void {
    this.#faults.length = 0;
    this.#s3Faults.length = 0;
    this.#outage = undefined;
  }

  resetCounts(): void {
    Object.assign(this.counts, { getParameter: 0, getSecretValue: 0, putObject: 0, throttled: 0, unsigned: 0 });
    this.secretReads.clear();
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #answer(req: IncomingMessage, raw: Buffer, res: ServerResponse): void {
    const pathname = (req.url ?? '/').split('?')[0]!;
    if (req.headers['x-amz-target'] === undefined && pathname !== '/') return this.#answerS3(req, pathname, raw, res);
    const { status, body, action } = this.#reply(
      String(req.headers['x-amz-target'] ?? ''),
      req.headers.authorization,
      raw.toString(),
    );
    if (action === 'reset') return void req.socket.resetAndDestroy();
    if (action === 'stall') return;
    if (typeof body === 'string') {
      res.writeHead(status, { 'content-type': 'text/html' });
      return void res.end(body);
    }
    const type = (body as { __type?: string }).__type;
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      ...(type ? { 'x-amzn-errortype': type } : {}),
    });
    res.end(JSON.stringify(body));
  }

  #answerS3(req: IncomingMessage, pathname: string, raw: Buffer, res: ServerResponse): void {
    const { status, xml, html, headers, action } = this.#s3(req, pathname, raw);
    if (action === 'reset') return void req.socket.resetAndDestroy();
    if (action === 'stall') return;
    const type = xml !== undefined ? 'application/xml' : html !== undefined ? 'text/html' : undefined;
    res.writeHead(status, { ...(type ? { 'content-type': type } : {}), ...headers });
    res.end(xml ?? html ?? '');
  }

  #s3(req: IncomingMessage, pathname: string, raw: Buffer): S3Answer {
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 Credential=')) {
      this.counts.unsigned++;
      return s3Error(403, 'AccessDenied', 'Access Denied');
    }
    const address = s3RequestProblem(req.method ?? '', pathname, req.headers);
    if ('status' in address) return address;
    this.counts.putObject++;
    const fault = this.#s3Faults.shift() ?? this.#nextFault();
    if (fault !== undefined) return s3Fault(fault);
    const { bucket, key } = address;
    if (!this.buckets.has(bucket))
      return s3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
    const bytes = objectBytes(req.headers, raw);
    if (!Buffer.isBuffer(bytes)) return bytes;
    const etag = `"${createHash('md5').update(bytes).digest('hex')}"`;
    this.objects.set(`${bucket}/${key}`, { body: bytes.toString(), contentType: req.headers['content-type'], etag });
    return { status: 200, headers: { etag } };
  }

  #reply(target: string, authorization: string | undefined, raw: string): Answer {
    if (!String(authorization ?? '').startsWith('AWS4-HMAC-SHA256 Credential=')) {
      this.counts.unsigned++;
      return failure(400, 'MissingAuthenticationTokenException', 'Request is missing Authentication Token');
    }
    if (this.#overRate()) {
      this.counts.throttled++;
      return failure(400, 'ThrottlingException', 'Rate exceeded');
    }
    const input = JSON.parse(raw || '{}') as Record<string, unknown>;
    if (target === 'AmazonSSM.GetParameter') {
      this.counts.getParameter++;
      return this.#fault() ?? this.#getParameter(input);
    }
    if (target === 'secretsmanager.GetSecretValue') {
      this.counts.getSecretValue++;
      const name = secretName(String(input.SecretId));
      this.secretReads.set(name, (this.secretReads.get(name) ?? 0) + 1);
      return this.#fault() ?? this.#getSecretValue(input);
    }
    return failure(400, 'UnknownOperationException', `unsupported target ${target}`);
  }

  #getParameter(input: Record<string, unknown>): Answer {
    const name = parameterName(String(input.Name));
    const value = this.parameters.get(name);
    if (value === undefined) return failure(400, 'ParameterNotFound', '');
    if (input.WithDecryption !== true) return failure(400, 'ValidationException', 'SecureString needs WithDecryption');
    const arn = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${name.replace(/^\//, '')}`;
    return {
      status: 200,
      body: { Parameter: { Name: name, Type: 'SecureString', Value: value, Version: 1, ARN: arn } },
    };
  }

  #getSecretValue(input: Record<string, unknown>): Answer {
    const name = secretName(String(input.SecretId));
    const value = this.secrets.get(name);
    if (value === undefined)
      return failure(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    const arn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`;
    return {
      status: 200,
      body: { ARN: arn, Name: name, SecretString: value, VersionId: 'v1', VersionStages: ['AWSCURRENT'] },
    };
  }

  #fault(): Answer | undefined {
    const fault = this.#nextFault();
    if (fault === undefined) return undefined;
    if (fault === 'reset' || fault === 'stall') return { status: 0, body: {}, action: fault };
    if (fault === 'ProxyForbidden') return { status: 403, body: '<html><body><h1>403 Forbidden</h1></body></html>' };
    return failure(FAULT_STATUS[fault], fault, fault);
  }

  /** The next queued fault, else the outage's while it lasts. */
  #nextFault(): AwsFault | undefined {
    const outage = this.#outage && Date.now() < this.#outage.until ? this.#outage.fault : undefined;
    return this.#faults.shift() ?? outage;
  }

  #overRate(): boolean {
    const limit = this.options.ratePerSecond;
    if (!limit) return false;
    const now = Date.now();
    while (this.#recent.length > 0 && this.#recent[0]! <= now - 1000) this.#recent.shift();
    if (this.#recent.length >= limit) return true;
    this.#recent.push(now);
    return false;
  }
}

/** `/x/y` from a name or `arn:aws:ssm:…:parameter/x/y`. */
function parameterName(nameOrArn: string): string {
  const match = /^arn:aws[a-z-]*:ssm:[^:]*:\d{12}:parameter(\/.*)$/.exec(nameOrArn);
  return match ? match[1]! : nameOrArn;
}

/** The name from a name or `arn:aws:secretsmanager:…:secret:name-AbCdEf`. */
function secretName(idOrArn: string): string {
  const match = /^arn:aws[a-z-]*:secretsmanager:[^:]*:\d{12}:secret:(.+?)(?:-[A-Za-z0-9]{6})?$/.exec(idOrArn);
  return match ? match[1]! : idOrArn;
}

interface Answer {
  readonly status: number;
  /** A JSON 1.1 body, or a string sent as an HTML page. */
  readonly body: unknown;
  readonly action?: 'reset' | 'stall';
}

function failure(status: number, type: string, message: string): Answer {
  return { status, body: { __type: type, message } };
}
