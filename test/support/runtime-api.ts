import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The version prefix of every path of Lambda's runtime API. */
const PREFIX = '/2018-06-01/runtime';
const INVOCATION = new RegExp(`^${PREFIX}/invocation/([^/]+)/(response|error)$`);
/** The header that names an error's type on `…/error` and `/init/error`. */
const ERROR_TYPE_HEADER = 'lambda-runtime-function-error-type';

/** The function ARN `next` hands over by default: the alias a Connect flow invokes. */
export const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:connect-omniflow-bridge:live';

/** An error body as a runtime posts it: `errorType` and `errorMessage`, and its stack under some name. */
export interface ErrorBody {
  readonly errorType?: string;
  readonly errorMessage?: string;
  readonly [field: string]: unknown;
}

/** What the runtime posted for one invocation, and when (wall clock, as Lambda compares it with the deadline). */
export type Outcome =
  | { readonly kind: 'response'; readonly body: unknown; readonly postedAt: number }
  | {
      readonly kind: 'error';
      readonly body: ErrorBody;
      /** The `Lambda-Runtime-Function-Error-Type` header. */
      readonly errorTypeHeader: string | undefined;
      readonly postedAt: number;
    }
  /** Nothing was posted by the deadline (plus a grace period): Lambda would have stopped the runtime. */
  | { readonly kind: 'timed-out' };

/** An invocation as `next` hands it to the runtime. */
export interface Invocation {
  readonly requestId: string;
  /** `Lambda-Runtime-Deadline-Ms`: when the invocation times out, in Unix milliseconds. */
  readonly deadlineMs: number;
  readonly functionArn: string;
  readonly traceId: string;
  readonly event: unknown;
}

export interface InvokeOptions {
  /** The function's timeout, from now. Ignored when `deadlineMs` is given. @default 8_000 */
  readonly timeoutMs?: number;
  /** The deadline itself, in Unix milliseconds. @default now + timeoutMs */
  readonly deadlineMs?: number;
  /** How long past the deadline to wait before reporting `timed-out`. @default 2_000 */
  readonly graceMs?: number;
}

/** What the runtime posted to `/runtime/init/error`. */
export interface InitError {
  readonly body: ErrorBody;
  readonly errorTypeHeader: string | undefined;
}

/**
 * Lambda's runtime API (version 2018-06-01), served on loopback for one runtime process: `GET …/invocation/next`
 * hands over one queued invocation at a time with the headers Lambda sends (`Lambda-Runtime-Aws-Request-Id`,
 * `-Deadline-Ms`, `-Invoked-Function-Arn`, `-Trace-Id`), holding the request open until there is one; `POST
 * …/invocation/{id}/response` and `…/error` settle that invocation; `POST …/init/error` records a failed init. Answers
 * 202 as Lambda does, and 400 for an unknown or already settled request id.
 */
export class RuntimeApi {
  /** Invocations queued for the next `next`. */
  readonly #queue: Invocation[] = [];
  /** A `next` request waiting for an invocation. */
  #waiting: ServerResponse | undefined;
  readonly #settle = new Map<string, (outcome: Outcome) => void>();
  readonly #initErrors: InitError[] = [];
  /** Who waits for the runtime to ask for work or to fail its init (see {@link idle}). */
  readonly #idleWaiters: ((state: 'next' | 'init-error') => void)[] = [];
  /** Every request the runtime made, as `METHOD path`, in order. */
  readonly requests: string[] = [];

  private constructor(private readonly server: Server) {
    server.on('request', (req, res) => void this.#route(req, res));
  }

  static async start(): Promise<RuntimeApi> {
    const server = createServer({ keepAliveTimeout: 60_000 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new RuntimeApi(server);
  }

  /** `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`. */
  get address(): string {
    const { address, port } = this.server.address() as AddressInfo;
    return `${address}:${port}`;
  }

  /** What the runtime posted to `/runtime/init/error` so far. */
  get initErrors(): readonly InitError[] {
    return this.#initErrors;
  }

  /** Settles when the runtime next asks for an invocation (its init is over) or posts an init error. */
  idle(): Promise<'next' | 'init-error'> {
    if (this.#waiting) return Promise.resolve('next');
    if (this.#initErrors.length > 0) return Promise.resolve('init-error');
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Queues `event` as one invocation and settles with what the runtime posts for it, or `timed-out` when nothing
   * comes by the deadline plus `graceMs`.
   */
  invoke(
    event: unknown,
    { timeoutMs = 8_000, deadlineMs = Date.now() + timeoutMs, graceMs = 2_000 }: InvokeOptions = {},
  ): { readonly invocation: Invocation; readonly outcome: Promise<Outcome> } {
    const invocation: Invocation = {
      requestId: randomUUID(),
      deadlineMs,
      functionArn: FUNCTION_ARN,
      traceId: `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')};Sampled=0`,
      event,
    };
    const outcome = new Promise<Outcome>((resolve) => {
      const timer = setTimeout(
        () => {
          this.#settle.delete(invocation.requestId);
          resolve({ kind: 'timed-out' });
        },
        Math.max(0, deadlineMs - Date.now()) + graceMs,
      );
      this.#settle.set(invocation.requestId, (posted) => {
        clearTimeout(timer);
        resolve(posted);
      });
    });
    this.#queue.push(invocation);
    this.#handOver();
    return { invocation, outcome };
  }

  async close(): Promise<void> {
    this.#waiting?.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '';
    this.requests.push(`${req.method} ${path}`);
    const body = await readBody(req);
    if (req.method === 'GET' && path === `${PREFIX}/invocation/next`) {
      this.#waiting = res;
      this.#handOver();
      if (this.#waiting) this.#wake('next');
      return;
    }
    if (req.method === 'POST' && path === `${PREFIX}/init/error`) {
      const error = { body: asErrorBody(body), errorTypeHeader: header(req, ERROR_TYPE_HEADER) };
      this.#initErrors.push(error);
      this.#wake('init-error');
      return reply(res, 202, { status: 'OK' });
    }
    const match = req.method === 'POST' ? INVOCATION.exec(path) : null;
    if (!match) return reply(res, 404, { errorType: 'NotFound', errorMessage: `no such resource: ${path}` });
    const [, id, what] = match;
    const settle = this.#settle.get(decodeURIComponent(id!));
    if (!settle) {
      return reply(res, 400, { errorType: 'InvalidRequestID', errorMessage: `no invocation ${id} awaits an answer` });
    }
    this.#settle.delete(decodeURIComponent(id!));
    settle(
      what === 'response'
        ? { kind: 'response', body: parse(body), postedAt: Date.now() }
        : {
            kind: 'error',
            body: asErrorBody(body),
            errorTypeHeader: header(req, ERROR_TYPE_HEADER),
            postedAt: Date.now(),
          },
    );
    reply(res, 202, { status: 'OK' });
  }

  #wake(state: 'next' | 'init-error'): void {
    for (const resolve of this.#idleWaiters.splice(0)) resolve(state);
  }

  /** Answers a waiting `next` with the oldest queued invocation, when there are both. */
  #handOver(): void {
    const res = this.#waiting;
    const invocation = res && this.#queue.shift();
    if (!res || !invocation) return;
    this.#waiting = undefined;
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Aws-Request-Id': invocation.requestId,
      'Lambda-Runtime-Deadline-Ms': String(invocation.deadlineMs),
      'Lambda-Runtime-Invoked-Function-Arn': invocation.functionArn,
      'Lambda-Runtime-Trace-Id': invocation.traceId,
    });
    res.end(JSON.stringify(invocation.event));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function asErrorBody(text: string): ErrorBody {
  const body = parse(text);
  return typeof body === 'object' && body !== null ? (body as ErrorBody) : { errorMessage: String(body) };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
