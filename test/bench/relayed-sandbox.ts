import type { AwsEmulatorOptions } from '../emulators/aws.ts';
import { LatencyRelay } from '../emulators/relay.ts';
import { Sandbox } from '../support/sandbox.ts';

/** The emulators with a latency relay in front of Salesforce and one in front of the AWS endpoint. */
export interface RelayedSandbox {
  readonly sandbox: Sandbox;
  /** The port of the relay in front of Salesforce (where the floor's client connects). */
  readonly salesforcePort: number;
  /** The function's environment with Salesforce, SSM and Secrets Manager all reached through the relays. */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

/** Starts the sandbox and both relays, each adding `rttMs` of round trip. */
export async function relayedSandbox(rttMs: number, aws?: AwsEmulatorOptions): Promise<RelayedSandbox> {
  const sandbox = await Sandbox.start({ aws });
  const salesforce = await LatencyRelay.start(sandbox.salesforce.port, rttMs);
  const awsRelay = await LatencyRelay.start(Number(new URL(sandbox.aws.endpoint).port), rttMs);
  const relayedAws = `http://127.0.0.1:${awsRelay.port}`;
  return {
    sandbox,
    salesforcePort: salesforce.port,
    env: sandbox.env({
      SCRT_ENDPOINT_BASE: `https://localhost:${salesforce.port}/telephony/v1`,
      AWS_ENDPOINT_URL_SSM: relayedAws,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: relayedAws,
      LOG_LEVEL: 'INFO',
    }),
    async close() {
      await Promise.all([salesforce.close(), awsRelay.close()]);
      await sandbox.close();
    },
  };
}
