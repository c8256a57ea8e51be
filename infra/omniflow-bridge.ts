import { Duration, Stack, Token } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { CfnIntegrationAssociation } from 'aws-cdk-lib/aws-connect';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Alias,
  ApplicationLogLevel,
  Architecture,
  Code,
  Function as LambdaFunction,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
} from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { InvalidSettingError } from './errors.ts';
import { type OnError, readConfig } from '../lambda/src/config.ts';
import { ConfigError } from '../lambda/src/errors.ts';
import { InboundFlow } from './contact-flow.ts';

/** The parts of an Amazon Connect instance ARN. */
export interface ConnectInstance {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly instanceId: string;
}

const CONNECT_INSTANCE_ARN = /^arn:(aws[a-z-]*):connect:([a-z0-9-]+):(\d{12}):instance\/([0-9a-f-]{36})$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/;
const SSM_PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/.+$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/;
/** Secrets Manager appends six random characters to a secret's name in its complete ARN. */
const SECRET_SUFFIX = /-[A-Za-z0-9]{6}$/;

/** Connect's longest "Invoke AWS Lambda function" timeout, and so the function's. */
export const FUNCTION_TIMEOUT = Duration.seconds(8);
/** p99 duration above this raises the duration alarm: 75 % of the timeout, before calls start failing. */
export const DURATION_ALARM_MS = 6_000;
export const ALIAS_NAME = 'live';
export const DEFAULT_MEMORY_MB = 256;

/** Reads `arn:aws:connect:<region>:<account>:instance/<id>`; undefined for anything else. */
export function parseConnectInstanceArn(arn: string): ConnectInstance | undefined {
  const match = CONNECT_INSTANCE_ARN.exec(arn);
  return match ? { partition: match[1]!, region: match[2]!, account: match[3]!, instanceId: match[4]! } : undefined;
}

export interface OmniFlowBridgeProps {
  /** The Amazon Connect instance that invokes the function: `arn:aws:connect:<region>:<account>:instance/<id>`. */
  readonly connectInstanceArn: string;
  /** `https://<MyDomain>.my.salesforce-scrt.com/telephony/v1` (the function's `SCRT_ENDPOINT_BASE`). */
  readonly scrtEndpointBase: string;
  /** The Salesforce org id (`SALESFORCE_ORG_ID`). */
  readonly salesforceOrgId: string;
  /** The Salesforce call center's API name (`CALL_CENTER_API_NAME`). */
  readonly callCenterApiName: string;
  /** SSM SecureString (name or ARN) holding the private key. Exactly one of this and `privateKeySecretArn`. */
  readonly privateKeyParameterName?: string;
  /** Secrets Manager secret ARN (complete, or without the random suffix) holding the private key. */
  readonly privateKeySecretArn?: string;
  /** Customer managed KMS key encrypting the parameter or secret; grants `kms:Decrypt` through that service only. @default none (AWS managed key) */
  readonly kmsKeyArn?: string;
  /** @default 'amazon-connect' */
  readonly telephonyProviderName?: string;
  /** @default none: Salesforce uses the phone channel's flow */
  readonly defaultFlowDevName?: string;
  /** @default none */
  readonly defaultFallbackQueue?: string;
  /** @default 'throw' */
  readonly onError?: OnError;
  /** Where alarms (and their recovery) are sent. @default no actions */
  readonly alarmTopic?: ITopic;
  /** Provisioned concurrency on the `live` alias: no cold starts for that many concurrent calls. @default 0 */
  readonly provisionedConcurrency?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default 256 (see the README: CPU share for TLS and RSA signing at a negligible cost) */
  readonly memorySize?: number;
  /** The folder holding the built `index.mjs`. @default 'dist/lambda' */
  readonly codePath?: string;
  /** Also deploy the sample inbound contact flow, wired to the `live` alias, sending unrouted calls to this queue. @default not deployed */
  readonly inboundFlow?: { readonly fallbackQueueArn: string; readonly name?: string };
}

/** Maps each setting the function reads to the prop that feeds it, so a refusal names the prop. */
const PROP_OF_VARIABLE: Record<string, string> = {
  SCRT_ENDPOINT_BASE: 'scrtEndpointBase',
  SALESFORCE_ORG_ID: 'salesforceOrgId',
  CALL_CENTER_API_NAME: 'callCenterApiName',
  PRIVATE_KEY_PARAM_NAME: 'privateKeyParameterName',
  PRIVATE_KEY_SECRET_ID: 'privateKeySecretArn',
  TELEPHONY_PROVIDER_NAME: 'telephonyProviderName',
  DEFAULT_FLOW_DEV_NAME: 'defaultFlowDevName',
  DEFAULT_FALLBACK_QUEUE: 'defaultFallbackQueue',
  ON_ERROR: 'onError',
};

/**
 * The bridge function, deployed for one Connect instance: an arm64 nodejs24.x function with an 8 s timeout and JSON
 * logs, a `live` alias (optionally with provisioned concurrency) that Connect may invoke and is associated with,
 * read access to exactly the key's parameter or secret, and alarms on errors, throttles and p99 duration.
 */
export class OmniFlowBridge extends Construct {
  readonly function: LambdaFunction;
  /** What the flow's "Invoke AWS Lambda function" block should call. */
  readonly alias: Alias;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly alarms: readonly Alarm[];
  readonly instance: ConnectInstance;
  readonly inboundFlow: InboundFlow | undefined;

  constructor(scope: Construct, id: string, props: OmniFlowBridgeProps) {
    super(scope, id);
    this.instance = validate(props);
    const environment = settings(props);

    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'connect-omniflow-bridge: write its logs and read the Salesforce private key',
    });
    this.logGroup.grantWrite(this.role);
    this.grantKeyRead(props);

    this.function = new LambdaFunction(this, 'Function', {
      description: 'Routes Amazon Connect calls with Salesforce Omni-Channel flows (connect-omniflow-bridge)',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      handler: 'index.handler',
      code: Code.fromAsset(props.codePath ?? 'dist/lambda'),
      memorySize: props.memorySize ?? DEFAULT_MEMORY_MB,
      timeout: FUNCTION_TIMEOUT,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.WARN,
      // No NODE_OPTIONS=--enable-source-maps: it adds ~20 ms (25 %) to loading the bundle on every cold start. The
      // map is deployed beside the bundle; set it by hand while chasing an INTERNAL error.
      environment,
    });
    this.alias = new Alias(this, 'Live', {
      aliasName: ALIAS_NAME,
      version: this.function.currentVersion,
      ...(props.provisionedConcurrency ? { provisionedConcurrentExecutions: props.provisionedConcurrency } : {}),
    });
    this.alias.addPermission('ConnectInvoke', {
      principal: new ServicePrincipal('connect.amazonaws.com'),
      sourceArn: props.connectInstanceArn,
      sourceAccount: this.instance.account,
    });
    new CfnIntegrationAssociation(this, 'ConnectAssociation', {
      instanceId: props.connectInstanceArn,
      integrationType: 'LAMBDA_FUNCTION',
      integrationArn: this.alias.functionArn,
    });
    this.alarms = this.createAlarms(props.alarmTopic);
    this.inboundFlow = props.inboundFlow
      ? new InboundFlow(this, 'InboundFlow', {
          ...props.inboundFlow,
          connectInstanceArn: props.connectInstanceArn,
          bridgeAliasArn: this.alias.functionArn,
        })
      : undefined;
  }

  private grantKeyRead(props: OmniFlowBridgeProps): void {
    const stack = Stack.of(this);
    if (props.privateKeyParameterName) {
      const name = props.privateKeyParameterName;
      const arn = SSM_PARAMETER_ARN.test(name)
        ? name
        : stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.replace(/^\//, '') });
      this.role.addToPolicy(new PolicyStatement({ actions: ['ssm:GetParameter'], resources: [arn] }));
    } else {
      const arn = props.privateKeySecretArn!;
      const complete = SECRET_SUFFIX.test(arn);
      this.role.addToPolicy(
        new PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [complete ? arn : `${arn}-??????`],
        }),
      );
    }
    if (props.kmsKeyArn) {
      const service = props.privateKeyParameterName ? 'ssm' : 'secretsmanager';
      this.role.addToPolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [props.kmsKeyArn],
          conditions: { StringEquals: { 'kms:ViaService': `${service}.${stack.region}.amazonaws.com` } },
        }),
      );
    }
  }

  private createAlarms(topic: ITopic | undefined): Alarm[] {
    const period = Duration.minutes(1);
    const common = { evaluationPeriods: 1, treatMissingData: TreatMissingData.NOT_BREACHING };
    const anyOf = (metric: IMetric) => ({
      ...common,
      metric,
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    const alarms = [
      new Alarm(this, 'Errors', {
        alarmDescription: 'Calls not routed by Salesforce: the flow took its Error branch (see the function log).',
        ...anyOf(this.alias.metricErrors({ period })),
      }),
      new Alarm(this, 'Throttles', {
        alarmDescription: 'Invocations throttled: calls fell back without routing. Raise concurrency.',
        ...anyOf(this.alias.metricThrottles({ period })),
      }),
      new Alarm(this, 'DurationP99', {
        alarmDescription: `p99 duration above ${DURATION_ALARM_MS} ms: close to Connect's 8 s block timeout.`,
        ...common,
        metric: this.alias.metricDuration({ period: Duration.minutes(5), statistic: 'p99' }),
        threshold: DURATION_ALARM_MS,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      }),
    ];
    if (topic) {
      for (const alarm of alarms) {
        alarm.addAlarmAction(new SnsAction(topic));
        alarm.addOkAction(new SnsAction(topic));
      }
    }
    return alarms;
  }
}

/** The function's environment for these props. */
function settings(props: OmniFlowBridgeProps): Record<string, string> {
  const env: Record<string, string | undefined> = {
    SCRT_ENDPOINT_BASE: props.scrtEndpointBase,
    SALESFORCE_ORG_ID: props.salesforceOrgId,
    CALL_CENTER_API_NAME: props.callCenterApiName,
    PRIVATE_KEY_PARAM_NAME: props.privateKeyParameterName,
    PRIVATE_KEY_SECRET_ID: props.privateKeySecretArn,
    TELEPHONY_PROVIDER_NAME: props.telephonyProviderName,
    DEFAULT_FLOW_DEV_NAME: props.defaultFlowDevName,
    DEFAULT_FALLBACK_QUEUE: props.defaultFallbackQueue,
    ON_ERROR: props.onError,
  };
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/**
 * Checks the props before anything is created. The function's settings go through the function's own
 * `readConfig`, so synth refuses exactly what the function would refuse at run time — named by prop.
 */
function validate(props: OmniFlowBridgeProps): ConnectInstance {
  const fail = (message: string): never => {
    throw new InvalidSettingError(`OmniFlowBridge: ${message}`);
  };
  const instance = parseConnectInstanceArn(props.connectInstanceArn);
  if (!instance) {
    fail(
      'connectInstanceArn must be an Amazon Connect instance ARN (arn:aws:connect:<region>:<account>:instance/<id>)',
    );
  }
  if (props.privateKeySecretArn && !SECRET_ARN.test(props.privateKeySecretArn)) {
    fail(
      'privateKeySecretArn must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
    );
  }
  if (props.kmsKeyArn && !KMS_KEY_ARN.test(props.kmsKeyArn)) {
    fail('kmsKeyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)');
  }
  const concurrency = props.provisionedConcurrency ?? 0;
  if (!Number.isInteger(concurrency) || concurrency < 0) fail('provisionedConcurrency must be a whole number ≥ 0');
  const memory = props.memorySize ?? DEFAULT_MEMORY_MB;
  if (!Number.isInteger(memory) || memory < 128 || memory > 10_240)
    fail('memorySize must be a whole number of MB from 128 to 10240');
  const env = settings(props);
  if (Object.values(env).some((value) => Token.isUnresolved(value))) return instance!;
  try {
    readConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const message = error.message.replace(/\b[A-Z][A-Z_]+[A-Z]\b/g, (name) =>
      PROP_OF_VARIABLE[name] ? `${PROP_OF_VARIABLE[name]} (${name})` : name,
    );
    fail(message);
  }
  return instance!;
}
