import { KeyError } from '../errors.ts';
import { keyFetchError } from './aws-errors.ts';
import { lazyClient, SDK_CLIENT_CONFIG } from './sdk-config.ts';
import type { KeySource } from './source.ts';

const ssm = lazyClient(async () => {
  const sdk = await import('./ssm-sdk.ts');
  return { sdk, client: new sdk.SSMClient(SDK_CLIENT_CONFIG) };
});

/**
 * The key as an SSM Parameter Store SecureString (`GetParameter`, `WithDecryption`). The SDK's SSM client is loaded
 * with the first read, or by {@link prepare}: a function whose key is elsewhere never loads it.
 */
export class SsmKeySource implements KeySource {
  readonly description: string;

  constructor(readonly name: string) {
    this.description = `SSM parameter ${name} (PRIVATE_KEY_PARAM_NAME)`;
  }

  async prepare(): Promise<void> {
    await ssm();
  }

  async fetch(signal: AbortSignal): Promise<string> {
    let value: string | undefined;
    try {
      const { client, sdk } = await ssm();
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
