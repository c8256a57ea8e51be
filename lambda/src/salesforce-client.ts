import type { Socket } from 'node:net';
import request from 'undici/lib/api/api-request.js';
import buildConnector from 'undici/lib/core/connect.js';
import Pool from 'undici/lib/dispatcher/pool.js';
import { Deadline } from './deadline.ts';
import { CONNECT_TIMEOUT_MS } from './early-connection.ts';
import { BadAnswerError, BridgeError, SalesforceUnavailableError, TimeoutError } from './errors.ts';
import { CONNECTING, classifyTransportError } from './retry.ts';
import { keepWebAssemblyOnBaseline } from './wasm-baseline.ts';
import { WarmUpSocket } from './warm-up-socket.ts';

/** An idle connection is kept this long; below the ~60 s idle limit of typical load balancers in front of Salesforce. */
export const KEEP_ALIVE_MS = 50_000;
/** Larger answers are refused: the useful ones are a few hundred bytes. */
export const MAX_ANSWER_BYTES = 256 * 1024;
/** Larger header sections are refused (undici's UND_ERR_HEADERS_OVERFLOW): Node's default, named here. */
export const MAX_HEADER_BYTES = 16 * 1024;

/** Salesforce's HTTP answer to one attempt. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export interface SalesforceClientOptions {
  readonly telephonyProviderName: string;
  /**
   * Salesforce hosts kept open at once; past it the least recently used one is closed. A positive integer.
   * @default MAX_HOSTS
   */
  readonly maxHosts?: number;
}

/** Where the warm-up's in-memory request pretends to go; `.invalid` is never resolved (RFC 2606). */
const WARM_UP_BASE = 'https://warm-up.invalid/telephony/v1';

/**
 * Salesforce hosts (one per org's `SCRT_ENDPOINT_BASE` origin) kept open at once by default; the least recently used
 * is closed first.
 */
export const MAX_HOSTS = 32;

/** One Salesforce host's keep-alive pool and the socket opened ahead for it. */
interface Host {
  readonly pool: Pool;
  spare?: Socket;
}

/**
 * The HTTP side of Salesforce's calls: one keep-alive pool per Salesforce host per container (at most
 * {@link SalesforceClientOptions.maxHosts}, the least recently used closed first), one attempt per call. Retries,
 * tokens and the meaning of statuses live in `salesforce-call.ts`; transport errors are thrown as undici raises them,
 * except for an answer that came but cannot be read, which Salesforce may have acted on: that is a {@link BridgeError}
 * saying so, and a BridgeError is never sent again.
 */
export class SalesforceClient {
  /** By origin, least recently used first: a Map keeps insertion order, and a host is inserted again on each use. */
  readonly #hosts = new Map<string, Host>();
  readonly #maxHosts: number;

  /**
   * @param connector - opens the pools' connections (undici's, with {@link CONNECT_TIMEOUT_MS}, by default); a
   *   connection opened ahead comes through {@link adopt} instead
   * @throws {TypeError} when `maxHosts` is not a positive integer
   */
  constructor(
    private readonly options: SalesforceClientOptions,
    private readonly connector: buildConnector.connector = buildConnector({ timeout: CONNECT_TIMEOUT_MS }),
  ) {
    const { maxHosts = MAX_HOSTS } = options;
    if (!Number.isSafeInteger(maxHosts) || maxHosts < 1) {
      throw new TypeError(`maxHosts must be a positive integer, not ${String(maxHosts)}`);
    }
    this.#maxHosts = maxHosts;
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
   * An answer whose body is cut off (a reset, a close, the deadline) or over {@link MAX_ANSWER_BYTES} counts as its
   * status when that is not a 2xx, with an empty body: a proxy's large error page still says whether to try again.
   * @param resource - already URL-encoded where it holds an id
   * @throws {BadAnswerError} a 2xx cut off (Salesforce processed the request), or a 2xx over {@link MAX_ANSWER_BYTES}
   * @throws {TimeoutError} a 2xx whose body did not arrive before the deadline
   * @throws {SalesforceUnavailableError} an answer that is not readable HTTP/1.1: an unsolicited `100 Continue`, an
   *   unasked protocol switch, headers over {@link MAX_HEADER_BYTES}, a garbage status line
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
    const pending = request.call(this.#host(url).pool, {
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
    const response = await pending.catch((error: unknown) => {
      throw unreadableAnswer(error) ?? error;
    });
    const { statusCode: status, headers } = response;
    try {
      return { status, headers, body: await readText(response.body) };
    } catch (error) {
      if (status < 200 || status > 299) return { status, headers, body: '' };
      if (error instanceof BridgeError) throw error;
      throw cutOff(status, error);
    }
  }

  async close(): Promise<void> {
    const hosts = [...this.#hosts.values()];
    this.#hosts.clear();
    await Promise.all(hosts.map(closeHost));
  }

  /**
   * The pool for `endpointBase`'s origin, made on first use and then the most recently used; making one past
   * `maxHosts` closes the least recently used.
   */
  #host(endpointBase: URL): Host {
    const { origin } = endpointBase;
    const known = this.#hosts.get(origin);
    if (known) {
      this.#hosts.delete(origin);
      this.#hosts.set(origin, known);
      return known;
    }
    const made: Host = {
      pool: new Pool(origin, {
        connections: 4,
        keepAliveTimeout: KEEP_ALIVE_MS,
        keepAliveMaxTimeout: KEEP_ALIVE_MS,
        maxHeaderSize: MAX_HEADER_BYTES,
        connect: (opts, callback) => this.#connect(made, opts, callback),
      }),
    };
    this.#hosts.set(origin, made);
    if (this.#hosts.size > this.#maxHosts) {
      const [leastRecent] = this.#hosts.keys();
      void closeHost(this.#hosts.get(leastRecent!)!);
      this.#hosts.delete(leastRecent!);
    }
    return made;
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

/** What may follow an answer that could not be read: Salesforce may have acted on the request. */
const NOT_SENT_AGAIN = 'Salesforce may have processed the request: it was not sent again';

/**
 * The error for an answer that came but is not readable HTTP/1.1, or undefined for any other failure. undici reports
 * an unsolicited `100 Continue` and an unasked `101` as a UND_ERR_SOCKET with its own message, and a parser error
 * with no `code` (its lookup of the llhttp error name misses), so those are told apart by message and by name.
 */
function unreadableAnswer(error: unknown): SalesforceUnavailableError | undefined {
  const { code, name, message } = (error ?? {}) as { code?: string; name?: string; message?: string };
  const notSalesforce = ". Check that SCRT_ENDPOINT_BASE names the org's telephony API";
  const unreadable = (what: string, check = '') =>
    new SalesforceUnavailableError(`Salesforce's answer ${what}; ${NOT_SENT_AGAIN}${check}`, { cause: error });
  if (code === 'UND_ERR_SOCKET' && message === 'bad response') {
    return unreadable(`was cut off after an unsolicited 100 Continue (${code})`);
  }
  if (code === 'UND_ERR_SOCKET' && message === 'bad upgrade') {
    return unreadable(`switched protocols (101) unasked (${code})`);
  }
  if (code === 'UND_ERR_HEADERS_OVERFLOW') {
    return unreadable(`has headers larger than ${MAX_HEADER_BYTES} bytes (${code})`, notSalesforce);
  }
  if (name === 'HTTPParserError' || code?.startsWith('HPE_')) {
    const reason = /\(([^()]+)\)$/.exec(message ?? '')?.[1] ?? code ?? name;
    return unreadable(`is not HTTP/1.1 (${reason})`, notSalesforce);
  }
  return undefined;
}

/** The error for a 2xx answer whose body failed: Salesforce processed the request, so it must not go again. */
function cutOff(status: number, error: unknown): BridgeError {
  const options = { cause: error };
  if (classifyTransportError(error) === 'timeout') {
    return new TimeoutError(
      `Salesforce answered ${status}, but the rest of its answer did not arrive before the deadline: it processed the request, which was not sent again`,
      options,
    );
  }
  const { code, name } = (error ?? {}) as { code?: string; name?: string };
  return new BadAnswerError(
    `Salesforce answered ${status}, but its answer was cut off (${code ?? name ?? 'unknown error'}): it processed the request, which was not sent again`,
    options,
  );
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
