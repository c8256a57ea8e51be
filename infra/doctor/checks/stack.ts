import { DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import type { AwsClients } from '../aws-clients.ts';
import { awsFix, describeAwsError } from '../aws-failure.ts';
import { type Check, fail, pass } from '../check.ts';

/** The stack output holding the alias the flow calls (see `OmniFlowBridgeStack`). */
export const ALIAS_OUTPUT = 'AliasArn';
const ALIAS_ARN = /^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+):([A-Za-z0-9_-]+)$/;
/** A stack in one of these states runs what it last deployed successfully. */
const USABLE = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE']);

/** With `--stack NAME`: the stack exists, is settled, and its `AliasArn` output names an alias that exists. */
export function stackCheck(aws: AwsClients): Check {
  return {
    title: 'stack deployed with its live alias',
    async run(state) {
      const name = state.options.stackName!;
      const { envFile } = state.options;
      let stack: Stack | undefined;
      try {
        stack = (await aws.cloudFormation.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
      } catch (error) {
        const region = await aws.cloudFormation.config.region().catch(() => 'no region');
        if (/does not exist/.test(describeAwsError(error))) {
          return fail(
            `stack ${name} does not exist in ${region}`,
            `pass the stack name cdk deploy used (ConnectOmniFlowBridge unless set), and set AWS_REGION in ${envFile} to the region it is in`,
          );
        }
        return fail(
          `cannot read stack ${name}: ${describeAwsError(error)}`,
          awsFix(error, envFile, 'cloudformation:DescribeStacks'),
        );
      }
      if (!stack || !USABLE.has(stack.StackStatus ?? '')) {
        return fail(
          `stack ${name} is ${stack?.StackStatus ?? 'missing'}`,
          'finish or repair the deployment (cdk deploy), then run the doctor again',
        );
      }
      const aliasArn = stack.Outputs?.find((output) => output.OutputKey === ALIAS_OUTPUT)?.OutputValue ?? '';
      const parts = ALIAS_ARN.exec(aliasArn);
      if (!parts) {
        return fail(
          `stack ${name} has no ${ALIAS_OUTPUT} output naming a Lambda alias`,
          'give --stack the connect-omniflow-bridge stack (cdk deploy prints its name)',
        );
      }
      const [, functionArn, aliasName] = parts as unknown as [string, string, string];
      try {
        const alias = await aws.lambda.send(new GetAliasCommand({ FunctionName: functionArn, Name: aliasName }));
        state.deployed = { aliasArn, functionArn, aliasName, version: alias.FunctionVersion ?? '?' };
      } catch (error) {
        if (/ResourceNotFound/.test(describeAwsError(error))) {
          return fail(`alias ${aliasArn} does not exist`, 'deploy the stack again (cdk deploy)');
        }
        return fail(
          `cannot read alias ${aliasArn}: ${describeAwsError(error)}`,
          awsFix(error, envFile, 'lambda:GetAlias'),
        );
      }
      return pass(`${name}: alias ${aliasName} serves version ${state.deployed.version} of ${functionArn}`);
    },
  };
}
