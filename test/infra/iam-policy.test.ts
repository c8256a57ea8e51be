import { describe, expect, it } from 'vitest';
import { allows, iamMatches, resolveResource, type Statement } from './iam-policy.ts';

describe('Test helper: IAM wildcard matching', () => {
  describe('Method: iamMatches', () => {
    it.each<[string, string, boolean]>([
      ['arn:aws:s3:::bucket', 'arn:aws:s3:::bucket', true],
      ['arn:aws:s3:::bucket', 'arn:aws:s3:::bucket2', false],
      ['arn:aws:s3:::bucket', 'arn:aws:s3:::Bucket', false],
      ['a-??????', 'a-AbCdEf', true],
      ['a-??????', 'a-AbCdE', false],
      ['a-??????', 'a-AbCdEfG', false],
      ['a-??????', 'a-x/y:zz', true],
      ['a*', 'a', true],
      ['a*', 'a/b:c-d', true],
      ['a*', 'ba', false],
      ['*', '', true],
      ['a.b', 'aXb', false],
      ['a(b)+', 'a(b)+', true],
      ['a$', 'a$', true],
    ])('%s against %s → %s', (pattern, value, expected) => {
      expect(iamMatches(pattern, value)).toBe(expected);
    });

    it('compares actions without regard to case', () => {
      expect(iamMatches('secretsmanager:GetSecretValue', 'SecretsManager:getsecretvalue', true)).toBe(true);
      expect(iamMatches('secretsmanager:Get*', 'secretsmanager:GetSecretValue', true)).toBe(true);
      expect(iamMatches('secretsmanager:Get*', 'secretsmanager:PutSecretValue', true)).toBe(false);
    });
  });

  describe('Method: resolveResource', () => {
    it('resolves the pseudo parameters CDK writes into ARNs', () => {
      const arn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':1:p']] };

      expect(resolveResource(arn)).toBe('arn:aws:ssm:eu-west-2:1:p');
    });

    it('refuses what it cannot resolve rather than guessing', () => {
      expect(() => resolveResource({ 'Fn::GetAtt': ['X', 'Arn'] })).toThrow('cannot resolve');
    });
  });

  describe('Method: allows', () => {
    const allow: Statement = { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: 'arn:aws:ssm:r:1:parameter/*' };

    it('needs a matching action and resource', () => {
      expect(allows([allow], 'ssm:GetParameter', 'arn:aws:ssm:r:1:parameter/x')).toBe(true);
      expect(allows([allow], 'ssm:GetParameters', 'arn:aws:ssm:r:1:parameter/x')).toBe(false);
      expect(allows([allow], 'ssm:GetParameter', 'arn:aws:ssm:r:2:parameter/x')).toBe(false);
    });

    it('lets a Deny win and does not count conditional statements', () => {
      const deny: Statement = { ...allow, Effect: 'Deny', Resource: 'arn:aws:ssm:r:1:parameter/x' };
      const conditional: Statement = { ...allow, Condition: { Bool: { 'aws:SecureTransport': 'true' } } };

      expect(allows([allow, deny], 'ssm:GetParameter', 'arn:aws:ssm:r:1:parameter/x')).toBe(false);
      expect(allows([conditional], 'ssm:GetParameter', 'arn:aws:ssm:r:1:parameter/x')).toBe(false);
    });
  });
});
