import { describe, expect, it } from 'vitest';
import { accountOf, type SecretContext, sameSecret } from '../../lambda/src/key/secret-ids.ts';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sfdc/acme-AbCdEf';
const PARTIAL = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sfdc/acme';
const HERE: SecretContext = { region: 'us-east-1', account: '123456789012', arn: undefined };

describe('Function: sameSecret', () => {
  it("takes the setting's own text, even an ARN of another region", () => {
    const elsewhere = 'arn:aws:secretsmanager:eu-west-1:999999999999:secret:sfdc/acme';

    expect(sameSecret(elsewhere, elsewhere, HERE)).toBe(true);
  });

  it('takes the partial ARN of the ARN read, though the account is unknown', () => {
    expect(sameSecret(PARTIAL, 'sfdc/acme', { region: 'us-east-1', account: undefined, arn: ARN })).toBe(true);
  });

  it('does not take another name when the ARN read is of another account', () => {
    const foreign = 'arn:aws:secretsmanager:us-east-1:999999999999:secret:sfdc/acme-AbCdEf';

    expect(sameSecret('sfdc/other', 'sfdc/acme', { ...HERE, arn: foreign })).toBe(false);
  });

  it('does not take two ARNs of another region for the same secret', () => {
    const own = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sfdc/acme';
    const named = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sfdc/partner';

    expect(sameSecret(named, own, HERE)).toBe(false);
  });

  it.each([
    ['text before it', `see ${PARTIAL}`],
    ['a line after it', `${PARTIAL}\nmore`],
  ])('does not read an ARN with %s as one', (_label, named) => {
    expect(sameSecret(named, 'sfdc/acme', HERE)).toBe(false);
  });

  it.each([
    ['aws-cn', 'cn-north-1'],
    ['aws-us-gov', 'us-gov-west-1'],
  ])('reads an ARN in the %s partition', (partition, region) => {
    const named = `arn:${partition}:secretsmanager:${region}:123456789012:secret:sfdc/acme`;

    expect(sameSecret(named, 'sfdc/acme', { ...HERE, region })).toBe(true);
  });
});

describe('Function: accountOf', () => {
  it('reads nothing from a function ARN with text before it', () => {
    expect(accountOf('see arn:aws:lambda:us-east-1:123456789012:function:bridge')).toBeUndefined();
  });

  it('reads an aws-us-gov function ARN', () => {
    expect(accountOf('arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:bridge')).toBe('123456789012');
  });
});
