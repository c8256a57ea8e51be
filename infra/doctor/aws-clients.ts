import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ConnectClient } from '@aws-sdk/client-connect';
import { LambdaClient } from '@aws-sdk/client-lambda';

/** Every AWS call the stack checks make gets one retry and this long per attempt. */
const CLIENT_CONFIG = { maxAttempts: 2, requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 } } as const;

/**
 * The AWS SDK clients of the `--stack` checks, made on first use with the caller's credentials and region (the SDK's
 * own lookup: environment, profile). Connect's client goes to the region of the instance's ARN.
 */
export class AwsClients {
  #cloudFormation?: CloudFormationClient;
  #lambda?: LambdaClient;
  readonly #connect = new Map<string, ConnectClient>();

  get cloudFormation(): CloudFormationClient {
    return (this.#cloudFormation ??= new CloudFormationClient(CLIENT_CONFIG));
  }

  get lambda(): LambdaClient {
    return (this.#lambda ??= new LambdaClient(CLIENT_CONFIG));
  }

  connect(region: string): ConnectClient {
    let client = this.#connect.get(region);
    if (!client) this.#connect.set(region, (client = new ConnectClient({ ...CLIENT_CONFIG, region })));
    return client;
  }

  /** Closes their connections, so the process can end. */
  destroy(): void {
    this.#cloudFormation?.destroy();
    this.#lambda?.destroy();
    for (const client of this.#connect.values()) client.destroy();
  }
}
