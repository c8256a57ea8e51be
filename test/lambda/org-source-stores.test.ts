import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../lambda/src/config.ts';
import { Deadline } from '../../lambda/src/deadline.ts';
import {
  ContactCentreSecretSource,
  EnvOrgSource,
  homeOrgSource,
  parseContactCentreSecret,
} from '../../lambda/src/key/org-sources.ts';
import { orgCacheFor } from '../../lambda/src/key/orgs.ts';
import type { KeySource } from '../../lambda/src/key/source.ts';
import type { AwsEmulator } from '../emulators/aws.ts';
import { useAwsEmulator } from '../support/aws-emulator-suite.ts';

const PEM = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const ORG = {
  orgId: '00DKz000001AbCdEAA',
  endpointBase: 'https://acme.my.salesforce-scrt.com/telephony/v1',
  callCenterApiName: 'AcmeCenter',
};
const SECRET = 'sfdc/contact-centre/acme';

/** Salesforce's contact-centre secret: the org's settings and the call center's key, as its setup stores them. */
const contactCentreSecret = ({ privateKeyPem, ...org }: typeof ORG & { privateKeyPem: string }) =>
  JSON.stringify({
    SALESFORCE_ORG_ID: org.orgId,
    SCRT_ENDPOINT_BASE: org.endpointBase,
    CALL_CENTER_API_NAME: org.callCenterApiName,
    [`${org.callCenterApiName}-scrt-jwt-auth-private-key`]: privateKeyPem,
  });

let aws: AwsEmulator;

useAwsEmulator((started) => {
  aws = started;
  aws.secrets.set(SECRET, contactCentreSecret({ ...ORG, privateKeyPem: PEM }));
});

describe('Class: ContactCentreSecretSource', () => {
  it('names the secret and what named it, reads and parses it, and keeps its complete ARN', async () => {
    // Prepare
    const source = new ContactCentreSecretSource(SECRET, 'SECRET_NAME');
    const before = source.arn;

    // Act
    await expect(source.prepare()).resolves.toBeUndefined();
    const org = await source.load(AbortSignal.timeout(5_000));

    // Assess
    expect(source.description).toBe(`Secrets Manager secret ${SECRET} (SECRET_NAME)`);
    expect(before).toBeUndefined();
    expect(source.arn).toBe(`arn:aws:secretsmanager:us-east-1:123456789012:secret:${SECRET}-AbCdEf`);
    expect(org.settings).toEqual(ORG);
    expect(org.key.asymmetricKeyType).toBe('rsa');
    expect(aws.counts.getSecretValue).toBe(1);
  });

  it('lets the settings given in the environment win over the fields of the secret', async () => {
    const source = new ContactCentreSecretSource(SECRET, 'SECRET_NAME', { callCenterApiName: 'Override' });

    const org = await source.load(AbortSignal.timeout(5_000));

    expect(org.settings).toEqual({ ...ORG, callCenterApiName: 'Override' });
  });

  it('names the secret in a failure', async () => {
    const source = new ContactCentreSecretSource('sfdc/missing', 'secretName in the event');

    await expect(source.load(AbortSignal.timeout(5_000))).rejects.toThrow(
      'Secrets Manager secret sfdc/missing (secretName in the event) was not found',
    );
  });
});

describe('Class: EnvOrgSource', () => {
  it('prepares a key source that has nothing to prepare', async () => {
    const keys: KeySource = { description: 'in memory', fetch: async () => PEM };

    await expect(new EnvOrgSource(keys, ORG).prepare()).resolves.toBeUndefined();
  });
});

describe('Function: homeOrgSource', () => {
  it.each<[string, Parameters<typeof homeOrgSource>[0], unknown, string]>([
    [
      "the contact-centre secret's",
      { kind: 'secret', secretName: SECRET, overrides: {} },
      ContactCentreSecretSource,
      `Secrets Manager secret ${SECRET} (SECRET_NAME)`,
    ],
    [
      'an SSM parameter',
      { kind: 'env', settings: ORG, key: { kind: 'ssm', name: '/k', variable: 'PRIVATE_KEY_PARAM_NAME' } },
      EnvOrgSource,
      'SSM parameter /k (PRIVATE_KEY_PARAM_NAME)',
    ],
    [
      'a Secrets Manager secret',
      { kind: 'env', settings: ORG, key: { kind: 'secretsmanager', id: 'k', variable: 'PRIVATE_KEY_SECRET_ID' } },
      EnvOrgSource,
      'Secrets Manager secret k (PRIVATE_KEY_SECRET_ID)',
    ],
  ])('reads %s key, named in messages', (_label, home, kind, description) => {
    const source = homeOrgSource(home);

    expect(source).toBeInstanceOf(kind);
    expect(source.description).toBe(description);
  });
});

describe('Function: parseContactCentreSecret', () => {
  it.each(['"a string"', '42', 'null', '[]'])('refuses %s as no JSON object', (stored) => {
    expect(() => parseContactCentreSecret(stored, 'the secret')).toThrow(
      "the secret is not a JSON object: expected Salesforce's contact-centre secret",
    );
  });
});

describe('Function: orgCacheFor', () => {
  it('reads a per-call secret as a contact-centre secret named by the event, and keeps orgs as the settings say', async () => {
    // Prepare: no caching (TTL 0), room for one per-call org
    const orgs = orgCacheFor(readConfig({ SECRET_NAME: SECRET, KEY_CACHE_TTL_SECONDS: '0', ORG_CACHE_SIZE: '1' }));

    // Act
    const first = await orgs.get(SECRET, Deadline.in(5_000));
    await orgs.get(SECRET, Deadline.in(5_000));
    const missing = await orgs.get('sfdc/missing', Deadline.in(5_000)).catch((error: unknown) => error);

    // Assess
    expect(orgs.home.description).toBe(`Secrets Manager secret ${SECRET} (SECRET_NAME)`);
    expect(first.org.settings).toEqual(ORG);
    expect(aws.secretReads.get(SECRET)).toBe(2);
    expect(missing).toMatchObject({
      message: 'Secrets Manager secret sfdc/missing (secretName in the event) was not found',
    });
  });

  it('keeps as many per-call orgs as ORG_CACHE_SIZE says', async () => {
    const orgs = orgCacheFor(readConfig({ SECRET_NAME: SECRET, ORG_CACHE_SIZE: '1' }));
    aws.secrets.set('sfdc/other', contactCentreSecret({ ...ORG, privateKeyPem: PEM }));

    for (const name of [SECRET, 'sfdc/other', SECRET]) await orgs.get(name, Deadline.in(5_000));

    expect(aws.secretReads.get(SECRET)).toBe(2);
  });
});
