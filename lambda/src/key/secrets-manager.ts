import { KeyError } from '../errors.ts';
import { keyFetchError } from './aws-errors.ts';
import { lazyClient, SDK_CLIENT_CONFIG } from './sdk-config.ts';
import type { KeySource } from './source.ts';

const secretsManager = lazyClient(async () => {
  const sdk = await import('./secrets-manager-sdk.ts');
  return { sdk, client: new sdk.SecretsManagerClient(SDK_CLIENT_CONFIG) };
});

/**
 * A Secrets Manager secret's SecretString (`GetSecretValue`): a bare PEM, JSON with a PEM field, or Salesforce's
 * contact-centre secret. Every secret, whichever org it serves, shares one SDK client per container, loaded with the
 * first read, or by {@link prepare}: a function whose keys are elsewhere never loads it.
 */
export class SecretsManagerKeySource implements KeySource {
  readonly description: string;
  /** The secret's complete ARN, as Secrets Manager answered the last read; undefined before one. */
  arn: string | undefined;

  /** @param origin - what named the secret, for messages: a setting (`PRIVATE_KEY_SECRET_ID`) or an event field */
  constructor(
    readonly secretId: string,
    origin = 'PRIVATE_KEY_SECRET_ID',
  ) {
    this.description = `Secrets Manager secret ${secretId} (${origin})`;
  }

  async prepare(): Promise<void> {
    await secretsManager();
  }

  async fetch(signal: AbortSignal): Promise<string> {
    let value: string | undefined;
    try {
      const { client, sdk } = await secretsManager();
      const out = await client.send(new sdk.GetSecretValueCommand({ SecretId: this.secretId }), {
        abortSignal: signal,
      });
      value = out.SecretString;
      this.arn = out.ARN ?? this.arn;
    } catch (error) {
      throw keyFetchError(error, this.description, signal);
    }
    if (!value) throw new KeyError(`${this.description} has no SecretString (binary secrets are not supported)`);
    return value;
  }
}
