import { describe, expect, it } from 'vitest';
import { accountOf, type SecretContext, sameSecret } from '../../lambda/src/key/secret-ids.ts';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sfdc/acme-AbCdEf';
const PARTIAL = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sfdc/acme';
const HERE: SecretContext = { region: 'us-east-1', account: '123456789012', arn: undefined };
const READ: SecretContext = { ...HERE, arn: ARN };

describe('Function: sameSecret', () => {
  it.each([
    ['the same name', 'sfdc/acme', 'sfdc/acme', HERE],
    ['its complete ARN, once read', ARN, 'sfdc/acme', READ],
    ['its partial ARN, once read', PARTIAL, 'sfdc/acme', READ],
    ['its partial ARN, not yet read', PARTIAL, 'sfdc/acme', HERE],
    ['its name, the setting being the ARN', 'sfdc/acme', ARN, READ],
    ['its name, the setting being a partial ARN', 'sfdc/acme', PARTIAL, HERE],
  ])("takes %s as the function's own secret", (_label, named, own, context) => {
    expect(sameSecret(named, own, context)).toBe(true);
  });

  it.each([
    ['another secret', 'sfdc/partner', 'sfdc/acme', READ],
    ['a longer name that only looks like a complete ARN, not yet read', ARN, 'sfdc/acme', HERE],
    [
      'the ARN of a secret whose name extends it',
      `${PARTIAL}-bridge`,
      'sfdc/acme',
      { ...READ, arn: `${PARTIAL}-XyZ123` },
    ],
    [
      'the same name in another region',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sfdc/acme',
      'sfdc/acme',
      READ,
    ],
    [
      'the same name in another account',
      'arn:aws:secretsmanager:us-east-1:999999999999:secret:sfdc/acme',
      'sfdc/acme',
      HERE,
    ],
    ['an ARN when the account is unknown', PARTIAL, 'sfdc/acme', { ...HERE, account: undefined }],
  ])("does not take %s as the function's own", (_label, named, own, context) => {
    expect(sameSecret(named, own, context)).toBe(false);
  });
});

describe('Function: accountOf', () => {
  it('reads the account of a function ARN, with or without an alias; undefined for anything else', () => {
    expect(accountOf('arn:aws:lambda:us-east-1:123456789012:function:bridge:live')).toBe('123456789012');
    expect(accountOf('arn:aws-cn:lambda:cn-north-1:123456789012:function:bridge')).toBe('123456789012');
    expect(accountOf('arn:aws:s3:::bucket')).toBeUndefined();
    expect(accountOf(undefined)).toBeUndefined();
  });
});
