import { beforeAll, describe, expect, it, vi } from 'vitest';
import { KeyError } from '../../lambda/src/errors.ts';
import { RetryableKeyError } from '../../lambda/src/key/aws-errors.ts';
import type { SsmKeySource as SsmKeySourceType } from '../../lambda/src/key/ssm.ts';
import type { AwsEmulator } from '../emulators/aws.ts';
import {
  itMakesItsClientOnce,
  itReadsOnceAndNamesFaults,
  settled,
  useAwsEmulator,
} from '../support/aws-emulator-suite.ts';
import type * as SsmSdk from '../../lambda/src/key/ssm-sdk.ts';

/** The client configurations the SSM client module was asked for, in order. */
const made = vi.hoisted(() => ({ configs: [] as unknown[] }));
vi.mock('../../lambda/src/key/ssm-sdk.ts', async (importOriginal) => {
  const real = await importOriginal<typeof SsmSdk>();
  class SSMClient extends real.SSMClient {
    constructor(...args: ConstructorParameters<typeof real.SSMClient>) {
      super(...args);
      made.configs.push(args[0]);
    }
  }
  return { ...real, SSMClient };
});

const PARAMETER = '/connect/private-key';
const PEM = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const WHERE = `SSM parameter ${PARAMETER} (PRIVATE_KEY_PARAM_NAME)`;

let aws: AwsEmulator;
/** The class as a fresh import of its module gives it: its SDK client not made yet. */
let SsmKeySource: typeof SsmKeySourceType;

useAwsEmulator((started) => {
  aws = started;
  aws.parameters.set(PARAMETER, PEM);
  aws.parameters.set('/connect/empty', '');
});
beforeAll(async () => {
  ({ SsmKeySource } = await import('../../lambda/src/key/ssm.ts'));
});

/** How `fetch` settled, and how long it took. */
const read = (name: string, signal = AbortSignal.timeout(10_000)) =>
  settled(() => new SsmKeySource(name).fetch(signal));

describe('Class: SsmKeySource', () => {
  describe('Method: prepare', () => {
    itMakesItsClientOnce({
      configs: made.configs,
      fresh: async () => {
        const fresh = await import('../../lambda/src/key/ssm.ts');
        return (name) => new fresh.SsmKeySource(name);
      },
      ids: [PARAMETER, '/other'],
      aws: () => aws,
      requests: (emulator) => emulator.counts.getParameter,
    });
  });

  describe('Method: fetch', () => {
    it('reads the SecureString by its name, decrypted', async () => {
      const { value } = await read(PARAMETER);

      expect(value).toBe(PEM);
      expect(aws.counts.getParameter).toBe(1);
    });

    it('names the parameter and its setting', () => {
      expect(new SsmKeySource(PARAMETER).description).toBe(WHERE);
    });

    it('fails with KEY naming the parameter when it does not exist', async () => {
      const { error } = await read('/connect/missing');

      expect(error).toBeInstanceOf(KeyError);
      expect(error).not.toBeInstanceOf(RetryableKeyError);
      expect(error?.message).toBe('SSM parameter /connect/missing (PRIVATE_KEY_PARAM_NAME) was not found');
    });

    it('fails with KEY when the parameter is empty', async () => {
      const { error } = await read('/connect/empty');

      expect(error).toBeInstanceOf(KeyError);
      expect(error?.message).toBe('SSM parameter /connect/empty (PRIVATE_KEY_PARAM_NAME) is empty');
    });

    itReadsOnceAndNamesFaults({
      aws: () => aws,
      read: (signal) => read(PARAMETER, signal),
      where: WHERE,
      requests: (emulator) => emulator.counts.getParameter,
    });
  });
});
