import type { BridgeConfig } from '../../../lambda/src/config.ts';
import { BridgeError } from '../../../lambda/src/errors.ts';
import { SecretsManagerKeySource } from '../../../lambda/src/key/secrets-manager.ts';
import type { KeySource } from '../../../lambda/src/key/source.ts';
import { SsmKeySource } from '../../../lambda/src/key/ssm.ts';
import { awsSetupProblem } from '../aws-failure.ts';
import { type Check, fail, pass, skip } from '../check.ts';

/** One read may take this long; the function's own limit per attempt is shorter, but this is one attempt. */
export const KEY_READ_TIMEOUT_MS = 10_000;

/** The key store the function reads at init, built from the function's own key sources. */
export function keyStoreOf({ home }: BridgeConfig): { source: KeySource; setting: string } {
  if (home.kind === 'secret')
    return { source: new SecretsManagerKeySource(home.secretName, 'SECRET_NAME'), setting: 'SECRET_NAME' };
  if (home.key.kind === 'ssm') return { source: new SsmKeySource(home.key.name), setting: home.key.variable };
  return { source: new SecretsManagerKeySource(home.key.id, home.key.variable), setting: home.key.variable };
}

/** Key store readable: one GetParameter / GetSecretValue with the caller's AWS credentials, as the function makes. */
export const keyStoreCheck: Check = {
  title: 'key store readable',
  async run(state) {
    if (!state.config) return skip('needs valid settings');
    const { source, setting } = keyStoreOf(state.config);
    try {
      state.stored = {
        description: source.description,
        value: await source.fetch(AbortSignal.timeout(KEY_READ_TIMEOUT_MS)),
      };
    } catch (error) {
      if (!(error instanceof BridgeError)) throw error;
      const { envFile } = state.options;
      // The function reports no credentials or no region as a network error: here it is the caller's set-up.
      const setup = awsSetupProblem(error, envFile);
      if (setup) return fail(`cannot read ${source.description}: ${setup.detail}`, setup.fix);
      // The function's message speaks of the function; here the doctor reads with the caller's credentials.
      const detail = error.message.replace(/^the function is not allowed/, 'your AWS credentials are not allowed');
      return fail(detail, keyStoreFix(detail, setting, envFile));
    }
    return pass(source.description);
  },
};

function keyStoreFix(message: string, setting: string, envFile: string): string {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'your profile’s region';
  if (/was not found/.test(message)) {
    return `store the key there, or set ${setting} in ${envFile} to the item that holds it; it must be in the region the doctor reads (${region}, AWS_REGION)`;
  }
  if (/not allowed to read/.test(message)) {
    return `let your AWS credentials read it (ssm:GetParameter or secretsmanager:GetSecretValue, and kms:Decrypt on its KMS key); the deployed function's role is granted by the stack`;
  }
  if (/KMS key/.test(message))
    return 'allow kms:Decrypt on the KMS key that encrypts it, for your credentials and the function’s role';
  return 'check the network path to AWS (VPC endpoint, proxy) and run the doctor again';
}
