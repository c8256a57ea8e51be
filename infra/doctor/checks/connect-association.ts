import { ListLambdaFunctionsCommand } from '@aws-sdk/client-connect';
import { GetPolicyCommand } from '@aws-sdk/client-lambda';
import type { AwsClients } from '../aws-clients.ts';
import { awsFix, describeAwsError } from '../aws-failure.ts';
import { type Check, type DeployedAlias, fail, pass, skip } from '../check.ts';

const CONNECT_INSTANCE_ARN = /^arn:aws[a-z-]*:connect:([a-z0-9-]+):\d{12}:instance\/([0-9a-f-]{36})$/;

/**
 * With `--stack NAME`: the alias lets Amazon Connect invoke it (its resource policy names the instance) and that
 * instance lists it among its Lambda functions (the association the flow designer's block offers).
 */
export function connectAssociationCheck(aws: AwsClients): Check {
  return {
    title: 'live alias associated with the Connect instance',
    async run(state) {
      const deployed = state.deployed;
      if (!deployed) return skip('needs the deployed alias');
      const { envFile } = state.options;
      let instanceArn: string | undefined;
      try {
        instanceArn = await connectInstanceAllowed(aws, deployed);
      } catch (error) {
        if (!/ResourceNotFound/.test(describeAwsError(error))) {
          return fail(
            `cannot read the alias's resource policy: ${describeAwsError(error)}`,
            awsFix(error, envFile, 'lambda:GetPolicy'),
          );
        }
      }
      const instance = CONNECT_INSTANCE_ARN.exec(instanceArn ?? '');
      if (!instance) {
        return fail(
          `the ${deployed.aliasName} alias does not let Amazon Connect invoke it (no resource policy for connect.amazonaws.com naming an instance)`,
          'deploy the stack again (cdk deploy), which grants it',
        );
      }
      const [, region, instanceId] = instance as unknown as [string, string, string];
      let listed: string[];
      try {
        listed = await lambdaFunctionsOf(aws, region, instanceId);
      } catch (error) {
        return fail(
          `cannot list the Lambda functions of Connect instance ${instanceId}: ${describeAwsError(error)}`,
          awsFix(error, envFile, 'connect:ListLambdaFunctions'),
        );
      }
      if (listed.includes(deployed.aliasArn))
        return pass(`Connect instance ${instanceId} may invoke and lists ${deployed.aliasArn}`);
      const unqualified = listed.includes(deployed.functionArn) ? ' (it lists the function without the alias)' : '';
      return fail(
        `Connect instance ${instanceId} does not list ${deployed.aliasArn}${unqualified}`,
        `deploy the stack again (it creates the association), or add ${deployed.aliasArn} in the Amazon Connect console (your instance → Flows → AWS Lambda)`,
      );
    },
  };
}

/** The Connect instance the alias's resource policy lets invoke it, if any. */
async function connectInstanceAllowed(aws: AwsClients, deployed: DeployedAlias): Promise<string | undefined> {
  const { Policy = '{}' } = await aws.lambda.send(
    new GetPolicyCommand({ FunctionName: deployed.functionArn, Qualifier: deployed.aliasName }),
  );
  const { Statement = [] } = JSON.parse(Policy) as { Statement?: PolicyStatement[] };
  const sourceArn = (s: PolicyStatement) => (s.Condition?.ArnLike ?? s.Condition?.ArnEquals)?.['AWS:SourceArn'];
  const statement = Statement.find(
    (s) => s.Effect === 'Allow' && s.Principal?.Service === 'connect.amazonaws.com' && sourceArn(s),
  );
  return statement && sourceArn(statement);
}

interface PolicyStatement {
  readonly Effect?: string;
  readonly Principal?: { readonly Service?: string };
  readonly Condition?: {
    readonly ArnLike?: Readonly<Record<string, string>>;
    readonly ArnEquals?: Readonly<Record<string, string>>;
  };
}

async function lambdaFunctionsOf(aws: AwsClients, region: string, instanceId: string): Promise<string[]> {
  const functions: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await aws.connect(region).send(new ListLambdaFunctionsCommand({ InstanceId: instanceId, NextToken }));
    functions.push(...(page.LambdaFunctions ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return functions;
}
