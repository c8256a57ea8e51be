import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { OmniFlowBridgeStack } from '../../infra/omniflow-bridge-stack.ts';
import { INSTANCE_ARN, KMS_ARN, SECRET_ARN } from './support.ts';

const CONTEXT = {
  connectInstanceArn: INSTANCE_ARN,
  scrtEndpointBase: 'https://acme.my.salesforce-scrt.com/telephony/v1',
  salesforceOrgId: '00DKz000001AbCdEAA',
  callCenterApiName: 'ConnectCallCenter',
  privateKeyParameterName: '/connect/salesforce/private-key',
};

function stackWith(context: Record<string, string | undefined>, nag = false): { stack: OmniFlowBridgeStack; app: App } {
  const app = new App({ context: Object.fromEntries(Object.entries(context).filter(([, v]) => v !== undefined)) });
  const stack = new OmniFlowBridgeStack(app, 'ConnectOmniFlowBridge');
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { stack, app };
}

describe('Stack: OmniFlowBridgeStack', () => {
  it("deploys to the Connect instance's account and region", () => {
    const { stack } = stackWith(CONTEXT);

    expect(stack.account).toBe('123456789012');
    expect(stack.region).toBe('eu-west-2');
  });

  it('maps every context key onto the construct', () => {
    const { stack } = stackWith({
      ...CONTEXT,
      privateKeyParameterName: undefined,
      privateKeySecretArn: SECRET_ARN,
      kmsKeyArn: KMS_ARN,
      telephonyProviderName: 'acme',
      defaultFlowDevName: 'Route_VoiceCall',
      defaultFallbackQueue: '00G111222333444',
      onError: 'attributes',
      alarmTopicArn: 'arn:aws:sns:eu-west-2:123456789012:alarms',
      provisionedConcurrency: '2',
      logRetentionDays: '90',
    });
    const template = Template.fromStack(stack);

    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          SCRT_ENDPOINT_BASE: CONTEXT.scrtEndpointBase,
          SALESFORCE_ORG_ID: CONTEXT.salesforceOrgId,
          CALL_CENTER_API_NAME: CONTEXT.callCenterApiName,
          PRIVATE_KEY_SECRET_ID: SECRET_ARN,
          TELEPHONY_PROVIDER_NAME: 'acme',
          DEFAULT_FLOW_DEV_NAME: 'Route_VoiceCall',
          DEFAULT_FALLBACK_QUEUE: '00G111222333444',
          ON_ERROR: 'attributes',
        },
      },
    });
    template.hasResourceProperties('AWS::Lambda::Alias', {
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: ['arn:aws:sns:eu-west-2:123456789012:alarms'],
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'secretsmanager:GetSecretValue', Resource: SECRET_ARN }),
          Match.objectLike({
            Action: 'kms:Decrypt',
            Resource: KMS_ARN,
            Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-2.amazonaws.com' } },
          }),
        ]),
      },
    });
  });

  it('deploys the sample flow when deployFlow=true, and outputs its ARN', () => {
    const { stack } = stackWith({
      ...CONTEXT,
      deployFlow: 'true',
      fallbackQueueArn: `${INSTANCE_ARN}/queue/fallback`,
      flowName: 'Inbound SF',
    });
    const template = Template.fromStack(stack);

    template.hasResourceProperties('AWS::Connect::ContactFlow', { Name: 'Inbound SF', InstanceArn: INSTANCE_ARN });
    expect(template.toJSON().Outputs.InboundFlowArn.Value).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/InboundFlow/), 'ContactFlowArn'],
    });
  });

  it('outputs the function ARN and the alias ARN for the flow', () => {
    const outputs = Template.fromStack(stackWith(CONTEXT).stack).toJSON().Outputs;

    expect(outputs.FunctionArn.Value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^BridgeFunction/), 'Arn'] });
    expect(outputs.AliasArn.Value).toEqual({ Ref: expect.stringMatching(/^BridgeLive/) });
  });

  it.each<[Record<string, string | undefined>, string]>([
    [
      { connectInstanceArn: undefined },
      'context connectInstanceArn is required: pass -c connectInstanceArn=… to cdk synth / deploy (see the README)',
    ],
    [{ scrtEndpointBase: undefined }, 'context scrtEndpointBase is required'],
    [{ salesforceOrgId: ' ' }, 'context salesforceOrgId is required'],
    [{ callCenterApiName: undefined }, 'context callCenterApiName is required'],
    [
      { connectInstanceArn: 'arn:aws:connect:eu-west-2:123456789012:instance/x/queue/y' },
      'context connectInstanceArn is not an Amazon Connect instance ARN (arn:aws:connect:<region>:<account>:instance/<id>)',
    ],
    [
      { privateKeyParameterName: undefined },
      'context needs exactly one of privateKeyParameterName (SSM parameter) and privateKeySecretArn (Secrets Manager secret)',
    ],
    [{ privateKeySecretArn: SECRET_ARN }, 'context needs exactly one of privateKeyParameterName'],
    [{ onError: 'ignore' }, 'context onError must be throw or attributes'],
    [{ alarmTopicArn: 'alarms' }, 'context alarmTopicArn is not an SNS topic ARN'],
    [{ provisionedConcurrency: 'two' }, 'context provisionedConcurrency must be a whole number'],
    [
      { logRetentionDays: '45' },
      "context logRetentionDays must be one of CloudWatch's retention periods: 1, 3, 5, 7, 14, 30, 60, 90",
    ],
    [
      { scrtEndpointBase: 'https://acme.example/omniFlow' },
      'OmniFlowBridge: scrtEndpointBase (SCRT_ENDPOINT_BASE) must end with /telephony/v1',
    ],
  ])('fails synth for context %j', (override, message) => {
    expect(() => stackWith({ ...CONTEXT, ...override })).toThrow(message);
  });

  describe('cdk-nag AwsSolutions', () => {
    it.each<[string, Record<string, string | undefined>]>([
      ['an SSM parameter', {}],
      [
        'an SSM parameter with a KMS key, alarms and provisioned concurrency',
        { kmsKeyArn: KMS_ARN, alarmTopicArn: 'arn:aws:sns:eu-west-2:123456789012:a', provisionedConcurrency: '1' },
      ],
      ['a complete secret ARN', { privateKeyParameterName: undefined, privateKeySecretArn: SECRET_ARN }],
      ['the sample flow deployed', { deployFlow: 'true', fallbackQueueArn: `${INSTANCE_ARN}/queue/fallback` }],
      [
        'a secret ARN without its suffix',
        {
          privateKeyParameterName: undefined,
          privateKeySecretArn: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:sf',
        },
      ],
    ])('finds nothing unacknowledged with %s', (_label, override) => {
      const { app } = stackWith({ ...CONTEXT, ...override }, true);

      expect(() => app.synth()).not.toThrow();
      const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8'));
      const violations = report.pluginReports.flatMap((r: { violations: unknown[] }) => r.violations);
      expect(violations).toEqual([]);
    });

    it('does report a planted violation (the check is live)', () => {
      const { app, stack } = stackWith(CONTEXT, true);
      stack.bridge.role.addToPolicy(new PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));

      expect(() => app.synth()).toThrow('AwsSolutions-IAM5');
    });
  });
});
