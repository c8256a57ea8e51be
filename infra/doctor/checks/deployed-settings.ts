import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { type BridgeConfig, readConfig } from '../../../lambda/src/config.ts';
import { ConfigError } from '../../../lambda/src/errors.ts';
import type { AwsClients } from '../aws-clients.ts';
import { awsFix, describeAwsError } from '../aws-failure.ts';
import { type Check, fail, pass, skip } from '../check.ts';
import { settingDifferences } from '../setting-differences.ts';

/**
 * With `--stack NAME`: the version the alias serves runs with the file's settings (each compared as it takes effect,
 * defaults applied), so what the doctor just checked is what Connect's calls get.
 */
export function deployedSettingsCheck(aws: AwsClients): Check {
  return {
    title: 'deployed settings match the file',
    async run(state) {
      const { deployed, config } = state;
      if (!deployed || !config) return skip(deployed ? 'needs valid settings' : 'needs the deployed alias');
      const { envFile } = state.options;
      let variables: Record<string, string>;
      try {
        const configuration = await aws.lambda.send(
          new GetFunctionConfigurationCommand({ FunctionName: deployed.functionArn, Qualifier: deployed.aliasName }),
        );
        variables = configuration.Environment?.Variables ?? {};
      } catch (error) {
        return fail(
          `cannot read the function's configuration: ${describeAwsError(error)}`,
          awsFix(error, envFile, 'lambda:GetFunctionConfiguration'),
        );
      }
      let running: BridgeConfig;
      try {
        running = readConfig(variables);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return fail(
          `the deployed settings are invalid: ${error.message}`,
          'deploy again with valid settings (see the README, Deploy)',
        );
      }
      const differences = settingDifferences(config, running);
      if (differences.length > 0) {
        const shown = (value: string | undefined) => value ?? '(not set)';
        const list = differences.map((d) => `${d.name} is ${shown(d.deployed)} deployed, ${shown(d.file)} in the file`);
        return fail(list.join('; '), `deploy with the file's values, or correct ${envFile} to what is deployed`);
      }
      return pass(`version ${deployed.version} runs with ${envFile}'s settings`);
    },
  };
}
