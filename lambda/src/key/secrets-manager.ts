import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { KeyError } from '../errors.ts';
import { keyFetchError } from './aws-errors.ts';
import { SDK_CLIENT_CONFIG } from './sdk-config.ts';
import type { KeySource } from './source.ts';

/** The key as a Secrets Manager secret (`GetSecretValue`): the SecretString is the PEM, or JSON with a PEM field. */
export class SecretsManagerKeySource implements KeySource {
  readonly description: string;
  readonly #client = new SecretsManagerClient(SDK_CLIENT_CONFIG);

  constructor(readonly secretId: string) {
    this.description = `Secrets Manager secret ${secretId} (PRIVATE_KEY_SECRET_ID)`;
  }

  async fetch(signal: AbortSignal): Promise<string> {
    let value: string | undefined;
    try {
      const out = await this.#client.send(new GetSecretValueCommand({ SecretId: this.secretId }), {
        abortSignal: signal,
      });
      value = out.SecretString;
    } catch (error) {
      throw keyFetchError(error, this.description, signal);
    }
    if (!value) throw new KeyError(`${this.description} has no SecretString (binary secrets are not supported)`);
    return value;
  }
}
