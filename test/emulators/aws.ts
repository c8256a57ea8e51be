import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const REGION = 'us-east-1';

/** The environment that points the real SDK clients (SSM, Secrets Manager) at `endpoint`, with these dummy keys. */
export function sdkEnv(endpoint: string, accessKeyId: string, secretAccessKey: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_SSM: endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}
export const ACCOUNT = '123456789012';

/**
 * What the endpoint can be told to do instead of answering: an AWS error (the `__type` of a JSON 1.1 error), a proxy's
 * HTML 403 page, a connection reset, or no answer at all.
 */
export type AwsFault =
  'ThrottlingException' | 'InternalServerError' | 'AccessDeniedException' | 'ProxyForbidden' | 'reset' | 'stall';

export interface AwsEmulatorOptions {
  /** Requests per second allowed across both services; beyond it the answer is ThrottlingException. */
  readonly ratePerSecond?: number;
  /** Delay before every answer, in milliseconds. */
  readonly delayMs?: number;
  readonly port?: number;
}

/** Counters of what the endpoint answered: `getParameter` / `getSecretValue` count requests past the rate limit. */
export interface AwsCounts {
  getParameter: number;
  getSecretValue: number;
  throttled: number;
  unsigned: number;
}

const FAULT_STATUS: Record<'ThrottlingException' | 'InternalServerError' | 'AccessDeniedException', number> = {
  ThrottlingException: 400,
  InternalServerError: 500,
  AccessDeniedException: 400,
};

/**
 * A local AWS JSON 1.1 endpoint answering SSM `GetParameter` and Secrets Manager `GetSecretValue`, reached by the
 * real AWS SDK clients through `AWS_ENDPOINT_URL_SSM` / `AWS_ENDPOINT_URL_SECRETS_MANAGER`. It refuses unsigned
 * requests, can rate-limit like Parameter Store's standard throughput, and can be told to fail the next calls.
 */
export class AwsEmulator {
  readonly parameters = new Map<string, string>();
  readonly secrets = new Map<string, string>();
  readonly counts: AwsCounts = { getParameter: 0, getSecretValue: 0, throttled: 0, unsigned: 0 };
  /** GetSecretValue requests answered (past the rate limit), by secret name. */
  readonly secretReads = new Map<string, number>();
  readonly #faults: AwsFault[] = [];
  #outage: { readonly until: number; readonly fault: AwsFault } | undefined;
  readonly #recent: number[] = [];
  readonly #server: Server;

  private constructor(private readonly options: AwsEmulatorOptions) {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const answer = () => this.#answer(req, Buffer.concat(chunks).toString(), res);
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

  /** Makes the next calls fail with these faults, in order. */
  fail(...faults: AwsFault[]): this {
    this.#faults.push(...faults);
    return this;
  }

  /** Fails every call with `fault` for the next `ms` milliseconds (an outage of both services). */
  outage(ms: number, fault: AwsFault = 'InternalServerError'): this {
    this.#outage = { until: Date.now() + ms, fault };
    return this;
  }

  /** Ends the scripted faults and any outage. */
  heal(): void {
    this.#faults.length = 0;
    this.#outage = undefined;
  }

  resetCounts(): void {
    Object.assign(this.counts, { getParameter: 0, getSecretValue: 0, throttled: 0, unsigned: 0 });
    this.secretReads.clear();
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #answer(req: IncomingMessage, raw: string, res: ServerResponse): void {
    const { status, body, action } = this.#reply(
      String(req.headers['x-amz-target'] ?? ''),
      req.headers.authorization,
      raw,
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
    const outage = this.#outage && Date.now() < this.#outage.until ? this.#outage.fault : undefined;
    const fault = this.#faults.shift() ?? outage;
    if (fault === undefined) return undefined;
    if (fault === 'reset' || fault === 'stall') return { status: 0, body: {}, action: fault };
    if (fault === 'ProxyForbidden') return { status: 403, body: '<html><body><h1>403 Forbidden</h1></body></html>' };
    return failure(FAULT_STATUS[fault], fault, fault);
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
