import type * as Ssm from './ssm-sdk.ts';
import { KeyError } from '../errors.ts';
import { keyFetchError } from './aws-errors.ts';
import { SDK_CLIENT_CONFIG } from './sdk-config.ts';
import type { KeySource } from './source.ts';

/**
 * The key as an SSM Parameter Store SecureString (`GetParameter`, `WithDecryption`). The SDK's SSM client is loaded
 * with the first read: a function whose key is elsewhere never loads it.
 */
export class SsmKeySource implements KeySource {
  readonly description: string;
  #client: Promise<{ client: Ssm.SSMClient; sdk: typeof Ssm }> | undefined;

  constructor(readonly name: string) {
    this.description = `SSM parameter ${name} (PRIVATE_KEY_PARAM_NAME)`;
  }

  async fetch(signal: AbortSignal): Promise<string> {
    let value: string | undefined;
    try {
      this.#client ??= import('./ssm-sdk.ts').then((sdk) => ({
        sdk,
        client: new sdk.SSMClient(SDK_CLIENT_CONFIG),
      }));
      const { client, sdk } = await this.#client;
      const out = await client.send(new sdk.GetParameterCommand({ Name: this.name, WithDecryption: true }), {
        abortSignal: signal,
      });
      value = out.Parameter?.Value;
    } catch (error) {
      throw keyFetchError(error, this.description, signal);
    }
    if (!value) throw new KeyError(`${this.description} is empty`);
    return value;
  }
}
