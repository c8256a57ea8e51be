import { createPublicKey, type KeyObject } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';

/** What the emulator does with one request that passed verification. */
export type Reply =
  | {
      readonly status: number;
      readonly body?: unknown;
      readonly headers?: Record<string, string>;
      readonly delayMs?: number;
    }
  | { readonly action: 'reset' | 'stall' };

/** Scripted replies, named for the scenarios the bridge must handle. */
export const replies = {
  agent: (
    agent = 'arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555/agent/aaaaaaaa-0000-1111-2222-333333333333',
  ): Reply => ({ status: 200, body: { agent } }),
  queue: (
    queue = 'arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555/queue/qqqqqqqq-0000-1111-2222-333333333333',
  ): Reply => ({ status: 200, body: { queue } }),
  none: (): Reply => ({ status: 200, body: {} }),
  nested: (): Reply => ({
    status: 200,
    body: { agent: { externalId: 'agent-7', skills: ['billing', 'spanish'] }, queue: '{"externalId":"q-1"}' },
  }),
  errors: (status: number, ...errors: string[]): Reply => ({ status, body: { errors } }),
  status: (status: number, headers?: Record<string, string>): Reply => ({
    status,
    body: { errors: [`HTTP ${status}`] },
    ...(headers ? { headers } : {}),
  }),
  retryAfter: (seconds: number): Reply => ({
    status: 429,
    body: { errors: ['Too many requests'] },
    headers: { 'retry-after': String(seconds) },
  }),
  malformed: (): Reply => ({ status: 200, body: '<html>not json' }),
  reset: (): Reply => ({ action: 'reset' }),
  stall: (): Reply => ({ action: 'stall' }),
};

/** One request as the emulator saw it (the token itself is kept apart, in `tokens`). */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  /** `omniFlow`, `clearRouting` or `reroute`; undefined for any other path. */
  readonly operation: string | undefined;
  readonly callId: string | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
  readonly claims: JWTPayload | undefined;
  /** Why the request was refused with 401/400 before any scripted reply, if it was. */
  readonly refused: string | undefined;
}

export interface SalesforceEmulatorOptions {
  readonly tls: { readonly key: string; readonly cert: string };
  /** The public key on the CallCenter record. */
  readonly publicKeyPem: string;
  readonly orgId: string;
  readonly callCenterApiName: string;
  /** The reply when no scripted one is left. @default replies.agent() */
  readonly fallback?: Reply;
  readonly port?: number;
}

const PATH = /^\/telephony\/v1\/voiceCalls\/([^/]+)\/(omniFlow|clearRouting|reroute)$/;
const MAX_LIFETIME_SECONDS = 180;

/**
 * An HTTPS stand-in for one org's Salesforce telephony API (`PATCH /telephony/v1/voiceCalls/{id}/omniFlow`,
 * `/clearRouting` and `/reroute`). It verifies the request as Salesforce would — RS256 signature against the call
 * center's public key, `iss`, `sub`, `aud`, `exp` at most 3 minutes ahead, a `jti` never seen before, the headers and
 * the body (omniFlow: a dialedNumber unless a flowDevName or transferTarget makes it unneeded; the others: none) — and
 * answers 401 with an `errors` array when anything is off. Requests that pass get the next scripted {@link Reply}.
 */
export class SalesforceEmulator {
  readonly requests: SeenRequest[] = [];
  /** Every bearer token received, so tests can check none of them reached a log. */
  readonly tokens: string[] = [];
  /** TLS handshakes completed. */
  tlsConnections = 0;
  readonly #server: Server;
  readonly #script: Reply[] = [];
  readonly #sockets = new Set<Socket>();
  /** The TCP sockets under the TLS ones: only those can be reset. */
  readonly #rawSockets = new Set<Socket>();
  readonly #jtis = new Set<string>();
  #publicKey: KeyObject;

  private constructor(private readonly options: SalesforceEmulatorOptions) {
    this.#publicKey = createPublicKey(options.publicKeyPem);
    this.#server = createServer({ ...options.tls, keepAliveTimeout: 60_000 }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on(
        'end',
        () => void this.#answer(req.method ?? '', req.url ?? '', req.headers, Buffer.concat(chunks).toString(), res),
      );
    });
    this.#server.on('connection', (socket: Socket) => {
      this.#rawSockets.add(socket);
      socket.on('close', () => this.#rawSockets.delete(socket));
    });
    this.#server.on('secureConnection', (socket: Socket) => {
      this.tlsConnections++;
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  static async start(options: SalesforceEmulatorOptions): Promise<SalesforceEmulator> {
    const emulator = new SalesforceEmulator(options);
    await new Promise<void>((resolve) => emulator.#server.listen(options.port ?? 0, '127.0.0.1', resolve));
    return emulator;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** `SCRT_ENDPOINT_BASE` for this emulator. */
  get endpointBase(): string {
    return `https://localhost:${this.port}/telephony/v1`;
  }

  /** Queues replies for the next requests that pass verification, in order. */
  script(...replies: Reply[]): this {
    this.#script.push(...replies);
    return this;
  }

  /** Puts a new public key on the call center, as an admin does when rotating the key pair. */
  rotatePublicKey(publicKeyPem: string): void {
    this.#publicKey = createPublicKey(publicKeyPem);
  }

  /** Forgets requests, tokens, the script and the counters. */
  reset(): void {
    this.requests.length = 0;
    this.tokens.length = 0;
    this.#script.length = 0;
    this.tlsConnections = 0;
  }

  /** Drops every open connection, as a load balancer does with idle ones: closed, or with `reset`, reset (RST). */
  dropConnections({ reset = false } = {}): void {
    if (reset) for (const socket of this.#rawSockets) socket.resetAndDestroy();
    for (const socket of this.#sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #answer(
    method: string,
    url: string,
    headers: Record<string, string | string[] | undefined>,
    raw: string,
    res: ServerResponse,
  ): Promise<void> {
    const token = /^Bearer (.+)$/.exec(String(headers.authorization ?? ''))?.[1];
    if (token) this.tokens.push(token);
    const { authorization: _, ...visible } = headers;
    const [, callId, operation] = PATH.exec(url.split('?')[0]!) ?? [];
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = raw;
    }
    const { claims, problem } = await this.#verify(method, callId, operation, headers, body, token);
    this.requests.push({ method, path: url, operation, callId, headers: visible, body, claims, refused: problem });
    if (problem) return send(res, refusalStatus(problem), { errors: [problem] });

    const reply = this.#script.shift() ?? this.options.fallback ?? replies.agent();
    if ('action' in reply) {
      if (reply.action === 'reset') res.socket?.destroy();
      return;
    }
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    send(res, reply.status, reply.body, reply.headers);
  }

  async #verify(
    method: string,
    callId: string | undefined,
    operation: string | undefined,
    headers: Record<string, string | string[] | undefined>,
    body: unknown,
    token: string | undefined,
  ): Promise<{ claims?: JWTPayload; problem?: string }> {
    if (method !== 'PATCH') return { problem: `method ${method} not allowed` };
    if (!callId || !/^[A-Za-z0-9-]+$/.test(decodeURIComponent(callId))) return { problem: 'no such resource' };
    if (!headers['telephony-provider-name']) return { problem: 'Telephony-Provider-Name header missing' };
    if (operation === 'omniFlow') {
      if (headers['content-type'] !== 'application/json') return { problem: 'Content-Type must be application/json' };
      const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : undefined;
      if (!fields) return { problem: 'a JSON body is required' };
      const needsNumber = fields.flowDevName === undefined && fields.transferTarget === undefined;
      if (needsNumber && typeof fields.dialedNumber !== 'string') return { problem: 'dialedNumber is required' };
    } else if (body !== '') {
      return { problem: `${operation} takes no body` };
    }
    if (!token) return { problem: 'token missing' };
    try {
      const header = decodeProtectedHeader(token);
      if (header.typ !== 'JWT') return { problem: 'token header typ must be JWT' };
      const { payload } = await jwtVerify(token, this.#publicKey, {
        algorithms: ['RS256'],
        issuer: this.options.orgId,
        subject: this.options.callCenterApiName,
        audience: 'https://scrt.salesforce.com',
        requiredClaims: ['iat', 'exp', 'jti'],
      });
      if (payload.exp! - Math.floor(Date.now() / 1000) > MAX_LIFETIME_SECONDS)
        return { problem: 'token exp is more than 3 minutes ahead' };
      if (this.#jtis.has(payload.jti!)) return { problem: 'token jti was used before' };
      this.#jtis.add(payload.jti!);
      return { claims: payload };
    } catch (error) {
      return { problem: `token invalid: ${(error as Error).message}` };
    }
  }
}

function refusalStatus(problem: string): number {
  if (problem.startsWith('token')) return 401;
  return problem === 'no such resource' ? 404 : 400;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}
