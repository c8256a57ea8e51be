import { describe, expect, it } from 'vitest';
import type { OmniFlowBridgeProps } from '../../infra/omniflow-bridge.ts';
import { allowedActions, allows, policyStatements, type Statement } from './iam-policy.ts';
import { KMS_ARN, synthBridge } from './support.ts';

const SSM = 'arn:aws:ssm:eu-west-2:123456789012:parameter';
const SECRETS = 'arn:aws:secretsmanager:eu-west-2:123456789012:secret';
const OTHER_ACCOUNT_SECRETS = 'arn:aws:secretsmanager:eu-west-2:999999999999:secret';
const OTHER_REGION_SECRETS = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret';

function grants(props: Partial<OmniFlowBridgeProps>): Statement[] {
  return policyStatements(synthBridge(props).template);
}

const withSecretKey = (arn: string): Partial<OmniFlowBridgeProps> => ({
  privateKeyParameterName: undefined,
  privateKeySecretArn: arn,
});

describe('Construct: OmniFlowBridge', () => {
  describe('Grants: what the function may read (IAM wildcard semantics)', () => {
    describe('an SSM parameter', () => {
      it('allows exactly the parameter a name gives', () => {
        const all = grants({ privateKeyParameterName: '/connect/salesforce/private-key' });

        expect(allows(all, 'ssm:GetParameter', `${SSM}/connect/salesforce/private-key`)).toBe(true);
        expect(allows(all, 'ssm:GetParameter', `${SSM}/connect/salesforce/private-key-old`)).toBe(false);
        expect(allows(all, 'ssm:GetParameter', `${SSM}/connect/salesforce/private-key/x`)).toBe(false);
        expect(allows(all, 'ssm:GetParameter', `${SSM}/connect/salesforce`)).toBe(false);
        expect(allows(all, 'ssm:GetParameters', `${SSM}/connect/salesforce/private-key`)).toBe(false);
      });

      it.each(['/x/key:3', '/x/key:live', `${SSM}/x/key:3`, `${SSM}/x/key:live`])(
        'allows the bare parameter for %s (the selector is no part of its ARN)',
        (name) => {
          const all = grants({ privateKeyParameterName: name });

          expect(allows(all, 'ssm:GetParameter', `${SSM}/x/key`)).toBe(true);
          expect(allows(all, 'ssm:GetParameter', `${SSM}/x/key-other`)).toBe(false);
          expect(JSON.stringify(all)).not.toMatch(/key:(3|live)/);
        },
      );

      it('allows a name without a leading slash as a top-level parameter', () => {
        const all = grants({ privateKeyParameterName: 'sf-key' });

        expect(allows(all, 'ssm:GetParameter', `${SSM}/sf-key`)).toBe(true);
      });
    });

    describe('a key in Secrets Manager', () => {
      it('allows the secret a complete ARN names, and no other', () => {
        const all = grants(withSecretKey(`${SECRETS}:connect/sf-key-AbC123`));

        expect(allows(all, 'secretsmanager:GetSecretValue', `${SECRETS}:connect/sf-key-AbC123`)).toBe(true);
        expect(allows(all, 'secretsmanager:GetSecretValue', `${SECRETS}:connect/sf-key-XyZ789`)).toBe(false);
        expect(allows(all, 'secretsmanager:GetSecretValue', `${OTHER_ACCOUNT_SECRETS}:connect/sf-key-AbC123`)).toBe(
          false,
        );
      });

      it('allows the real secret behind a partial ARN whose name ends like a suffix (…:secret:connect-bridge)', () => {
        const all = grants(withSecretKey(`${SECRETS}:connect-bridge`));

        expect(allows(all, 'secretsmanager:GetSecretValue', `${SECRETS}:connect-bridge-AbCdEf`)).toBe(true);
        expect(allows(all, 'secretsmanager:GetSecretValue', `${SECRETS}:connect-bridge-other-AbCdEf`)).toBe(false);
        expect(allows(all, 'secretsmanager:GetSecretValue', `${SECRETS}:connect-bridge-AbCdEfG`)).toBe(false);
        expect(allows(all, 'secretsmanager:GetSecretValue', `${OTHER_ACCOUNT_SECRETS}:connect-bridge-AbCdEf`)).toBe(
          false,
        );
        expect(allows(all, 'secretsmanager:GetSecretValue', `${OTHER_REGION_SECRETS}:connect-bridge-AbCdEf`)).toBe(
          false,
        );
      });

      it('allows the real secret behind any other partial ARN, only with its six-character suffix', () => {
        const all = grants(withSecretKey(`${SECRETS}:connect/sf_key`));

        expect(allows(all, 'secretsmanager:GetSecretValue', `${SECRETS}:connect/sf_key-AbCdEf`)).toBe(true);
        expect(allows(all, 'secretsmanager:GetSecretValue', `${SECRETS}:connect/sf_key-other-AbCdEf`)).toBe(false);
        expect(allows(all, 'secretsmanager:GetSecretValue', `${SECRETS}:connect/sf_key2-AbCdEf`)).toBe(false);
      });
    });

    describe('the contact-centre secret (secretName)', () => {
      const CONTACT_CENTRE: Partial<OmniFlowBridgeProps> = {
        privateKeyParameterName: undefined,
        scrtEndpointBase: undefined,
        salesforceOrgId: undefined,
        callCenterApiName: undefined,
      };

      it("allows a name's secret in this account and region, whatever its suffix, and reads nothing else", () => {
        const all = grants({ ...CONTACT_CENTRE, secretName: 'sfdc/contact-center' });

        expect(allowedActions(all)).toEqual([
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'secretsmanager:GetSecretValue',
        ]);
        expect(allows(all, 'secretsmanager:GetSecretValue', `${SECRETS}:sfdc/contact-center-AbCdEf`)).toBe(true);
        expect(allows(all, 'secretsmanager:GetSecretValue', `${SECRETS}:sfdc/contact-center-b-AbCdEf`)).toBe(false);
        expect(allows(all, 'secretsmanager:GetSecretValue', `${SECRETS}:sfdc/contact-centers-AbCdEf`)).toBe(false);
        expect(allows(all, 'secretsmanager:GetSecretValue', `${OTHER_REGION_SECRETS}:sfdc/contact-center-AbCdEf`)).toBe(
          false,
        );
      });

      it('follows the partial-ARN rules for an ARN', () => {
        const all = grants({ ...CONTACT_CENTRE, secretName: `${SECRETS}:connect-bridge` });

        expect(allows(all, 'secretsmanager:GetSecretValue', `${SECRETS}:connect-bridge-AbCdEf`)).toBe(true);
        expect(allows(all, 'secretsmanager:GetSecretValue', `${SECRETS}:connect-bridge-other-AbCdEf`)).toBe(false);
      });

      it('decrypts with the KMS key through Secrets Manager only', () => {
        const all = grants({ ...CONTACT_CENTRE, secretName: 'sfdc/contact-center', kmsKeyArn: KMS_ARN });

        expect(all.find((s) => s.Action === 'kms:Decrypt')!.Condition).toEqual({
          StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-2.amazonaws.com' },
        });
      });
    });

    describe("other orgs' secrets", () => {
      it('allows exactly the listed ARNs, complete or partial', () => {
        const all = grants({ orgSecretArns: [`${SECRETS}:org-b-Q1w2E3`, `${SECRETS}:org-c`] });

        expect(allows(all, 'secretsmanager:GetSecretValue', `${SECRETS}:org-b-Q1w2E3`)).toBe(true);
        expect(allows(all, 'secretsmanager:GetSecretValue', `${SECRETS}:org-c-AbCdEf`)).toBe(true);
        expect(allows(all, 'secretsmanager:GetSecretValue', `${SECRETS}:org-d-AbCdEf`)).toBe(false);
        expect(allows(all, 'ssm:GetParameter', `${SSM}/connect/salesforce/private-key`)).toBe(true);
      });

      it('allows every secret whose name starts with the prefix, in this account and region only', () => {
        const all = grants({ orgSecretNamePrefix: 'sfdc/' });

        expect(allows(all, 'secretsmanager:GetSecretValue', `${SECRETS}:sfdc/org-b-AbCdEf`)).toBe(true);
        expect(allows(all, 'secretsmanager:GetSecretValue', `${SECRETS}:sfdc/emea/org-c-AbCdEf`)).toBe(true);
        expect(allows(all, 'secretsmanager:GetSecretValue', `${SECRETS}:other/org-AbCdEf`)).toBe(false);
        expect(allows(all, 'secretsmanager:GetSecretValue', `${SECRETS}:xsfdc/org-AbCdEf`)).toBe(false);
        expect(allows(all, 'secretsmanager:GetSecretValue', `${OTHER_ACCOUNT_SECRETS}:sfdc/org-b-AbCdEf`)).toBe(false);
        expect(allows(all, 'secretsmanager:GetSecretValue', `${OTHER_REGION_SECRETS}:sfdc/org-b-AbCdEf`)).toBe(false);
      });

      it('adds nothing but GetSecretValue, and decrypts through both key stores when the key is in SSM', () => {
        const all = grants({ orgSecretNamePrefix: 'sfdc/', orgSecretArns: [`${SECRETS}:org-b`], kmsKeyArn: KMS_ARN });

        expect(allowedActions(all)).toEqual([
          'kms:Decrypt',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'secretsmanager:GetSecretValue',
          'ssm:GetParameter',
        ]);
        expect(all.find((s) => s.Action === 'kms:Decrypt')!.Condition).toEqual({
          StringEquals: { 'kms:ViaService': ['ssm.eu-west-2.amazonaws.com', 'secretsmanager.eu-west-2.amazonaws.com'] },
        });
      });
    });
  });
});
