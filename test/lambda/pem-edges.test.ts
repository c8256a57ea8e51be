import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { normalisePem, parsePrivateKey } from '../../lambda/src/key/pem.ts';

const WHERE = 'SSM parameter /k (PRIVATE_KEY_PARAM_NAME)';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const PKCS8 = rsa.export({ type: 'pkcs8', format: 'pem' }).toString();
const JWK_N = rsa.export({ format: 'jwk' }).n;
const BODY = PKCS8.split('\n').slice(1, -2).join('');

describe('Function: normalisePem', () => {
  it("rebuilds the PEM as Node writes it: 64-character lines, whatever the value's line breaks", () => {
    const oneLine = `-----BEGIN PRIVATE KEY-----${BODY}-----END PRIVATE KEY-----`;

    expect(normalisePem(oneLine, WHERE)).toBe(PKCS8);
  });

  it('refuses a body with anything but base64 in it, at its start too', () => {
    expect(() => normalisePem(`-----BEGIN PRIVATE KEY-----\n*${BODY}\n-----END PRIVATE KEY-----`, WHERE)).toThrow(
      `${WHERE} holds a PEM block whose body is not base64`,
    );
  });
});

describe('Function: parsePrivateKey', () => {
  it.each([
    ['after a field that is not a key', { note: 'rotated', privateKey: PKCS8 }],
    ['after a field that is not a string', { version: 2, privateKey: PKCS8 }],
  ])('finds the PEM in a JSON object %s', (_label, stored) => {
    expect(parsePrivateKey(JSON.stringify(stored), WHERE).export({ format: 'jwk' }).n).toBe(JWK_N);
  });

  it('reads a JSON object whose PEM has its slashes escaped (as some encoders write them), blanks around it', () => {
    const escaped = PKCS8.replace(/\n/g, '\\n').replace(/\//g, '\\/');
    const stored = `  {"privateKey": "${escaped}"}  `;

    expect(escaped).toContain('\\/');
    expect(parsePrivateKey(stored, WHERE).export({ format: 'jwk' }).n).toBe(JWK_N);
  });

  it("keeps the parser's error as the cause of a PEM block that is no key", () => {
    const stored = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----';

    let thrown: unknown;
    try {
      parsePrivateKey(stored, WHERE);
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toMatchObject({
      code: 'KEY',
      message: `${WHERE} holds a PEM block that is not a valid private key`,
    });
    expect((thrown as Error).cause).toBeInstanceOf(Error);
  });
});
