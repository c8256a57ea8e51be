import { createPrivateKey, type KeyObject } from 'node:crypto';
import { Client } from 'undici';
import { mintToken } from '../../lambda/src/token.ts';
import { CALL_CENTER_API_NAME, ORG_ID, type Sandbox } from '../support/sandbox.ts';
import { median } from './stats.ts';

/**
 * The physical floor of one routing call: an HTTPS PATCH, with a valid token and the same body, on a warm keep-alive
 * connection through the same latency relay to the same Salesforce emulator. Measured in rounds between the
 * containers, so the ratios use a floor taken under the same machine load.
 */
export class Floor {
  readonly #client: Client;
  readonly #key: KeyObject;

  constructor(
    private readonly sandbox: Sandbox,
    relayPort: number,
  ) {
    this.#client = new Client(`https://localhost:${relayPort}`, { connect: { ca: sandbox.tls.caPem } });
    this.#key = createPrivateKey(sandbox.keys.privateKeyPem);
  }

  /** The median of `samples` requests (after one to warm the connection). */
  async measure(samples: number): Promise<number> {
    const claims = { orgId: ORG_ID, callCenterApiName: CALL_CENTER_API_NAME };
    const tokens = await Promise.all(Array.from({ length: samples + 1 }, () => mintToken(this.#key, claims)));
    const times: number[] = [];
    for (const token of tokens) {
      const started = performance.now();
      const response = await this.#client.request({
        method: 'PATCH',
        path: '/telephony/v1/voiceCalls/4a573372-1f28-4e26-b97b-0c7f2b3d9e61/omniFlow',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'telephony-provider-name': 'amazon-connect',
        },
        body: JSON.stringify({ dialedNumber: '+18445791189' }),
      });
      await response.body.text();
      if (response.statusCode !== 200) throw new Error(`floor request answered ${response.statusCode}`);
      times.push(performance.now() - started);
    }
    this.sandbox.salesforce.reset();
    return median(times.slice(1));
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}
