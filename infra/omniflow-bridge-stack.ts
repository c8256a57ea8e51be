import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { InvalidSettingError } from './errors.ts';
import type { OnError } from '../lambda/src/config.ts';
import { OmniFlowBridge, type OmniFlowBridgeProps, parseConnectInstanceArn } from './omniflow-bridge.ts';

/** The CDK context keys the stack reads (`cdk deploy -c key=value`). */
export const CONTEXT_KEYS = [
  'connectInstanceArn',
  'secretName',
  'scrtEndpointBase',
  'salesforceOrgId',
  'callCenterApiName',
  'privateKeyParameterName',
  'privateKeySecretArn',
  'orgSecretArns',
  'orgSecretNamePrefix',
  'kmsKeyArn',
  'orgRecordBucket',
  'orgRecordFolder',
  'telephonyProviderName',
  'defaultFlowDevName',
  'defaultFallbackQueue',
  'onError',
  'flowBlockTimeoutSeconds',
  'alarmTopicArn',
  'errorAlarmThreshold',
  'notRoutedAlarmRatio',
  'tracing',
  'provisionedConcurrency',
  'logRetentionDays',
  'codePath',
  'deployFlow',
  'fallbackQueueArn',
  'flowName',
] as const;

export type ContextKey = (typeof CONTEXT_KEYS)[number];
type Context = Partial<Record<ContextKey, string>>;

/** Required without `secretName`; with it, each defaults to the contact-centre secret's field. */
const SETTINGS_WITHOUT_SECRET: readonly ContextKey[] = ['scrtEndpointBase', 'salesforceOrgId', 'callCenterApiName'];
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/;
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

/** The stack's name when the `stackName` context key is not given. */
export const DEFAULT_STACK_NAME = 'ConnectOmniFlowBridge';

/**
 * The stack name from the `stackName` context key (default {@link DEFAULT_STACK_NAME}): one account and region can
 * hold one stack per name, e.g. one per Connect instance or org. Throws an error naming the key when it is not a
 * valid CloudFormation stack name.
 */
export function stackNameFromContext(tryGetContext: (key: string) => unknown): string {
  const value = tryGetContext('stackName');
  const name =
    value === undefined || value === null || String(value).trim() === '' ? DEFAULT_STACK_NAME : String(value).trim();
  if (!STACK_NAME.test(name)) {
    throw new InvalidSettingError(
      'context stackName must start with a letter and hold only letters, digits and hyphens (at most 128 characters)',
    );
  }
  return name;
}

/** Reads the stack's context from a construct node (strings, as `-c` gives them); blank values count as absent. */
export function readContext(tryGetContext: (key: string) => unknown): Context {
  const context: Context = {};
  for (const key of CONTEXT_KEYS) {
    const value = tryGetContext(key);
    if (value !== undefined && value !== null && String(value).trim() !== '') context[key] = String(value).trim();
  }
  return context;
}

/**
 * Maps validated context onto {@link OmniFlowBridgeProps}. Throws an error naming the context key for anything
 * missing or malformed.
 */
export function propsFromContext(context: Context, scope: Construct): OmniFlowBridgeProps {
  const fail = (message: string): never => {
    throw new InvalidSettingError(`context ${message}`);
  };
  const required = (key: ContextKey) => {
    if (!context[key]) fail(`${key} is required: pass -c ${key}=… to cdk synth / deploy (see the README)`);
  };
  required('connectInstanceArn');
  if (!context.secretName) SETTINGS_WITHOUT_SECRET.forEach(required);
  if (!parseConnectInstanceArn(context.connectInstanceArn!)) {
    fail('connectInstanceArn is not an Amazon Connect instance ARN (arn:aws:connect:<region>:<account>:instance/<id>)');
  }
  if (!context.secretName && !context.privateKeyParameterName === !context.privateKeySecretArn) {
    fail(
      'needs secretName (the contact-centre secret) or exactly one of privateKeyParameterName (SSM parameter) and privateKeySecretArn (Secrets Manager secret)',
    );
  }
  if (context.onError && context.onError !== 'throw' && context.onError !== 'attributes') {
    fail('onError must be throw or attributes');
  }
  const deployFlow = flag(context, 'deployFlow', fail);
  if (deployFlow && !context.fallbackQueueArn) {
    fail(
      'fallbackQueueArn is required with deployFlow=true: the Connect queue that takes calls Salesforce did not route',
    );
  }
  if (context.alarmTopicArn && !TOPIC_ARN.test(context.alarmTopicArn)) {
    fail('alarmTopicArn is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)');
  }
  return {
    connectInstanceArn: context.connectInstanceArn!,
    secretName: context.secretName,
    scrtEndpointBase: context.scrtEndpointBase,
    salesforceOrgId: context.salesforceOrgId,
    callCenterApiName: context.callCenterApiName,
    privateKeyParameterName: context.privateKeyParameterName,
    privateKeySecretArn: context.privateKeySecretArn,
    orgSecretArns: context.orgSecretArns
      ?.split(',')
      .map((arn) => arn.trim())
      .filter((arn) => arn !== ''),
    orgSecretNamePrefix: context.orgSecretNamePrefix,
    kmsKeyArn: context.kmsKeyArn,
    orgRecordBucket: context.orgRecordBucket,
    orgRecordFolder: context.orgRecordFolder,
    telephonyProviderName: context.telephonyProviderName,
    defaultFlowDevName: context.defaultFlowDevName,
    defaultFallbackQueue: context.defaultFallbackQueue,
    onError: context.onError as OnError | undefined,
    flowBlockTimeoutSeconds: wholeNumber(context, 'flowBlockTimeoutSeconds', fail),
    alarmTopic: context.alarmTopicArn ? Topic.fromTopicArn(scope, 'AlarmTopic', context.alarmTopicArn) : undefined,
    errorAlarmThreshold: wholeNumber(context, 'errorAlarmThreshold', fail),
    notRoutedAlarmRatio: ratio(context, 'notRoutedAlarmRatio', fail),
    tracing: flag(context, 'tracing', fail),
    provisionedConcurrency: wholeNumber(context, 'provisionedConcurrency', fail),
    logRetention: retention(context, fail),
    codePath: context.codePath,
    inboundFlow: deployFlow
      ? { fallbackQueueArn: context.fallbackQueueArn!, name: context.flowName, nameSuffix: flowNameSuffix(scope) }
      : undefined,
  };
}

/** Connect flow names are per instance, so the sample flows of a stack not named the default carry its name. */
function flowNameSuffix(scope: Construct): string | undefined {
  const { stackName } = Stack.of(scope);
  return stackName === DEFAULT_STACK_NAME ? undefined : ` (${stackName})`;
}

function flag(context: Context, key: ContextKey, fail: (message: string) => never): boolean {
  const value = context[key];
  if (value !== undefined && value !== 'true' && value !== 'false') fail(`${key} must be true or false`);
  return value === 'true';
}

function ratio(context: Context, key: ContextKey, fail: (message: string) => never): number | undefined {
  const value = context[key];
  if (value === undefined) return undefined;
  if (!/^(?:\d+\.?\d*|\.\d+)$/.test(value)) fail(`${key} must be a number such as 0.2`);
  return Number(value);
}

function wholeNumber(context: Context, key: ContextKey, fail: (message: string) => never): number | undefined {
  const value = context[key];
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) fail(`${key} must be a whole number`);
  return Number(value);
}

function retention(context: Context, fail: (message: string) => never): RetentionDays | undefined {
  const days = wholeNumber(context, 'logRetentionDays', fail);
  if (days === undefined) return undefined;
  const allowed = Object.values(RetentionDays).filter(
    (v): v is number => typeof v === 'number' && v !== RetentionDays.INFINITE,
  );
  if (!allowed.includes(days))
    fail(`logRetentionDays must be one of CloudWatch's retention periods: ${allowed.join(', ')}`);
  return days as RetentionDays;
}

/**
 * The deployable stack: context in, {@link OmniFlowBridge} out, plus the ARNs a flow needs as outputs. Deployed to
 * the account and region of the Connect instance, read from its ARN, so synth needs neither credentials nor lookups.
 */
export class OmniFlowBridgeStack extends Stack {
  readonly bridge: OmniFlowBridge;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    const context = readContext((key) => scope.node.tryGetContext(key));
    const instance = parseConnectInstanceArn(context.connectInstanceArn ?? '');
    super(scope, id, {
      description: 'connect-omniflow-bridge: Amazon Connect → Salesforce Omni-Channel flow routing',
      ...(instance ? { env: { account: instance.account, region: instance.region } } : {}),
      ...props,
    });
    this.bridge = new OmniFlowBridge(this, 'Bridge', propsFromContext(context, this));
    new CfnOutput(this, 'FunctionArn', { value: this.bridge.function.functionArn, description: 'The bridge function' });
    if (this.bridge.inboundFlow) {
      const flows = this.bridge.inboundFlow;
      new CfnOutput(this, 'InboundFlowArn', {
        value: flows.entryFlow.attrContactFlowArn,
        description: 'The sample inbound entry flow: assign it to the phone numbers',
      });
      new CfnOutput(this, 'TransferFlowArn', {
        value: flows.transferEntryFlow.attrContactFlowArn,
        description: "The sample transfer entry flow: the flow of the Omni-Channel flow transfers' quick connect",
      });
      new CfnOutput(this, 'RoutingFlowArn', {
        value: flows.flow.attrContactFlowArn,
        description: "The routing subflow, for a Transfer to flow block in Salesforce's own inbound flow",
      });
    }
    new CfnOutput(this, 'AliasArn', {
      value: this.bridge.alias.functionArn,
      description: 'Call this ARN from the flow\'s "Invoke AWS Lambda function" block',
    });
  }
}
