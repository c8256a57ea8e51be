import { createPublicKey, type KeyObject } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import {
  type CreatedCallbackRequest,
  type CreatedVoiceCall,
  findRoute,
  leftBehind,
  newRecordId,
  type Route,
} from './salesforce-routes.ts';

/** What the emulator does with one request that passed verification. */
export type Reply =
  | {
      readonly status: number;
      readonly body?: unknown;
      readonly headers?: Record<string, string>;
      readonly delayMs?: number;
    }
  | { readonly action: 'reset' | 'stall' }
  /** Headers saying 100 bytes and the first 10 of them, then the connection closed: an answer cut off. */
  | { readonly action: 'cut'; readonly status: number }
  /** An interim `100 Continue` nobody asked for, then `then`. */
  | { readonly action: 'continue'; readonly then: Reply }
  /** `bytes` written on the connection as they are, in place of an answer, then the connection closed. */
  | { readonly action: 'raw'; readonly bytes: string }
  /** `{"errors": ["Invalid token: Bearer <the token received>", "Token <it> was refused"]}`: a token echoed back. */
  | { readonly action: 'echo-authorization'; readonly status: number };

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
  /** Create a Voice Call Record's answer. */
  created: (voiceCallId = newRecordId('0LQ')): Reply => ({ status: 201, body: { voiceCallId } }),
  /** Request a Callback's answer: the ContactRequest's id. */
  callbackRequested: (recordId = newRecordId('0Ri')): Reply => ({ status: 201, body: { recordId } }),
  malformed: (): Reply => ({ status: 200, body: '<html>not json' }),
  reset: (): Reply => ({ action: 'reset' }),
  stall: (): Reply => ({ action: 'stall' }),
  /** `status` with a body cut off after 10 of the 100 bytes its headers announce. */
  cut: (status = 200): Reply => ({ action: 'cut', status }),
  /** An unsolicited `100 Continue` before the answer (or before a reset: `replies.reset()`). */
  continueThen: (then: Reply = replies.agent()): Reply => ({ action: 'continue', then }),
  /** Something that is not HTTP/1.1 where the answer should be, e.g. a garbage status line. */
  raw: (bytes: string): Reply => ({ action: 'raw', bytes }),
  /** `status` with errors texts that echo the request's token: after `Bearer`, and bare. */
  echoAuthorization: (status = 400): Reply => ({ action: 'echo-authorization', status }),
};

/** One request as the emulator saw it (the token itself is kept apart, in `tokens`). */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  /**
   * The route: `omniFlow`, `clearRouting`, `reroute`, `createVoiceCall` (POST voiceCalls; `createTransferVC` when the
   * body's initiationMethod is `Transfer`), `updateVoiceCall`, `messages`, `route` or `requestCallback`; undefined
   * for a path no route has.
   */
  readonly operation: string | undefined;
  /** The call id in the path (decoded); for a create, the body's vendorCallKey when it is a string. */
  readonly callId: string | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
  readonly claims: JWTPayload | undefined;
  /** Why the request was refused (401 token, 404 path, 405 method, else 400) before any scripted reply, if it was. */
  readonly refused: string | undefined;
  /** When the request's body had arrived (`performance.now()` of the test process). */
  readonly receivedAt: number;
}

export interface SalesforceEmulatorOptions {
  readonly tls: { readonly key: string; readonly cert: string };
  /** The public key on the CallCenter record. */
  readonly publicKeyPem: string;
  readonly orgId: string;
  readonly callCenterApiName: string;
  /**
   * The reply to omniFlow, clearRouting and reroute when no scripted one is left; the other routes answer as Salesforce
   * does when all goes well (a create 201 with a fresh voiceCallId, requestCallback 201 with a fresh recordId, the
   * others 200 `{}`). @default replies.agent()
   */
  readonly fallback?: Reply;
  readonly port?: number;
}

export type { CreatedCallbackRequest, CreatedVoiceCall } from './salesforce-routes.ts';

const MAX_LIFETIME_SECONDS = 180;

/**
 * An HTTPS stand-in for one org's Salesforce telephony API: the routes of `ROUTES` in `salesforce-routes.ts`
 * (omniFlow, clearRouting, reroute, the VoiceCall record, its messages, route and requestCallback). It verifies the
 * request as Salesforce would — the path and method (404 / 405), RS256 signature against the call center's public
 * key, `iss`, `sub`, `aud`, `exp` at most 3 minutes ahead, a `jti` never seen before, the headers and the body the
 * route takes — and answers 401 (token) or 400 with an `errors` array when anything is off. Requests that pass get
 * the next scripted {@link Reply}, else the route's default. Creates are kept in `voiceCalls` / `callbackRequests`.
 */
export class SalesforceEmulator {
  readonly requests: SeenRequest[] = [];
  /** The VoiceCalls the creates left behind, in order: two for one vendorCallKey is a duplicate. */
  readonly voiceCalls: CreatedVoiceCall[] = [];
  /** The ContactRequests requestCallback left behind, in order. */
  readonly callbackRequests: CreatedCallbackRequest[] = [];
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

  /** Forgets requests, tokens, the records created, the script and the counters. */
  reset(): void {
    this.requests.length = 0;
    this.voiceCalls.length = 0;
    this.callbackRequests.length = 0;
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
    const receivedAt = performance.now();
    const token = /^Bearer (.+)$/.exec(String(headers.authorization ?? ''))?.[1];
    if (token) this.tokens.push(token);
    const { authorization: _, ...visible } = headers;
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = raw;
    }
    const found = findRoute(method, url.split('?')[0]!);
    const route = 'route' in found ? found.route : undefined;
    const operation = route && (route.operationFor?.(body) ?? route.operation);
    const callId = 'route' in found ? (found.callId ?? vendorCallKey(body)) : undefined;
    const { claims, problem } =
      'problem' in found ? { problem: found.problem } : await this.#verify(found.route, headers, body, token);
    this.requests.push({
      method,
      path: url,
      operation,
      callId,
      headers: visible,
      body,
      claims,
      refused: problem,
      receivedAt,
    });
    if (problem) return send(res, refusalStatus(problem), { errors: [problem] });

    const reply = this.#script.shift() ?? route!.defaultReply?.() ?? this.options.fallback ?? replies.agent();
    const record = leftBehind(route!, callId, body, reply);
    if (record?.kind === 'voiceCall') this.voiceCalls.push(record.record);
    if (record?.kind === 'callbackRequest') this.callbackRequests.push(record.record);
    await answerWith(res, reply, token);
  }

  async #verify(
    route: Route,
    headers: Record<string, string | string[] | undefined>,
    body: unknown,
    token: string | undefined,
  ): Promise<{ claims?: JWTPayload; problem?: string }> {
    if (route.providerHeader && !headers['telephony-provider-name'])
      return { problem: 'Telephony-Provider-Name header missing' };
    if (route.checkBody) {
      if (headers['content-type'] !== 'application/json') return { problem: 'Content-Type must be application/json' };
      const problem = route.checkBody(body, this.options);
      if (problem) return { problem };
    } else if (body !== '') {
      return { problem: `${route.operation} takes no body` };
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

/** Answers `res` as `reply` says; `token` is the one the request carried, for `echo-authorization`. */
async function answerWith(res: ServerResponse, reply: Reply, token: string | undefined): Promise<void> {
  if (!('action' in reply)) {
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    return send(res, reply.status, reply.body, reply.headers);
  }
  switch (reply.action) {
    case 'reset':
      res.socket?.destroy();
      return;
    case 'stall':
      return;
    case 'cut':
      res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"agent":"');
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    case 'continue':
      res.writeContinue();
      await new Promise((resolve) => setTimeout(resolve, 20));
      return answerWith(res, reply.then, token);
    case 'raw':
      res.socket?.end(reply.bytes);
      return;
    case 'echo-authorization':
      return send(res, reply.status, { errors: [`Invalid token: Bearer ${token}`, `Token ${token} was refused`] });
  }
}

function vendorCallKey(body: unknown): string | undefined {
  const key = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).vendorCallKey : undefined;
  return typeof key === 'string' ? key : undefined;
}

function refusalStatus(problem: string): number {
  if (problem.startsWith('token')) return 401;
  if (problem.startsWith('method ')) return 405;
  return problem === 'no such resource' ? 404 : 400;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}
