import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STACK_NAME, OmniFlowBridgeStack, stackNameFromContext } from '../../infra/omniflow-bridge-stack.ts';
import { allows, policyStatements } from './iam-policy.ts';
import { INSTANCE_ARN, KMS_ARN, SECRET_ARN, newApp } from './support.ts';

const SECRETS = 'arn:aws:secretsmanager:eu-west-2:123456789012:secret';
const ORG_B = `${SECRETS}:org-b-Q1w2E3`;
const ORG_C = `${SECRETS}:org-c`;

const CONTEXT = {
  connectInstanceArn: INSTANCE_ARN,
  scrtEndpointBase: 'https://acme.my.salesforce-scrt.com/telephony/v1',
  salesforceOrgId: '00DKz000001AbCdEAA',
  callCenterApiName: 'ConnectCallCenter',
  privateKeyParameterName: '/connect/salesforce/private-key',
};

function stackWith(
  context: Record<string, string | undefined>,
  nag = false,
  stackName = DEFAULT_STACK_NAME,
): { stack: OmniFlowBridgeStack; app: App } {
  const app = newApp(Object.fromEntries(Object.entries(context).filter(([, v]) => v !== undefined)));
  const stack = new OmniFlowBridgeStack(app, stackName);
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { stack, app };
}

/** Every rule acknowledged anywhere in the app, as `<construct path> <rule id>`. */
function acknowledgements(app: App): string[] {
  return app.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) =>
          Object.keys(m.data as object).map((id) => `${c.node.path} ${id.replace(/^annotation::/i, '')}`),
        ),
    );
}

describe('Stack: OmniFlowBridgeStack', () => {
  // The first synth in a process loads CDK's CloudFormation validation engine: ~15 s on a busy machine.
  beforeAll(() => {
    stackWith(CONTEXT).app.synth();
  }, 120_000);

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
      flowBlockTimeoutSeconds: '6',
      alarmTopicArn: 'arn:aws:sns:eu-west-2:123456789012:alarms',
      errorAlarmThreshold: '3',
      notRoutedAlarmRatio: '0.35',
      tracing: 'true',
      orgSecretArns: `${ORG_B}, ${ORG_C} ,`,
      orgSecretNamePrefix: 'sfdc/',
      provisionedConcurrency: '2',
      logRetentionDays: '90',
      orgRecordBucket: 'acme-org-records',
      orgRecordFolder: 'connect/records',
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
          FLOW_BLOCK_TIMEOUT_SECONDS: '6',
          SECRET_CACHE_S3: 'acme-org-records/connect/records',
        },
      },
      TracingConfig: { Mode: 'Active' },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'OrgRecordFailures', Threshold: 1 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Statistic: 'Sum', Threshold: 3 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'NotRouted', Threshold: 0.35 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Duration', Threshold: 4500 });
    const all = policyStatements(template);
    expect(allows(all, 'secretsmanager:GetSecretValue', ORG_B)).toBe(true);
    expect(allows(all, 'secretsmanager:GetSecretValue', `${ORG_C}-AbCdEf`)).toBe(true);
    expect(allows(all, 'secretsmanager:GetSecretValue', `${SECRETS}:sfdc/org-d-AbCdEf`)).toBe(true);
    expect(allows(all, 'secretsmanager:GetSecretValue', `${SECRETS}:org-d-AbCdEf`)).toBe(false);
    expect(allows(all, 's3:PutObject', 'arn:aws:s3:::acme-org-records/connect/records/0LQKz000000AbCd')).toBe(true);
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
          Match.objectLike({
            Action: 'kms:Decrypt',
            Resource: KMS_ARN,
            Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-2.amazonaws.com' } },
          }),
        ]),
      },
    });
  });

  it('needs only the instance and secretName with the contact-centre secret', () => {
    const { stack } = stackWith({ connectInstanceArn: INSTANCE_ARN, secretName: 'sfdc/contact-center' });
    const template = Template.fromStack(stack);

    const [fn] = Object.values(template.findResources('AWS::Lambda::Function')) as {
      Properties: { Environment: { Variables: Record<string, string> } };
    }[];
    expect(fn!.Properties.Environment.Variables).toEqual({
      SECRET_NAME: 'sfdc/contact-center',
      FLOW_BLOCK_TIMEOUT_SECONDS: '8',
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
    template.hasResourceProperties('AWS::Connect::ContactFlow', {
      Name: 'Inbound SF entry',
      InstanceArn: INSTANCE_ARN,
    });
    const outputs = template.toJSON().Outputs;
    expect(outputs.InboundFlowArn.Value).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^BridgeInboundFlowEntry/), 'ContactFlowArn'],
    });
    expect(outputs.TransferFlowArn.Value).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^BridgeInboundFlowTransferEntry/), 'ContactFlowArn'],
    });
    expect(outputs.RoutingFlowArn.Value).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^BridgeInboundFlow[0-9A-F]{8}$/), 'ContactFlowArn'],
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
      'context needs secretName (the contact-centre secret) or exactly one of privateKeyParameterName (SSM parameter) and privateKeySecretArn (Secrets Manager secret)',
    ],
    [{ privateKeySecretArn: SECRET_ARN }, 'context needs secretName (the contact-centre secret) or exactly one of'],
    [
      { secretName: 'sfdc/contact-center' },
      'OmniFlowBridge: secretName holds the private key: do not also set privateKeyParameterName or privateKeySecretArn',
    ],
    [
      { secretName: 'sfdc/contact-center', scrtEndpointBase: 'http://acme.my.salesforce-scrt.com/telephony/v1' },
      'OmniFlowBridge: secretName holds the private key',
    ],
    [{ tracing: 'yes' }, 'context tracing must be true or false'],
    [{ deployFlow: '1' }, 'context deployFlow must be true or false'],
    [{ flowBlockTimeoutSeconds: '3s' }, 'context flowBlockTimeoutSeconds must be a whole number'],
    [
      { flowBlockTimeoutSeconds: '10' },
      'OmniFlowBridge: flowBlockTimeoutSeconds must be a whole number of seconds from 1 to 8',
    ],
    [{ errorAlarmThreshold: '-1' }, 'context errorAlarmThreshold must be a whole number'],
    [{ notRoutedAlarmRatio: '20%' }, 'context notRoutedAlarmRatio must be a number such as 0.2'],
    [
      { notRoutedAlarmRatio: '2' },
      'OmniFlowBridge: notRoutedAlarmRatio must be a share of calls above 0 and at most 1',
    ],
    [{ orgSecretNamePrefix: '*' }, 'OmniFlowBridge: orgSecretNamePrefix must be the start of a secret name'],
    [{ orgSecretArns: `${ORG_B},org-c` }, 'OmniFlowBridge: orgSecretArns[1] must be a Secrets Manager secret ARN'],
    [{ orgRecordFolder: 'connect' }, 'OmniFlowBridge: orgRecordFolder needs orgRecordBucket, the bucket it is in'],
    [{ orgRecordBucket: 'Acme_Records' }, 'OmniFlowBridge: orgRecordBucket must be an S3 bucket name'],
    [
      { orgRecordBucket: 'acme-records/connect' },
      "OmniFlowBridge: orgRecordBucket is the bucket's name alone: give the folder as orgRecordFolder",
    ],
    [
      { orgRecordBucket: 'acme-records', orgRecordFolder: 'connect/*' },
      'OmniFlowBridge: orgRecordFolder must be a key prefix without a slash at either end',
    ],
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

  describe('stack name', () => {
    it('is ConnectOmniFlowBridge unless the stackName context key says otherwise', () => {
      expect(stackNameFromContext(() => undefined)).toBe('ConnectOmniFlowBridge');
      expect(stackNameFromContext((key) => (key === 'stackName' ? ' OmniFlow-OrgB ' : undefined))).toBe(
        'OmniFlow-OrgB',
      );
    });

    it.each(['1org', 'org_b', 'org b', `a${'b'.repeat(128)}`])('refuses stackName %s', (name) => {
      expect(() => stackNameFromContext(() => name)).toThrow(
        'context stackName must start with a letter and hold only letters, digits and hyphens (at most 128 characters)',
      );
    });

    it("names the dashboard, the alarms and the sample flows after the stack, so instances don't collide", () => {
      const { stack } = stackWith(
        { ...CONTEXT, deployFlow: 'true', fallbackQueueArn: `${INSTANCE_ARN}/queue/fallback` },
        false,
        'OmniFlow-OrgB',
      );
      const template = Template.fromStack(stack);

      template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'OmniFlow-OrgB-Bridge' });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'OmniFlow-OrgB-Bridge-FailedCalls' });
      template.hasResourceProperties('AWS::Connect::ContactFlow', {
        Name: 'Salesforce Omni-Channel inbound (OmniFlow-OrgB)',
      });
      template.hasResourceProperties('AWS::Connect::ContactFlow', {
        Name: 'Salesforce Omni-Channel transfer (OmniFlow-OrgB)',
      });
      template.hasResourceProperties('AWS::Connect::ContactFlow', {
        Name: 'Salesforce Omni-Channel inbound entry (OmniFlow-OrgB)',
      });
      template.hasResourceProperties('AWS::Connect::ContactFlow', {
        Name: 'Salesforce Omni-Channel transfer entry (OmniFlow-OrgB)',
      });
    });

    it('keeps the plain flow names for the default stack', () => {
      const { stack } = stackWith({
        ...CONTEXT,
        deployFlow: 'true',
        fallbackQueueArn: `${INSTANCE_ARN}/queue/fallback`,
      });

      const names = Object.values(Template.fromStack(stack).findResources('AWS::Connect::ContactFlow')).map(
        (f) => (f as { Properties: { Name: string } }).Properties.Name,
      );
      expect(names.sort()).toEqual([
        'Salesforce Omni-Channel inbound',
        'Salesforce Omni-Channel inbound entry',
        'Salesforce Omni-Channel transfer',
        'Salesforce Omni-Channel transfer entry',
      ]);
    });
  });

  describe('cdk-nag AwsSolutions', () => {
    const PREFIX_FINDING =
      'ConnectOmniFlowBridge/Bridge/OrgSecretsByPrefix AwsSolutions-IAM5[Resource::arn:aws:secretsmanager:eu-west-2:123456789012:secret:sfdc/*]';
    const TRACING_FINDING = 'ConnectOmniFlowBridge/Bridge/Tracing AwsSolutions-IAM5[Resource::*]';
    const RECORDS = 'arn:aws:s3:::acme-org-records';
    const folderFinding = (objects: string) =>
      `ConnectOmniFlowBridge/Bridge/OrgRecords AwsSolutions-IAM5[Resource::${RECORDS}/${objects}]`;
    const CONTACT_CENTRE = {
      secretName: 'sfdc/contact-center',
      scrtEndpointBase: undefined,
      salesforceOrgId: undefined,
      callCenterApiName: undefined,
      privateKeyParameterName: undefined,
    };

    it.each<[string, Record<string, string | undefined>, string[]]>([
      ['an SSM parameter', {}, []],
      [
        'an SSM parameter with a KMS key, alarms and provisioned concurrency',
        { kmsKeyArn: KMS_ARN, alarmTopicArn: 'arn:aws:sns:eu-west-2:123456789012:a', provisionedConcurrency: '1' },
        [],
      ],
      ['a complete secret ARN', { privateKeyParameterName: undefined, privateKeySecretArn: SECRET_ARN }, []],
      ['the sample flow deployed', { deployFlow: 'true', fallbackQueueArn: `${INSTANCE_ARN}/queue/fallback` }, []],
      [
        'a secret ARN without its suffix',
        { privateKeyParameterName: undefined, privateKeySecretArn: `${SECRETS}:sf` },
        [],
      ],
      ["other orgs' secrets by ARN", { orgSecretArns: `${ORG_B},${ORG_C}` }, []],
      ['the contact-centre secret', { ...CONTACT_CENTRE, kmsKeyArn: KMS_ARN, orgSecretArns: ORG_B }, []],
      [
        'the contact-centre secret and a prefix for other orgs (one acknowledged finding: that prefix)',
        { ...CONTACT_CENTRE, orgSecretNamePrefix: 'sfdc/' },
        [PREFIX_FINDING],
      ],
      [
        "other orgs' secrets by name prefix (one acknowledged finding: that prefix)",
        { orgSecretNamePrefix: 'sfdc/' },
        [PREFIX_FINDING],
      ],
      ['X-Ray tracing (one acknowledged finding: X-Ray has no resources)', { tracing: 'true' }, [TRACING_FINDING]],
      [
        "org records in a folder (one acknowledged finding: that folder's objects)",
        { orgRecordBucket: 'acme-org-records', orgRecordFolder: 'connect/records', kmsKeyArn: KMS_ARN },
        [folderFinding('connect/records/*')],
      ],
      [
        "org records at a bucket's top level (one acknowledged finding: its objects)",
        { ...CONTACT_CENTRE, orgRecordBucket: 'acme-org-records', orgSecretNamePrefix: 'sfdc/' },
        [PREFIX_FINDING, folderFinding('*')],
      ],
    ])('finds nothing unacknowledged with %s', (_label, override, acknowledged) => {
      const { app } = stackWith({ ...CONTEXT, ...override }, true);

      expect(() => app.synth()).not.toThrow();
      const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8'));
      const violations = report.pluginReports.flatMap((r: { violations: unknown[] }) => r.violations);
      expect(violations).toEqual([]);
      expect(acknowledgements(app)).toEqual(acknowledged);
    });

    it('does report a planted violation (the check is live)', () => {
      const { app, stack } = stackWith(CONTEXT, true);
      stack.bridge.role.addToPolicy(new PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));

      expect(() => app.synth()).toThrow('AwsSolutions-IAM5');
    });

    it('still reports a wildcard the acknowledgements do not name, with tracing and a prefix', () => {
      const { app, stack } = stackWith({ ...CONTEXT, tracing: 'true', orgSecretNamePrefix: 'sfdc/' }, true);
      stack.bridge.role.addToPolicy(
        new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [`${SECRETS}:*`] }),
      );

      expect(() => app.synth()).toThrow(`AwsSolutions-IAM5[Resource::${SECRETS}:*]`);
    });

    it("still reports a wildcard beside the org records' folder, in the same bucket", () => {
      const { app, stack } = stackWith(
        { ...CONTEXT, orgRecordBucket: 'acme-org-records', orgRecordFolder: 'connect' },
        true,
      );
      stack.bridge.role.addToPolicy(
        new PolicyStatement({ actions: ['s3:PutObject'], resources: ['arn:aws:s3:::acme-org-records/*'] }),
      );

      expect(() => app.synth()).toThrow('AwsSolutions-IAM5[Resource::arn:aws:s3:::acme-org-records/*]');
    });
  });
});
