import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyError } from '../../lambda/src/errors.ts';
import { KEY_FIELD_SUFFIX, parseContactCentreSecret } from '../../lambda/src/key/org-sources.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const WHERE = 'Secrets Manager secret sfdc/acme (SECRET_NAME)';

/** Salesforce's contact-centre secret, as its setup writes it. */
function secret(fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    SALESFORCE_ORG_ID: '00DKz000001AbCdEAA',
    SCRT_ENDPOINT_BASE: 'https://acme.my.salesforce-scrt.com/telephony/v1',
    CALL_CENTER_API_NAME: 'ConnectCallCenter',
    [`ConnectCallCenter${KEY_FIELD_SUFFIX}`]: PRIVATE_PEM,
    ...fields,
  });
}

function keyError(stored: string): KeyError {
  try {
    parseContactCentreSecret(stored, WHERE);
  } catch (error) {
    expect(error).toBeInstanceOf(KeyError);
    return error as KeyError;
  }
  throw new Error('the secret was accepted');
}

describe('Function: parseContactCentreSecret', () => {
  it("reads the org's settings and its key", () => {
    // Act
    const org = parseContactCentreSecret(secret(), WHERE);

    // Assess
    expect(org.settings).toEqual({
      endpointBase: 'https://acme.my.salesforce-scrt.com/telephony/v1',
      orgId: '00DKz000001AbCdEAA',
      callCenterApiName: 'ConnectCallCenter',
    });
    expect(org.key.export({ format: 'jwk' }).n).toBe(privateKey.export({ format: 'jwk' }).n);
  });

  it("lets a setting from the environment win over the secret, finding the key by the secret's own name", () => {
    const org = parseContactCentreSecret(secret(), WHERE, {
      endpointBase: 'https://staging.my.salesforce-scrt.com/telephony/v1',
      callCenterApiName: 'Renamed',
    });

    expect(org.settings).toEqual({
      endpointBase: 'https://staging.my.salesforce-scrt.com/telephony/v1',
      orgId: '00DKz000001AbCdEAA',
      callCenterApiName: 'Renamed',
    });
  });

  it('needs no field the environment supplies', () => {
    const stored = JSON.stringify({ [`ConnectCallCenter${KEY_FIELD_SUFFIX}`]: PRIVATE_PEM });

    const org = parseContactCentreSecret(stored, WHERE, {
      endpointBase: 'https://acme.my.salesforce-scrt.com/telephony/v1',
      orgId: '00DKz000001AbCdEAA',
      callCenterApiName: 'ConnectCallCenter',
    });

    expect(org.settings.orgId).toBe('00DKz000001AbCdEAA');
  });

  it.each<[string, string, string]>([
    ['not JSON', PRIVATE_PEM, `${WHERE} is not JSON`],
    ['a JSON array', '[1]', `${WHERE} is not a JSON object`],
    ['JSON null', 'null', `${WHERE} is not a JSON object`],
    ['no org id', secret({ SALESFORCE_ORG_ID: undefined }), `${WHERE} has no SALESFORCE_ORG_ID field`],
    ['a blank endpoint', secret({ SCRT_ENDPOINT_BASE: '  ' }), `${WHERE} has no SCRT_ENDPOINT_BASE field`],
    ['a number as org id', secret({ SALESFORCE_ORG_ID: 42 }), `${WHERE} has no SALESFORCE_ORG_ID field`],
    [
      'an invalid org id',
      secret({ SALESFORCE_ORG_ID: 'secret-looking-value' }),
      `${WHERE}: field SALESFORCE_ORG_ID is not valid: expected a 15- or 18-character Salesforce org id`,
    ],
    [
      'an http endpoint',
      secret({ SCRT_ENDPOINT_BASE: 'http://acme.my.salesforce-scrt.com/telephony/v1' }),
      `${WHERE}: field SCRT_ENDPOINT_BASE must use https`,
    ],
    [
      'an invalid call center name',
      secret({ CALL_CENTER_API_NAME: 'My Center' }),
      `${WHERE}: field CALL_CENTER_API_NAME is not valid`,
    ],
    [
      'no key field',
      secret({ [`ConnectCallCenter${KEY_FIELD_SUFFIX}`]: undefined }),
      `${WHERE} has no ConnectCallCenter-scrt-jwt-auth-private-key field (the private key)`,
    ],
    [
      'a public key in the key field',
      secret({ [`ConnectCallCenter${KEY_FIELD_SUFFIX}`]: PUBLIC_PEM }),
      `${WHERE}, field ConnectCallCenter-scrt-jwt-auth-private-key does not hold a PEM private key`,
    ],
    [
      'the key under another call center',
      secret({ [`ConnectCallCenter${KEY_FIELD_SUFFIX}`]: undefined, [`Other${KEY_FIELD_SUFFIX}`]: PRIVATE_PEM }),
      `${WHERE} has no ConnectCallCenter-scrt-jwt-auth-private-key field`,
    ],
  ])('refuses %s, naming the secret and the field', (_label, stored, message) => {
    const error = keyError(stored);

    expect(error.message).toContain(message);
    expect(error.message).not.toContain('secret-looking-value');
    expect(error.message).not.toContain(PRIVATE_PEM.split('\n')[1]);
  });
});
