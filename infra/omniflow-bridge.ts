import { join } from 'node:path';
import { Duration, Stack, Token } from 'aws-cdk-lib';
import type { Alarm, Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import { CfnIntegrationAssociation } from 'aws-cdk-lib/aws-connect';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Alias,
  ApplicationLogLevel,
  Architecture,
  type CfnFunction,
  Code,
  Function as LambdaFunction,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { createAlarms } from './bridge-alarms.ts';
import { createDashboard } from './bridge-dashboard.ts';
import { InboundFlow } from './contact-flow.ts';
import { parameterResource, secretArnResources, secretPrefixResource, secretResources } from './key-grants.ts';
import { grantOrgRecordWrite } from './org-record-grant.ts';
import { packageRoot } from './package-root.ts';
import {
  type ConnectInstance,
  DEFAULT_ERROR_ALARM_THRESHOLD,
  DEFAULT_MEMORY_MB,
  DEFAULT_NOT_ROUTED_ALARM_RATIO,
  DURATION_ALARM_SHARE,
  MAX_FLOW_BLOCK_TIMEOUT_SECONDS,
  type OmniFlowBridgeProps,
  settings,
} from './omniflow-bridge-props.ts';
import { validateProps } from './validate-props.ts';
import { wildcardPolicy } from './wildcard-policy.ts';

export {
  type ConnectInstance,
  DEFAULT_MEMORY_MB,
  type OmniFlowBridgeProps,
  parseConnectInstanceArn,
} from './omniflow-bridge-props.ts';

/** Connect's longest "Invoke AWS Lambda function" timeout; the function stops itself at the block's own timeout. */
export const FUNCTION_TIMEOUT = Duration.seconds(MAX_FLOW_BLOCK_TIMEOUT_SECONDS);
export const ALIAS_NAME = 'live';
/**
 * The built bundle's folder in this package (`dist/lambda`), found from this file rather than from the working
 * directory: in the repository and in an installed package alike.
 */
export const DEFAULT_CODE_PATH = join(packageRoot(import.meta.url), 'dist', 'lambda');

/**
 * The bridge function, deployed for one Connect instance: an arm64 nodejs24.x function with an 8 s timeout and JSON
 * logs, a `live` alias (optionally with provisioned concurrency) that Connect may invoke and is associated with,
 * read access to exactly the key's parameter or the contact-centre secrets, write access to exactly the org records'
 * folder when there is one, a dashboard, and alarms on failed and unrouted calls, Lambda errors, throttles, p99
 * duration and org records not written. Dashboard and alarm names start with the stack's name.
 */
export class OmniFlowBridge extends Construct {
  readonly function: LambdaFunction;
  /** What the flow's "Invoke AWS Lambda function" block should call. */
  readonly alias: Alias;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly alarms: readonly Alarm[];
  readonly dashboard: Dashboard;
  readonly instance: ConnectInstance;
  readonly inboundFlow: InboundFlow | undefined;

  constructor(scope: Construct, id: string, props: OmniFlowBridgeProps) {
    super(scope, id);
    this.instance = validateProps(props, Stack.of(this).region);
    const blockTimeoutSeconds = props.flowBlockTimeoutSeconds ?? MAX_FLOW_BLOCK_TIMEOUT_SECONDS;

    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'connect-omniflow-bridge: write its logs and read the Salesforce configuration and private key',
    });
    this.logGroup.grantWrite(this.role);
    this.grantKeyRead(props);

    this.function = new LambdaFunction(this, 'Function', {
      description: 'Routes Amazon Connect calls with Salesforce Omni-Channel flows (connect-omniflow-bridge)',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      handler: 'index.handler',
      code: Code.fromAsset(props.codePath ?? DEFAULT_CODE_PATH),
      memorySize: props.memorySize ?? DEFAULT_MEMORY_MB,
      timeout: FUNCTION_TIMEOUT,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.WARN,
      // No NODE_OPTIONS=--enable-source-maps: it adds ~20 ms (25 %) to loading the bundle on every cold start. The
      // map is deployed beside the bundle; set it by hand while chasing an INTERNAL error.
      environment: settings(props),
    });
    if (props.tracing) this.traceWithXRay();
    const orgRecords = grantOrgRecordWrite(this, this.role, this.instance.partition, props);
    if (orgRecords) this.function.node.addDependency(orgRecords);
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

    const namePrefix = resourceNamePrefix(this);
    const notRoutedRatio = props.notRoutedAlarmRatio ?? DEFAULT_NOT_ROUTED_ALARM_RATIO;
    this.alarms = createAlarms(this, {
      alias: this.alias,
      namePrefix,
      errorThreshold: props.errorAlarmThreshold ?? DEFAULT_ERROR_ALARM_THRESHOLD,
      notRoutedRatio,
      durationThresholdMs: DURATION_ALARM_SHARE * blockTimeoutSeconds * 1000,
      orgRecords: props.orgRecordBucket !== undefined,
      topic: props.alarmTopic,
    });
    this.dashboard = createDashboard(this, {
      dashboardName: namePrefix,
      function: this.function,
      alias: this.alias,
      alarms: this.alarms,
      notRoutedRatio,
      orgRecords: props.orgRecordBucket !== undefined,
    });
    this.inboundFlow = props.inboundFlow
      ? new InboundFlow(this, 'InboundFlow', {
          ...props.inboundFlow,
          connectInstanceArn: props.connectInstanceArn,
          bridgeAliasArn: this.alias.functionArn,
          invocationTimeLimitSeconds: blockTimeoutSeconds,
        })
      : undefined;
  }

  private grantKeyRead(props: OmniFlowBridgeProps): void {
    const stack = Stack.of(this);
    const secrets = [
      ...(props.privateKeySecretArn ? secretArnResources(props.privateKeySecretArn) : []),
      ...(props.secretName ? secretResources(stack, props.secretName) : []),
      ...(props.orgSecretArns ?? []).flatMap(secretArnResources),
    ];
    if (props.privateKeyParameterName) {
      this.role.addToPolicy(
        new PolicyStatement({
          actions: ['ssm:GetParameter'],
          resources: [parameterResource(stack, props.privateKeyParameterName)],
        }),
      );
    }
    if (secrets.length > 0) {
      this.role.addToPolicy(
        new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [...new Set(secrets)] }),
      );
    }
    if (props.orgSecretNamePrefix) this.grantSecretsByPrefix(props.orgSecretNamePrefix);
    if (props.kmsKeyArn) {
      const services = [
        ...(props.privateKeyParameterName ? ['ssm'] : []),
        ...(secrets.length > 0 || props.orgSecretNamePrefix ? ['secretsmanager'] : []),
      ].map((service) => `${service}.${stack.region}.amazonaws.com`);
      this.role.addToPolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [props.kmsKeyArn],
          conditions: { StringEquals: { 'kms:ViaService': services.length === 1 ? services[0] : services } },
        }),
      );
    }
  }

  /** The prefix grant is a wildcard by design, in a policy of its own where only that finding is acknowledged. */
  private grantSecretsByPrefix(prefix: string): void {
    const resource = secretPrefixResource(Stack.of(this), prefix);
    wildcardPolicy(this, 'OrgSecretsByPrefix', {
      role: this.role,
      statements: [new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [resource] })],
      wildcard: resource,
      reason: 'orgSecretNamePrefix: the operator chose to grant every secret whose name starts with this prefix.',
    });
  }

  /**
   * X-Ray's PutTraceSegments and PutTelemetryRecords have no resource-level permissions, so `Resource: *` is the
   * only grant there is; it gets a policy of its own, where that one finding is acknowledged. The tracing mode is
   * set on the function's CloudFormation resource because the `tracing` prop would put the grant into the role's
   * shared default policy.
   */
  private traceWithXRay(): void {
    const policy = wildcardPolicy(this, 'Tracing', {
      role: this.role,
      statements: [
        new PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] }),
      ],
      wildcard: '*',
      reason: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions.',
    });
    (this.function.node.defaultChild as CfnFunction).tracingConfig = { mode: Tracing.ACTIVE };
    this.function.node.addDependency(policy);
  }
}

/**
 * `<stack name>-<path in the stack>`: unique per account and region as stack names are, and readable in the
 * console. Dashboard and alarm names are built from it.
 */
function resourceNamePrefix(construct: Construct): string {
  const stack = Stack.of(construct);
  const path = construct.node.path.slice(stack.node.path.length + 1).replace(/[^A-Za-z0-9_-]/g, '-');
  return Token.isUnresolved(stack.stackName) ? path : `${stack.stackName}-${path}`;
}
