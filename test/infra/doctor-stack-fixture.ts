import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { ACCOUNT, REGION } from '../emulators/aws.ts';

export const INSTANCE_ID = '11111111-2222-3333-4444-555555555555';
export const INSTANCE_ARN = `arn:aws:connect:${REGION}:${ACCOUNT}:instance/${INSTANCE_ID}`;

export interface FakeBridgeStack {
  readonly functionArn: string;
  readonly aliasArn: string;
}

export interface FakeBridgeStackOptions {
  readonly stackName: string;
  /** The environment of the version the `live` alias serves. */
  readonly environment: Record<string, string>;
  /** Whether the alias lets the Connect instance invoke it. @default true */
  readonly connectMayInvoke?: boolean;
  /** Set on `$LATEST` after the version is published, to tell them apart. */
  readonly latestEnvironment?: Record<string, string>;
}

/**
 * A deployed bridge as the doctor sees it, in moto_server: a CloudFormation stack with the function (and its role) and
 * the stack's `FunctionArn` / `AliasArn` outputs, a published version behind the `live` alias, and the alias's
 * permission for Connect. The alias and the version are made through Lambda's API, because moto's CloudFormation does
 * not create `AWS::Lambda::Alias`.
 */
export async function deployFakeBridgeStack(
  endpoint: string,
  options: FakeBridgeStackOptions,
): Promise<FakeBridgeStack> {
  const config = { endpoint, region: REGION, credentials: { accessKeyId: 'AKIDMOTO', secretAccessKey: 'moto' } };
  const cloudFormation = new CloudFormationClient(config);
  const lambda = new LambdaClient(config);
  try {
    await cloudFormation.send(
      new CreateStackCommand({
        StackName: options.stackName,
        TemplateBody: JSON.stringify(template(options.environment)),
        Capabilities: ['CAPABILITY_IAM'],
      }),
    );
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: options.stackName }));
    const output = (key: string) => Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === key)?.OutputValue ?? '';
    const functionArn = output('FunctionArn');
    const { Version } = await lambda.send(new PublishVersionCommand({ FunctionName: functionArn }));
    const { AliasArn } = await lambda.send(
      new CreateAliasCommand({ FunctionName: functionArn, Name: 'live', FunctionVersion: Version }),
    );
    if (options.connectMayInvoke !== false) {
      await lambda.send(
        new AddPermissionCommand({
          FunctionName: functionArn,
          Qualifier: 'live',
          StatementId: 'ConnectInvoke',
          Action: 'lambda:InvokeFunction',
          Principal: 'connect.amazonaws.com',
          SourceArn: INSTANCE_ARN,
          SourceAccount: ACCOUNT,
        }),
      );
    }
    if (options.latestEnvironment) {
      await lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: functionArn,
          Environment: { Variables: options.latestEnvironment },
        }),
      );
    }
    if (AliasArn !== output('AliasArn')) throw new Error(`alias ${AliasArn} is not the stack's ${output('AliasArn')}`);
    return { functionArn, aliasArn: AliasArn };
  } finally {
    cloudFormation.destroy();
    lambda.destroy();
  }
}

function template(environment: Record<string, string>) {
  return {
    Resources: {
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
          },
        },
      },
      Function: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
          Code: { ZipFile: 'export const handler = async () => ({});' },
          Environment: { Variables: environment },
        },
      },
    },
    Outputs: {
      FunctionArn: { Value: { 'Fn::GetAtt': ['Function', 'Arn'] } },
      AliasArn: { Value: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Function', 'Arn'] }, ':live']] } },
    },
  };
}
