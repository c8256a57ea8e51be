import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { KeyError } from '../errors.ts';
import { keyFetchError } from './aws-errors.ts';
import { SDK_CLIENT_CONFIG } from './sdk-config.ts';
import type { KeySource } from './source.ts';

/** The key as an SSM Parameter Store SecureString (`GetParameter`, `WithDecryption`). */
export class SsmKeySource implements KeySource {
  readonly description: string;
  readonly #client = new SSMClient(SDK_CLIENT_CONFIG);

  constructor(readonly name: string) {
    this.description = `SSM parameter ${name} (PRIVATE_KEY_PARAM_NAME)`;
  }

  async fetch(signal: AbortSignal): Promise<string> {
    let value: string | undefined;
    try {
      const out = await this.#client.send(new GetParameterCommand({ Name: this.name, WithDecryption: true }), {
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
