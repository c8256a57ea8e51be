import { type BridgeConfig, readConfig } from '../../../lambda/src/config.ts';
import { ConfigError } from '../../../lambda/src/errors.ts';
import { type Check, fail, pass } from '../check.ts';

/** Settings valid: the file's settings pass the function's own `readConfig`, so the function would accept them. */
export const settingsCheck: Check = {
  title: 'settings valid',
  async run(state) {
    const { envFile, settings, unknownNames } = state.options;
    const unknown =
      unknownNames.length > 0 ? ` (${envFile} also sets ${unknownNames.join(', ')}, which nothing reads)` : '';
    try {
      state.config = readConfig(settings);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return fail(
        `${error.message}${unknown}`,
        `correct it in ${envFile} (every setting is described in .env.example)`,
      );
    }
    return pass(`${layout(state.config)}${unknown}`);
  },
};

function layout({ home }: BridgeConfig): string {
  if (home.kind === 'secret') return `Salesforce's contact-centre secret ${home.secretName} (SECRET_NAME)`;
  const key = home.key.kind === 'ssm' ? `SSM parameter ${home.key.name}` : `Secrets Manager secret ${home.key.id}`;
  return `org ${home.settings.orgId}, call center ${home.settings.callCenterApiName}, key in ${key}`;
}
