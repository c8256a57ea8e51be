import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { OmniFlowBridge, type OmniFlowBridgeProps } from '../../infra/omniflow-bridge.ts';
import { BUNDLE } from '../support/lambda-container.ts';
import { allows, policyStatements, type Statement } from './iam-policy.ts';
import { BASE_PROPS, INSTANCE_ARN, KMS_ARN, SECRET_ARN, synthBridge } from './support.ts';

function statements(props: Partial<OmniFlowBridgeProps> = {}): Statement[] {
  return policyStatements(synthBridge(props).template);
}

const actions = (all: Statement[]) => all.flatMap((s) => [s.Action].flat()).sort();

describe('Construct: OmniFlowBridge', () => {
  describe('the function', () => {
    it('runs the bundle on nodejs24.x arm64 with an 8 s timeout, JSON logs and the settings as environment', () => {
      const { template } = synthBridge({ defaultFlowDevName: 'Route_VoiceCall', onError: 'attributes' });

      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Timeout: 8,
        MemorySize: 256,
        LoggingConfig: {
          LogFormat: 'JSON',
          ApplicationLogLevel: 'INFO',
          SystemLogLevel: 'WARN',
          LogGroup: Match.anyValue(),
        },
        Environment: {
          Variables: {
            SCRT_ENDPOINT_BASE: 'https://acme.my.salesforce-scrt.com/telephony/v1',
            SALESFORCE_ORG_ID: '00DKz000001AbCdEAA',
            CALL_CENTER_API_NAME: 'ConnectCallCenter',
            PRIVATE_KEY_PARAM_NAME: '/connect/salesforce/private-key',
            DEFAULT_FLOW_DEV_NAME: 'Route_VoiceCall',
            ON_ERROR: 'attributes',
            FLOW_BLOCK_TIMEOUT_SECONDS: '8',
          },
        },
      });
    });

    it('reads its configuration from the contact-centre secret, settings given as props winning', () => {
      const { template } = synthBridge({
        secretName: 'sfdc/contact-center',
        privateKeyParameterName: undefined,
        scrtEndpointBase: undefined,
        salesforceOrgId: undefined,
        callCenterApiName: 'Override_CC',
      });

      const [fn] = Object.values(template.findResources('AWS::Lambda::Function')) as {
        Properties: { Environment: { Variables: Record<string, string> } };
      }[];
      expect(fn!.Properties.Environment.Variables).toEqual({
        SECRET_NAME: 'sfdc/contact-center',
        CALL_CENTER_API_NAME: 'Override_CC',
        FLOW_BLOCK_TIMEOUT_SECONDS: '8',
      });
    });

    it("tells the function the flow block's timeout", () => {
      synthBridge({ flowBlockTimeoutSeconds: 3 }).template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: { FLOW_BLOCK_TIMEOUT_SECONDS: '3' } },
      });
    });

    it('keeps source maps off the cold start', () => {
      const { template } = synthBridge();

      const [fn] = Object.values(template.findResources('AWS::Lambda::Function')) as {
        Properties: { Environment: { Variables: Record<string, string> } };
      }[];
      expect(fn!.Properties.Environment.Variables.NODE_OPTIONS).toBeUndefined();
    });

    it('deploys the very bundle the tests run, with the asset metadata sam local invoke reads', () => {
      const { template, app } = synthBridge();

      const [fn] = Object.values(template.findResources('AWS::Lambda::Function')) as {
        Metadata: Record<string, string>;
      }[];
      expect(fn!.Metadata).toMatchObject({
        'aws:asset:property': 'Code',
        'aws:asset:path': expect.stringMatching(/^asset\./),
      });
      const staged = join(app.outdir, fn!.Metadata['aws:asset:path']!);
      expect(readFileSync(join(staged, 'index.mjs')).equals(readFileSync(BUNDLE))).toBe(true);
    });

    it('keeps logs for a month by default, or as long as asked', () => {
      synthBridge().template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
      synthBridge({ logRetention: RetentionDays.ONE_YEAR }).template.hasResourceProperties('AWS::Logs::LogGroup', {
        RetentionInDays: 365,
      });
    });

    it('publishes a live alias, with provisioned concurrency only when asked', () => {
      synthBridge().template.hasResourceProperties('AWS::Lambda::Alias', {
        Name: 'live',
        ProvisionedConcurrencyConfig: Match.absent(),
      });
      synthBridge({ provisionedConcurrency: 3 }).template.hasResourceProperties('AWS::Lambda::Alias', {
        Name: 'live',
        ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 3 },
      });
    });
  });

  describe('Connect', () => {
    it('lets only this Connect instance invoke the alias', () => {
      const { template } = synthBridge();

      template.resourceCountIs('AWS::Lambda::Permission', 1);
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'connect.amazonaws.com',
        SourceArn: INSTANCE_ARN,
        SourceAccount: '123456789012',
        FunctionName: { Ref: Match.stringLikeRegexp('BridgeLive') },
      });
    });

    it('associates the alias with the instance', () => {
      synthBridge().template.hasResourceProperties('AWS::Connect::IntegrationAssociation', {
        InstanceId: INSTANCE_ARN,
        IntegrationType: 'LAMBDA_FUNCTION',
        IntegrationArn: { Ref: Match.stringLikeRegexp('BridgeLive') },
      });
    });
  });

  describe('permissions', () => {
    it('may read exactly the SSM parameter, and write its own logs, nothing else', () => {
      const all = statements();

      expect(actions(all)).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'ssm:GetParameter']);
      expect(JSON.stringify(all.find((s) => s.Action === 'ssm:GetParameter')!.Resource)).toContain(
        ':ssm:eu-west-2:123456789012:parameter/connect/salesforce/private-key',
      );
      expect(JSON.stringify(all.find((s) => String(s.Action).startsWith('logs'))!.Resource)).toMatch(/BridgeLogs/);
    });

    it('uses a parameter ARN as it is', () => {
      const arn = 'arn:aws:ssm:eu-west-2:123456789012:parameter/sf/key';
      const all = statements({ privateKeyParameterName: arn });

      expect(all.find((s) => s.Action === 'ssm:GetParameter')!.Resource).toBe(arn);
    });

    it('may read the secret when the key is in Secrets Manager, and nothing in SSM', () => {
      const all = statements({ privateKeyParameterName: undefined, privateKeySecretArn: SECRET_ARN });

      expect(actions(all)).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'secretsmanager:GetSecretValue']);
      expect(allows(all, 'secretsmanager:GetSecretValue', SECRET_ARN)).toBe(true);
    });

    it('may decrypt with the KMS key only through the key store, and only when a key is given', () => {
      expect(actions(statements())).not.toContain('kms:Decrypt');

      const ssm = statements({ kmsKeyArn: KMS_ARN }).find((s) => s.Action === 'kms:Decrypt')!;
      const secrets = statements({
        kmsKeyArn: KMS_ARN,
        privateKeyParameterName: undefined,
        privateKeySecretArn: SECRET_ARN,
      }).find((s) => s.Action === 'kms:Decrypt')!;

      expect(ssm).toMatchObject({
        Resource: KMS_ARN,
        Condition: { StringEquals: { 'kms:ViaService': 'ssm.eu-west-2.amazonaws.com' } },
      });
      expect(secrets.Condition).toEqual({
        StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-2.amazonaws.com' },
      });
    });

    it('gives the role no managed policies', () => {
      synthBridge().template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    });
  });

  describe('alarms', () => {
    it('notifies the topic of every alarm and its recovery when one is given', () => {
      const topicArn = 'arn:aws:sns:eu-west-2:123456789012:connect-alarms';
      const { template } = synthBridge((stack) => ({ alarmTopic: Topic.fromTopicArn(stack, 'Topic', topicArn) }));

      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
        Properties: Record<string, unknown>;
      }[];
      expect(alarms).toHaveLength(5);
      for (const alarm of alarms) {
        expect(alarm.Properties.AlarmActions).toEqual([topicArn]);
        expect(alarm.Properties.OKActions).toEqual([topicArn]);
      }
    });

    it('sends nothing without a topic', () => {
      synthBridge().template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: Match.absent() });
    });
  });

  describe('tracing', () => {
    it('is off by default, with no X-Ray permission', () => {
      const { template } = synthBridge();

      template.hasResourceProperties('AWS::Lambda::Function', { TracingConfig: Match.absent() });
      expect(actions(policyStatements(template)).filter((a) => a.startsWith('xray:'))).toEqual([]);
    });

    it('traces actively with X-Ray when asked, in a policy of its own that the function waits for', () => {
      const { template } = synthBridge({ tracing: true });

      template.hasResourceProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
      const tracing = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) => /Tracing/.test(id))!;
      expect(tracing[1]).toMatchObject({
        Properties: {
          PolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' },
            ],
          },
          Roles: [{ Ref: expect.stringMatching(/^BridgeRole/) }],
        },
      });
      const [fn] = Object.values(template.findResources('AWS::Lambda::Function')) as { DependsOn: string[] }[];
      expect(fn!.DependsOn).toContain(tracing[0]);
      const defaultPolicy = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) =>
        /DefaultPolicy/.test(id),
      )!;
      expect(JSON.stringify(defaultPolicy[1])).not.toContain('xray:');
    });
  });

  describe('props validation', () => {
    it.each<[Partial<OmniFlowBridgeProps>, string]>([
      [
        { connectInstanceArn: 'arn:aws:lambda:eu-west-2:123456789012:function:x' },
        'OmniFlowBridge: connectInstanceArn must be an Amazon Connect instance ARN (arn:aws:connect:<region>:<account>:instance/<id>)',
      ],
      [
        { scrtEndpointBase: 'https://acme.my.salesforce.com/services' },
        'OmniFlowBridge: scrtEndpointBase (SCRT_ENDPOINT_BASE) must end with /telephony/v1',
      ],
      [
        { scrtEndpointBase: 'http://acme.my.salesforce-scrt.com/telephony/v1' },
        'OmniFlowBridge: scrtEndpointBase (SCRT_ENDPOINT_BASE) must use https',
      ],
      [
        { salesforceOrgId: '00DKz' },
        'OmniFlowBridge: salesforceOrgId (SALESFORCE_ORG_ID) is not valid: expected a 15- or 18-character Salesforce org id starting with 00D',
      ],
      [{ callCenterApiName: '' }, 'OmniFlowBridge: callCenterApiName (CALL_CENTER_API_NAME) is not set'],
      [
        { privateKeyParameterName: undefined },
        'OmniFlowBridge: privateKeyParameterName (PRIVATE_KEY_PARAM_NAME) (SSM parameter) or privateKeySecretArn (PRIVATE_KEY_SECRET_ID) (Secrets Manager secret) must be set, or secretName (SECRET_NAME) (the contact-centre secret)',
      ],
      [
        { scrtEndpointBase: undefined },
        'OmniFlowBridge: scrtEndpointBase (SCRT_ENDPOINT_BASE) is not set (or set secretName (SECRET_NAME) to the contact-centre secret)',
      ],
      [
        { privateKeyParameterName: undefined, secretName: 'sfdc/cc', salesforceOrgId: '00DKz' },
        'OmniFlowBridge: salesforceOrgId (SALESFORCE_ORG_ID) is not valid: expected a 15- or 18-character Salesforce org id starting with 00D',
      ],
      [
        { privateKeySecretArn: SECRET_ARN },
        'OmniFlowBridge: set only one of privateKeyParameterName (PRIVATE_KEY_PARAM_NAME) and privateKeySecretArn (PRIVATE_KEY_SECRET_ID), not both',
      ],
      [
        { privateKeyParameterName: undefined, privateKeySecretArn: 'connect/sf-key' },
        'OmniFlowBridge: privateKeySecretArn must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
      ],
      [
        { privateKeyParameterName: undefined, secretName: 'sfdc*' },
        'OmniFlowBridge: secretName must be a Secrets Manager secret name (1–512 of letters, digits and /_+=.@-) or ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
      ],
      [
        { secretName: 'sfdc-contact-center' },
        'OmniFlowBridge: secretName holds the private key: do not also set privateKeyParameterName or privateKeySecretArn',
      ],
      [
        { privateKeyParameterName: undefined, privateKeySecretArn: SECRET_ARN, secretName: 'sfdc-contact-center' },
        'OmniFlowBridge: secretName holds the private key: do not also set privateKeyParameterName or privateKeySecretArn',
      ],
      [
        { orgSecretArns: [SECRET_ARN, 'org-b'] },
        'OmniFlowBridge: orgSecretArns[1] must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
      ],
      ...['', '*', 'sfdc/*', 'org-?', 'a b'].map((prefix): [Partial<OmniFlowBridgeProps>, string] => [
        { orgSecretNamePrefix: prefix },
        'OmniFlowBridge: orgSecretNamePrefix must be the start of a secret name, 1–512 of letters, digits and /_+=.@- without * or ?: an empty or wildcard prefix would grant every secret in the account',
      ]),
      ...[0, 9, 2.5].map((seconds): [Partial<OmniFlowBridgeProps>, string] => [
        { flowBlockTimeoutSeconds: seconds },
        'OmniFlowBridge: flowBlockTimeoutSeconds must be a whole number of seconds from 1 to 8',
      ]),
      [{ errorAlarmThreshold: 0 }, 'OmniFlowBridge: errorAlarmThreshold must be a whole number ≥ 1'],
      ...[0, 1.5, Number.NaN].map((ratio): [Partial<OmniFlowBridgeProps>, string] => [
        { notRoutedAlarmRatio: ratio },
        'OmniFlowBridge: notRoutedAlarmRatio must be a share of calls above 0 and at most 1',
      ]),
      [
        { kmsKeyArn: 'alias/aws/ssm' },
        'OmniFlowBridge: kmsKeyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)',
      ],
      [{ provisionedConcurrency: -1 }, 'OmniFlowBridge: provisionedConcurrency must be a whole number ≥ 0'],
      [{ provisionedConcurrency: 1.5 }, 'OmniFlowBridge: provisionedConcurrency must be a whole number ≥ 0'],
      [{ memorySize: 64 }, 'OmniFlowBridge: memorySize must be a whole number of MB from 128 to 10240'],
      [
        { telephonyProviderName: 'amazon\nconnect' },
        'OmniFlowBridge: telephonyProviderName (TELEPHONY_PROVIDER_NAME) contains control or non-ASCII characters',
      ],
      [{ orgRecordFolder: 'connect' }, 'OmniFlowBridge: orgRecordFolder needs orgRecordBucket, the bucket it is in'],
      ...[
        'ab',
        'a'.repeat(64),
        'Acme-records',
        'acme_records',
        '-acme',
        'acme-',
        'acme.',
        'acme..records',
        '10.0.0.1',
      ].map((bucket): [Partial<OmniFlowBridgeProps>, string] => [
        { orgRecordBucket: bucket },
        'OmniFlowBridge: orgRecordBucket must be an S3 bucket name: 3–63 of lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, without two dots in a row, not an IP address',
      ]),
      [
        { orgRecordBucket: 'acme-records/connect' },
        "OmniFlowBridge: orgRecordBucket is the bucket's name alone: give the folder as orgRecordFolder",
      ],
      ...['', '/connect', 'connect/', 'connect//records', 'records/*', 'org-?', 'a\tb'].map(
        (folder): [Partial<OmniFlowBridgeProps>, string] => [
          { orgRecordBucket: 'acme-records', orgRecordFolder: folder },
          'OmniFlowBridge: orgRecordFolder must be a key prefix without a slash at either end, an empty segment (//), a wildcard (* or ?) or a control character',
        ],
      ),
    ])('refuses %j', (props, message) => {
      expect(() => synthBridge(props)).toThrow(message);
    });

    it.each<Partial<OmniFlowBridgeProps>>([
      { orgRecordBucket: 'abc' },
      { orgRecordBucket: `a${'b'.repeat(61)}c` },
      { orgRecordBucket: 'acme.org-records.1', orgRecordFolder: 'connect/org records/eu-west-2' },
      { orgRecordBucket: '10.0.0.1a', orgRecordFolder: 'records.v2' },
    ])('accepts %j', (props) => {
      expect(() => synthBridge(props)).not.toThrow();
    });

    it("refuses a stack in another region than the instance's", () => {
      const app = new App({ builtinCloudFormationValidation: false });
      const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'us-east-1' } });

      expect(() => new OmniFlowBridge(stack, 'Bridge', BASE_PROPS)).toThrow(
        'OmniFlowBridge: the stack is in us-east-1 but the Connect instance (connectInstanceArn) is in eu-west-2: deploy the stack to eu-west-2, where the instance can be associated with the function',
      );
    });

    it('accepts a stack whose region is known only at deploy time', () => {
      const app = new App({ builtinCloudFormationValidation: false });
      const stack = new Stack(app, 'Test');

      expect(() => new OmniFlowBridge(stack, 'Bridge', BASE_PROPS)).not.toThrow();
    });
  });
});
