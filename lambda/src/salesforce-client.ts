import { createServer } from 'node:http';
import { type AddressInfo, isIP, type Socket } from 'node:net';
import { buildConnector, Client, Pool } from 'undici';
import type { Deadline } from './deadline.ts';
import { BadAnswerError } from './errors.ts';
import type { OmniFlowRequest } from './event.ts';

/** A connection attempt (TCP + TLS) may take this long at most. */
export const CONNECT_TIMEOUT_MS = 2_000;
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
  /** `SCRT_ENDPOINT_BASE` without its trailing slash. */
  readonly endpointBase: string;
  readonly telephonyProviderName: string;
}

/**
 * The HTTP side of "Execute an Omni-Channel Flow": one keep-alive pool per container, one attempt per call. Retries,
 * tokens and the meaning of statuses live in `omni-flow.ts`; transport errors are thrown as undici raises them.
 */
export class SalesforceClient {
  readonly #origin: URL;
  readonly #basePath: string;
  readonly #pool: Pool;
  readonly #connector: buildConnector.connector;
  #spare: Socket | undefined;
  /** TLS connections opened so far (for logs and benchmarks). */
  connections = 0;

  constructor(private readonly options: SalesforceClientOptions) {
    const url = new URL(options.endpointBase);
    this.#origin = new URL(url.origin);
    this.#basePath = url.pathname;
    this.#connector = buildConnector({ timeout: CONNECT_TIMEOUT_MS });
    this.#pool = new Pool(url.origin, {
      connections: 4,
      keepAliveTimeout: KEEP_ALIVE_MS,
      keepAliveMaxTimeout: KEEP_ALIVE_MS,
      connect: (opts, callback) => this.#connect(opts, callback),
    });
  }

  /**
   * Opens a TLS connection ahead of the first request (during Lambda's init phase), which the pool then uses.
   * Never throws: a failure only means the first request connects by itself.
   */
  preconnect(deadline: Deadline): Promise<boolean> {
    const { hostname, port, protocol } = this.#origin;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), deadline.remaining());
      const servername = isIP(hostname) ? undefined : hostname; // TLS forbids SNI with an IP address
      this.#connect({ hostname, host: this.#origin.host, protocol, port, servername }, (error, socket) => {
        clearTimeout(timer);
        if (error || !socket) return resolve(false);
        if (this.#spare) socket.destroy();
        else this.#spare = socket;
        resolve(true);
      });
    });
  }

  /**
   * Runs undici's request path once against a throw-away loopback server, so the first real call does not pay for
   * it: undici compiles its HTTP parser (WebAssembly) the first time a connection is attached, which cost the first
   * call 5–7 ms. Touches neither Salesforce nor the network. Never throws.
   */
  static async warmHttpPath(): Promise<void> {
    const server = createServer((_req, res) => res.writeHead(204).end());
    try {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const client = new Client(`http://127.0.0.1:${port}`);
      const response = await client.request({ method: 'PATCH', path: '/', body: '{}', headersTimeout: 1_000 });
      await response.body.text();
      await client.close();
    } catch {
      // Only a warm-up: the first real call simply pays the cost instead.
    } finally {
      server.close();
    }
  }

  /** One `PATCH …/voiceCalls/{callId}/omniFlow`. */
  async patchOmniFlow(request: OmniFlowRequest, token: string, deadline: Deadline): Promise<HttpAnswer> {
    const timeout = Math.max(1, deadline.remaining());
    const response = await this.#pool.request({
      method: 'PATCH',
      path: `${this.#basePath}/voiceCalls/${encodeURIComponent(request.callId)}/omniFlow`,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json',
        'telephony-provider-name': this.options.telephonyProviderName,
      },
      body: JSON.stringify(request.body),
      signal: deadline.signal(),
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    return { status: response.statusCode, headers: response.headers, body: await readText(response.body) };
  }

  close(): Promise<void> {
    this.#spare?.destroy();
    return this.#pool.close();
  }

  #connect(opts: buildConnector.Options, callback: buildConnector.Callback): void {
    const spare = this.#spare;
    this.#spare = undefined;
    if (spare && !spare.destroyed && spare.readyState === 'open') {
      // undici's own connector always calls back asynchronously; a synchronous call re-enters its resume loop.
      process.nextTick(callback, null, spare);
      return;
    }
    spare?.destroy();
    this.#connector(opts, (...result) => {
      if (!result[0]) this.connections++;
      callback(...result);
    });
  }
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
