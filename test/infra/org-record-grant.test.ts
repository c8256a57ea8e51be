import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { OmniFlowBridge } from '../../infra/omniflow-bridge.ts';
import { orgRecordObjects } from '../../infra/org-record-grant.ts';
import { allowedActions, allows, policyStatements, type Statement } from './iam-policy.ts';
import { BASE_PROPS, KMS_ARN, synthBridge } from './support.ts';

const RECORDS = 'arn:aws:s3:::acme-org-records';

function grants(props: Parameters<typeof synthBridge>[0]): Statement[] {
  return policyStatements(synthBridge(props).template);
}

const s3Statements = (all: Statement[]) => all.filter((s) => [s.Action].flat().some((a) => /^s3:/i.test(a)));

const variables = (props: Parameters<typeof synthBridge>[0]) => {
  const [fn] = Object.values(synthBridge(props).template.findResources('AWS::Lambda::Function')) as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  }[];
  return fn!.Properties.Environment.Variables;
};

describe('Construct: OmniFlowBridge', () => {
  describe('Grants: the org records (orgRecordBucket, orgRecordFolder)', () => {
    describe('Function: orgRecordObjects', () => {
      it('names the objects of the folder, or of the whole bucket without one', () => {
        expect(orgRecordObjects('aws', 'acme-org-records', 'connect/records')).toBe(`${RECORDS}/connect/records/*`);
        expect(orgRecordObjects('aws-cn', 'acme-org-records')).toBe('arn:aws-cn:s3:::acme-org-records/*');
      });
    });

    it('sets SECRET_CACHE_S3 to bucket/folder, or to the bucket alone, and not at all without a bucket', () => {
      expect(variables({ orgRecordBucket: 'acme-org-records', orgRecordFolder: 'connect/records' })).toMatchObject({
        SECRET_CACHE_S3: 'acme-org-records/connect/records',
      });
      expect(variables({ orgRecordBucket: 'acme-org-records' })).toMatchObject({ SECRET_CACHE_S3: 'acme-org-records' });
      expect(variables({})).not.toHaveProperty('SECRET_CACHE_S3');
    });

    it('grants exactly s3:PutObject on the folder’s objects, in a policy of its own the function waits for', () => {
      const { template } = synthBridge({ orgRecordBucket: 'acme-org-records', orgRecordFolder: 'connect/records' });

      const policies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) =>
        /OrgRecords/.test(id),
      );
      expect(policies).toHaveLength(1);
      expect(policies[0]![1]).toMatchObject({
        Properties: {
          PolicyDocument: {
            Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: `${RECORDS}/connect/records/*` }],
          },
          Roles: [{ Ref: expect.stringMatching(/^BridgeRole/) }],
        },
      });
      template.hasResource('AWS::Lambda::Function', { DependsOn: Match.arrayWith([policies[0]![0]]) });
    });

    it('allows writing a record in the folder, and nothing else of S3', () => {
      const all = grants({ orgRecordBucket: 'acme-org-records', orgRecordFolder: 'connect/records' });

      expect(s3Statements(all)).toHaveLength(1);
      expect(allowedActions(all).filter((a) => /^s3:/i.test(a))).toEqual(['s3:PutObject']);
      expect(allows(all, 's3:PutObject', `${RECORDS}/connect/records/0LQKz000000AbCd`)).toBe(true);
      expect(allows(all, 's3:PutObject', `${RECORDS}/connect/records-old/0LQKz000000AbCd`)).toBe(false);
      expect(allows(all, 's3:PutObject', `${RECORDS}/connect/0LQKz000000AbCd`)).toBe(false);
      expect(allows(all, 's3:PutObject', `${RECORDS}/0LQKz000000AbCd`)).toBe(false);
      expect(allows(all, 's3:PutObject', 'arn:aws:s3:::acme-org-records2/connect/records/x')).toBe(false);
      for (const action of ['s3:GetObject', 's3:ListBucket', 's3:DeleteObject', 's3:PutObjectAcl']) {
        expect(allows(all, action, `${RECORDS}/connect/records/x`)).toBe(false);
        expect(allows(all, action, RECORDS)).toBe(false);
      }
    });

    it('allows the whole bucket’s objects without a folder, and not the bucket itself', () => {
      const all = grants({ orgRecordBucket: 'acme-org-records' });

      expect(s3Statements(all)).toEqual([{ Effect: 'Allow', Action: 's3:PutObject', Resource: `${RECORDS}/*` }]);
      expect(allows(all, 's3:PutObject', `${RECORDS}/0LQKz000000AbCd`)).toBe(true);
      expect(allows(all, 's3:PutObject', RECORDS)).toBe(false);
    });

    it("takes the partition from the Connect instance's ARN", () => {
      const instance = 'arn:aws-cn:connect:cn-north-1:123456789012:instance/11111111-2222-3333-4444-555555555555';
      const app = new App({ builtinCloudFormationValidation: false });
      const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'cn-north-1' } });
      new OmniFlowBridge(stack, 'Bridge', {
        ...BASE_PROPS,
        connectInstanceArn: instance,
        orgRecordBucket: 'acme-org-records',
      });
      const all = policyStatements(Template.fromStack(stack));

      expect(s3Statements(all)[0]!.Resource).toBe('arn:aws-cn:s3:::acme-org-records/*');
    });

    it('grants nothing of S3 or KMS without a bucket, even with kmsKeyArn', () => {
      const all = grants({ kmsKeyArn: KMS_ARN });

      expect(s3Statements(all)).toEqual([]);
      expect(allowedActions(all)).not.toContain('kms:GenerateDataKey');
    });

    it("does not lend kmsKeyArn (the key store's key) to S3", () => {
      const all = grants({ kmsKeyArn: KMS_ARN, orgRecordBucket: 'acme-org-records' });

      expect(allowedActions(all)).toEqual([
        'kms:Decrypt',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:PutObject',
        'ssm:GetParameter',
      ]);
    });

    describe('a bucket given as an IBucket', () => {
      it("takes an imported bucket's name, and its customer managed key for GenerateDataKey through S3 only", () => {
        const { template } = synthBridge((stack) => ({
          orgRecordBucket: Bucket.fromBucketAttributes(stack, 'Records', {
            bucketName: 'acme-org-records',
            encryptionKey: Key.fromKeyArn(stack, 'RecordsKey', KMS_ARN.replace('eu-west-2', 'eu-west-1')),
          }),
          orgRecordFolder: 'connect',
        }));

        template.hasResourceProperties('AWS::Lambda::Function', {
          Environment: { Variables: Match.objectLike({ SECRET_CACHE_S3: 'acme-org-records/connect' }) },
        });
        template.hasResourceProperties('AWS::IAM::Policy', {
          PolicyName: Match.stringLikeRegexp('OrgRecords'),
          PolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: 's3:PutObject', Resource: `${RECORDS}/connect/*` },
              {
                Effect: 'Allow',
                Action: 'kms:GenerateDataKey',
                Resource: KMS_ARN.replace('eu-west-2', 'eu-west-1'),
                Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
              },
            ],
          },
        });
      });

      it('grants no KMS action for a bucket without a customer managed key', () => {
        const all = grants((stack) => ({
          orgRecordBucket: Bucket.fromBucketName(stack, 'Records', 'acme-org-records'),
        }));

        expect(allowedActions(all).filter((a) => a.startsWith('kms:'))).toEqual([]);
        expect(s3Statements(all)).toEqual([{ Effect: 'Allow', Action: 's3:PutObject', Resource: `${RECORDS}/*` }]);
      });

      it('refuses a bad name of an imported bucket as it refuses a string', () => {
        expect(() =>
          synthBridge((stack) => ({ orgRecordBucket: Bucket.fromBucketName(stack, 'Records', 'Acme_Records') })),
        ).toThrow('OmniFlowBridge: orgRecordBucket must be an S3 bucket name');
      });

      it('names a bucket of the app by reference, and still checks the other settings', () => {
        const { template } = synthBridge((stack) => ({
          orgRecordBucket: new Bucket(stack, 'Records'),
          orgRecordFolder: 'connect',
        }));
        const ref = { Ref: expect.stringMatching(/^Records/) };

        const [fn] = Object.values(template.findResources('AWS::Lambda::Function')) as {
          Properties: { Environment: { Variables: Record<string, unknown> } };
        }[];
        expect(fn!.Properties.Environment.Variables.SECRET_CACHE_S3).toEqual({ 'Fn::Join': ['', [ref, '/connect']] });
        expect(s3Statements(policyStatements(template))[0]!.Resource).toEqual({
          'Fn::Join': ['', ['arn:aws:s3:::', ref, '/connect/*']],
        });
        expect(() =>
          synthBridge((stack) => ({ orgRecordBucket: new Bucket(stack, 'Records'), salesforceOrgId: '00DKz' })),
        ).toThrow('OmniFlowBridge: salesforceOrgId (SALESFORCE_ORG_ID) is not valid');
      });

      it("acknowledges exactly cdk-nag's finding on a bucket of the app, named by reference", () => {
        const { app } = synthBridge((stack) => {
          const bucket = new Bucket(stack, 'Records');
          const reason = 'a bucket of the test, not of the construct';
          Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason }, { id: 'AwsSolutions-S10', reason });
          return { orgRecordBucket: bucket, orgRecordFolder: 'connect' };
        });
        Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

        expect(() => app.synth({ force: true })).not.toThrow();
      });
    });
  });
});
