import { beforeAll, describe, expect, it, vi } from 'vitest';
import { KeyError } from '../../lambda/src/errors.ts';
import { RetryableKeyError } from '../../lambda/src/key/aws-errors.ts';
import type { SecretsManagerKeySource as SecretsManagerKeySourceType } from '../../lambda/src/key/secrets-manager.ts';
import type { AwsEmulator } from '../emulators/aws.ts';
import {
  itMakesItsClientOnce,
  itReadsOnceAndNamesFaults,
  settled,
  useAwsEmulator,
} from '../support/aws-emulator-suite.ts';
import type * as SecretsManagerSdk from '../../lambda/src/key/secrets-manager-sdk.ts';

/** The client configurations the Secrets Manager client module was asked for, in order. */
const made = vi.hoisted(() => ({ configs: [] as unknown[] }));
vi.mock('../../lambda/src/key/secrets-manager-sdk.ts', async (importOriginal) => {
  const real = await importOriginal<typeof SecretsManagerSdk>();
  class SecretsManagerClient extends real.SecretsManagerClient {
    constructor(...args: ConstructorParameters<typeof real.SecretsManagerClient>) {
      super(...args);
      made.configs.push(args[0]);
    }
  }
  return { ...real, SecretsManagerClient };
});

const SECRET = 'connect/private-key';
const PEM = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const WHERE = `Secrets Manager secret ${SECRET} (PRIVATE_KEY_SECRET_ID)`;
/** The ARN the emulator answers for a secret: its name, `-` and six characters. */
const ARN = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SECRET}-AbCdEf`;

let aws: AwsEmulator;
/** The class as a fresh import of its module gives it: its SDK client not made yet. */
let SecretsManagerKeySource: typeof SecretsManagerKeySourceType;

useAwsEmulator((started) => {
  aws = started;
  aws.secrets.set(SECRET, PEM);
  aws.secrets.set('connect/empty', '');
});
beforeAll(async () => {
  ({ SecretsManagerKeySource } = await import('../../lambda/src/key/secrets-manager.ts'));
});

/** How `fetch` settled, how long it took, and the source's ARN after it. */
async function read(secretId: string, signal = AbortSignal.timeout(10_000)) {
  const source = new SecretsManagerKeySource(secretId);
  return { ...(await settled(() => source.fetch(signal))), arn: source.arn };
}

describe('Class: SecretsManagerKeySource', () => {
  describe('Method: prepare', () => {
    itMakesItsClientOnce({
      configs: made.configs,
      fresh: async () => {
        const fresh = await import('../../lambda/src/key/secrets-manager.ts');
        return (id) => new fresh.SecretsManagerKeySource(id);
      },
      ids: [SECRET, 'other'],
      aws: () => aws,
      requests: (emulator) => emulator.counts.getSecretValue,
    });
  });

  describe('Property: description', () => {
    it('names the secret and PRIVATE_KEY_SECRET_ID, or what else named it', () => {
      expect(new SecretsManagerKeySource(SECRET).description).toBe(WHERE);
      expect(new SecretsManagerKeySource('sfdc/acme', 'SECRET_NAME').description).toBe(
        'Secrets Manager secret sfdc/acme (SECRET_NAME)',
      );
    });
  });

  describe('Method: fetch', () => {
    it('reads the SecretString by name, and keeps the complete ARN Secrets Manager answered', async () => {
      // Prepare
      const source = new SecretsManagerKeySource(SECRET);
      const before = source.arn;

      // Act
      const value = await source.fetch(AbortSignal.timeout(5_000));

      // Assess
      expect(value).toBe(PEM);
      expect(before).toBeUndefined();
      expect(source.arn).toBe(ARN);
      expect(aws.counts.getSecretValue).toBe(1);
    });

    it('reads a secret by its ARN too', async () => {
      const { value, arn } = await read(ARN);

      expect(value).toBe(PEM);
      expect(arn).toBe(ARN);
    });

    it('fails with KEY naming the secret when it does not exist', async () => {
      const { error, arn } = await read('connect/missing');

      expect(error).toBeInstanceOf(KeyError);
      expect(error).not.toBeInstanceOf(RetryableKeyError);
      expect(error?.message).toBe('Secrets Manager secret connect/missing (PRIVATE_KEY_SECRET_ID) was not found');
      expect(arn).toBeUndefined();
    });

    it('fails with KEY when the secret holds no SecretString', async () => {
      const { error } = await read('connect/empty');

      expect(error).toBeInstanceOf(KeyError);
      expect(error?.message).toBe(
        'Secrets Manager secret connect/empty (PRIVATE_KEY_SECRET_ID) has no SecretString (binary secrets are not supported)',
      );
    });

    itReadsOnceAndNamesFaults({
      aws: () => aws,
      read: (signal) => read(SECRET, signal),
      where: WHERE,
      requests: (emulator) => emulator.counts.getSecretValue,
    });
  });
});
