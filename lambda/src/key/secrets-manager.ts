import type * as SecretsManager from './secrets-manager-sdk.ts';
import { KeyError } from '../errors.ts';
import { keyFetchError } from './aws-errors.ts';
import { SDK_CLIENT_CONFIG } from './sdk-config.ts';
import type { KeySource } from './source.ts';

let client: Promise<{ client: SecretsManager.SecretsManagerClient; sdk: typeof SecretsManager }> | undefined;

/**
 * A Secrets Manager secret's SecretString (`GetSecretValue`): a bare PEM, JSON with a PEM field, or Salesforce's
 * contact-centre secret. Every secret, whichever org it serves, shares one SDK client per container, loaded with the
 * first read: a function whose keys are elsewhere never loads it.
 */
export class SecretsManagerKeySource implements KeySource {
  readonly description: string;

  /** @param origin - what named the secret, for messages: a setting (`PRIVATE_KEY_SECRET_ID`) or an event field */
  constructor(
    readonly secretId: string,
    origin = 'PRIVATE_KEY_SECRET_ID',
  ) {
    this.description = `Secrets Manager secret ${secretId} (${origin})`;
  }

  async fetch(signal: AbortSignal): Promise<string> {
    let value: string | undefined;
    try {
      client ??= import('./secrets-manager-sdk.ts').then((sdk) => ({
        sdk,
        client: new sdk.SecretsManagerClient(SDK_CLIENT_CONFIG),
      }));
      const secrets = await client;
      const out = await secrets.client.send(new secrets.sdk.GetSecretValueCommand({ SecretId: this.secretId }), {
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
