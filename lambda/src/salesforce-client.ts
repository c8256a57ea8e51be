import type { Socket } from 'node:net';
import request from 'undici/lib/api/api-request.js';
import buildConnector from 'undici/lib/core/connect.js';
import Pool from 'undici/lib/dispatcher/pool.js';
import { Deadline } from './deadline.ts';
import { CONNECT_TIMEOUT_MS } from './early-connection.ts';
import { BadAnswerError } from './errors.ts';
import { CONNECTING } from './retry.ts';
import { keepWebAssemblyOnBaseline } from './wasm-baseline.ts';
import { WarmUpSocket } from './warm-up-socket.ts';

/** An idle connection is kept this long; below the ~60 s idle limit of typical load balancers in front of Salesforce. */
export const KEEP_ALIVE_MS = 50_000;
/** Larger answers are refused: the useful ones are a few hundred bytes. */
export const MAX_ANSWER_BYTES = 256 * 1024;

/** Salesforce's HTTP answer to one attempt. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export interface SalesforceClientOptions {
  readonly telephonyProviderName: string;
}

/** Where the warm-up's in-memory request pretends to go; `.invalid` is never resolved (RFC 2606). */
const WARM_UP_BASE = 'https://warm-up.invalid/telephony/v1';

/** Salesforce hosts (one per org's `SCRT_ENDPOINT_BASE` origin) kept open at once; the oldest is closed first. */
export const MAX_HOSTS = 32;

/** One Salesforce host's keep-alive pool and the socket opened ahead for it. */
interface Host {
  readonly pool: Pool;
  spare?: Socket;
}

/**
 * The HTTP side of Salesforce's calls: one keep-alive pool per Salesforce host per container, one attempt per
 * call. Retries, tokens and the meaning of statuses live in `routing-call.ts`; transport errors are thrown as undici
 * raises them.
 */
export class SalesforceClient {
  readonly #hosts = new Map<string, Host>();

  /**
   * @param connector - opens the pools' connections (undici's, with {@link CONNECT_TIMEOUT_MS}, by default); a
   *   connection opened ahead comes through {@link adopt} instead
   */
  constructor(
    private readonly options: SalesforceClientOptions,
    private readonly connector: buildConnector.connector = buildConnector({ timeout: CONNECT_TIMEOUT_MS }),
  ) {
    keepWebAssemblyOnBaseline();
  }

  /**
   * Takes `socket`, a TLS connection to `endpointBase`'s host opened ahead (see `early-connection.ts`), as the first
   * connection of that host's pool: the first request goes out without a handshake.
   * @returns false when the socket is no longer open or the host already has one waiting (the socket is then closed)
   */
  adopt(endpointBase: string, socket: Socket): boolean {
    const host = this.#host(new URL(endpointBase));
    if (host.spare || socket.destroyed || socket.readyState !== 'open') {
      socket.destroy();
      return false;
    }
    host.spare = socket;
    return true;
  }

  /**
   * Runs one request through this client's code — the pool, undici's HTTP/1.1 client and parser, `patch`, the reading
   * of the answer — against an in-memory Salesforce ({@link WarmUpSocket}), so the first real call does not pay for
   * it: undici compiles its HTTP parser (WebAssembly) the first time a connection is attached, which cost the first
   * call 5–7 ms. Touches neither Salesforce nor the network. Never throws.
   */
  static async warmHttpPath(): Promise<void> {
    const inMemory = SalesforceClient.inMemory({ telephonyProviderName: 'warm-up' });
    try {
      await inMemory.send('PATCH', WARM_UP_BASE, 'voiceCalls/warm-up/omniFlow', '{}', 'warm-up', Deadline.in(1_000));
    } catch {
      // Only a warm-up: the first real call simply pays the cost instead.
    } finally {
      await inMemory.close();
    }
  }

  /** A client whose every connection is an in-memory Salesforce ({@link WarmUpSocket}): for warming up only. */
  static inMemory(options: SalesforceClientOptions): SalesforceClient {
    // undici drives any duplex stream with ref/unref as a socket; it needs no other net.Socket member over HTTP/1.1.
    return new SalesforceClient(options, (_options, callback) =>
      process.nextTick(callback, null, new WarmUpSocket() as unknown as Socket),
    );
  }

  /**
   * One `{method} {endpointBase}/{resource}`, e.g. `PATCH voiceCalls/{id}/omniFlow`, with the JSON `body` or none.
   * The Content-Type goes either way: Salesforce's Clear Routing and Reroute pages list it as required.
   * @param resource - already URL-encoded where it holds an id
   */
  async send(
    method: 'PATCH' | 'POST',
    endpointBase: string,
    resource: string,
    body: string | undefined,
    token: string,
    deadline: Deadline,
  ): Promise<HttpAnswer> {
    const url = new URL(endpointBase);
    const timeout = Math.max(1, deadline.remaining());
    const response = await request.call(this.#host(url).pool, {
      method,
      path: `${url.pathname}/${resource}`,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        'content-type': 'application/json',
        'telephony-provider-name': this.options.telephonyProviderName,
      },
      body,
      signal: deadline.signal(),
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    return { status: response.statusCode, headers: response.headers, body: await readText(response.body) };
  }

  async close(): Promise<void> {
    const hosts = [...this.#hosts.values()];
    this.#hosts.clear();
    await Promise.all(hosts.map(closeHost));
  }

  /** The pool for `endpointBase`'s origin, made on first use. */
  #host(endpointBase: URL): Host {
    const { origin } = endpointBase;
    let host = this.#hosts.get(origin);
    if (host) return host;
    const made: Host = {
      pool: new Pool(origin, {
        connections: 4,
        keepAliveTimeout: KEEP_ALIVE_MS,
        keepAliveMaxTimeout: KEEP_ALIVE_MS,
        connect: (opts, callback) => this.#connect(made, opts, callback),
      }),
    };
    host = made;
    this.#hosts.set(origin, host);
    if (this.#hosts.size > MAX_HOSTS) {
      const [oldest] = this.#hosts.keys();
      void closeHost(this.#hosts.get(oldest!)!);
      this.#hosts.delete(oldest!);
    }
    return host;
  }

  #connect(host: Host, opts: buildConnector.Options, callback: buildConnector.Callback): void {
    const spare = host.spare;
    host.spare = undefined;
    if (spare && !spare.destroyed && spare.readyState === 'open') {
      // undici's own connector always calls back asynchronously; a synchronous call re-enters its resume loop.
      process.nextTick(callback, null, spare);
      return;
    }
    spare?.destroy();
    this.connector(opts, (...result) => {
      const [error] = result;
      if (error) Object.assign(error, { [CONNECTING]: true });
      callback(...result);
    });
  }
}

function closeHost(host: Host): Promise<void> {
  host.spare?.destroy();
  return host.pool.close().catch(() => undefined);
}

async function readText(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) {
      body.destroy();
      throw new BadAnswerError(`Salesforce's answer is larger than ${MAX_ANSWER_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
