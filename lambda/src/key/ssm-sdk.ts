/** The parts of the AWS SDK's SSM client that `ssm.ts` uses, a module of their own so they load only when used. */
export { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
