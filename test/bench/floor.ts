import { spawn } from 'node:child_process';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { text } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';
import { Client } from 'undici';
import { mintToken } from '../../lambda/src/token.ts';
import { nodeBinary, type Runtime } from '../support/node-runtime.ts';
import { CALL_CENTER_API_NAME, ORG_ID, type Sandbox } from '../support/sandbox.ts';
import { median } from './stats.ts';

const CLIENT_APART = fileURLToPath(new URL('./floor-client.mjs', import.meta.url));
/** Untimed requests the separate client sends first: its first connection, and V8's optimising of undici's code. */
const APART_WARM_UP = 150;
/** The separate client's run may take this long at most. */
const APART_TIMEOUT_MS = 60_000;
/**
 * First requests on new connections the separate client times, each connection opened ahead and left idle for
 * {@link FRESH_IDLE_MS} first — about as long as the function's init leaves the connection its entry opened.
 */
const FRESH_SAMPLES = 5;
const FRESH_IDLE_MS = 150;

/** The floors {@link Floor.measureApart} measures, medians in ms. */
export interface FloorsApart {
  /** On one warm keep-alive connection. */
  readonly keepAliveMs: number;
  /** The first request on a connection opened ahead: what the function's first call is, minus the function. */
  readonly freshMs: number;
}

/** The floor's request, but for its token. */
const REQUEST = {
  method: 'PATCH',
  path: '/telephony/v1/voiceCalls/4a573372-1f28-4e26-b97b-0c7f2b3d9e61/omniFlow',
  headers: { 'content-type': 'application/json', 'telephony-provider-name': 'amazon-connect' },
  body: JSON.stringify({ dialedNumber: '+18445791189' }),
} as const;

/**
 * The physical floor of one routing call: an HTTPS PATCH, with a valid token and the same body, on a warm keep-alive
 * connection through the same latency relay to the same Salesforce emulator. Measured in rounds between the
 * containers, so the ratios use a floor taken under the same machine load.
 */
export class Floor {
  readonly #client: Client;
  readonly #key: KeyObject;
  readonly origin: string;

  constructor(
    private readonly sandbox: Sandbox,
    relayPort: number,
  ) {
    this.origin = `https://localhost:${relayPort}`;
    this.#client = new Client(this.origin, { connect: { ca: sandbox.tls.caPem } });
    this.#key = createPrivateKey(sandbox.keys.privateKeyPem);
  }

  /** The median of `samples` requests (after one to warm the connection). */
  async measure(samples: number): Promise<number> {
    const times: number[] = [];
    for (const token of await this.#tokens(samples + 1)) {
      const started = performance.now();
      const response = await this.#client.request({
        ...REQUEST,
        headers: { ...REQUEST.headers, authorization: `Bearer ${token}` },
      });
      await response.body.text();
      if (response.statusCode !== 200) throw new Error(`floor request answered ${response.statusCode}`);
      times.push(performance.now() - started);
    }
    this.sandbox.salesforce.reset();
    return median(times.slice(1));
  }

  /**
   * The same, from a client in a process of its own under `runtime` (`floor-client.mjs`), as the function's requests
   * are: they cross from the container's process to the relay's, where {@link measure}'s share its event loop. The
   * child first sends {@link APART_WARM_UP} untimed requests, so its undici is as warm as the function's; then
   * `samples` on that connection, then {@link FRESH_SAMPLES} first requests on new connections opened ahead, which
   * include whatever Salesforce (here its emulator) spends on a connection's first request.
   */
  async measureApart(samples: number, runtime: Runtime): Promise<FloorsApart> {
    const tokens = await this.#tokens(APART_WARM_UP + samples + FRESH_SAMPLES);
    const child = spawn(nodeBinary(runtime), [CLIENT_APART], { stdio: ['pipe', 'pipe', 'pipe'] });
    const failed = new Promise<never>((_, reject) => {
      child.once('error', reject);
      child.stdin.once('error', reject);
    });
    const timer = setTimeout(() => child.kill(), APART_TIMEOUT_MS);
    try {
      child.stdin.end(
        JSON.stringify({
          origin: this.origin,
          ca: this.sandbox.tls.caPem,
          request: REQUEST,
          tokens,
          fresh: { count: FRESH_SAMPLES, idleMs: FRESH_IDLE_MS },
        }),
      );
      const [out, err, code] = await Promise.race([
        Promise.all([
          text(child.stdout),
          text(child.stderr),
          new Promise<number | null>((resolve) => child.once('close', resolve)),
        ]),
        failed,
      ]);
      if (code !== 0) throw new Error(`the floor's client failed (${code}): ${err.trim() || out}`);
      const { keepAlive, fresh } = JSON.parse(out) as { keepAlive: number[]; fresh: number[] };
      // The first requests open the connection and let V8 optimise undici's code, as the function's have been.
      return { keepAliveMs: median(keepAlive.slice(APART_WARM_UP)), freshMs: median(fresh) };
    } finally {
      clearTimeout(timer);
      this.sandbox.salesforce.reset();
    }
  }

  #tokens(count: number): Promise<string[]> {
    const claims = { orgId: ORG_ID, callCenterApiName: CALL_CENTER_API_NAME };
    return Promise.all(Array.from({ length: count }, () => mintToken(this.#key, claims)));
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}
