import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyError } from '../../lambda/src/errors.ts';
import { normalisePem, parsePrivateKey } from '../../lambda/src/key/pem.ts';

const WHERE = 'SSM parameter /k (PRIVATE_KEY_PARAM_NAME)';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const PKCS8 = rsa.export({ type: 'pkcs8', format: 'pem' }).toString();
const PKCS1 = rsa.export({ type: 'pkcs1', format: 'pem' }).toString();
const JWK_N = rsa.export({ format: 'jwk' }).n;
const rsaPem = (bits: number) =>
  generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

function keyError(stored: string): KeyError {
  try {
    parsePrivateKey(stored, WHERE);
  } catch (error) {
    expect(error).toBeInstanceOf(KeyError);
    return error as KeyError;
  }
  throw new Error('parsePrivateKey accepted the value');
}

describe('Function: parsePrivateKey', () => {
  it.each([
    ['PKCS#8 PEM', PKCS8],
    ['PKCS#1 PEM', PKCS1],
    ['PEM with newlines stored as \\n', PKCS8.replace(/\n/g, '\\n')],
    ['PKCS#1 with \\r\\n stored as text', PKCS1.replace(/\n/g, '\\r\\n')],
    ['PEM pasted on one line with spaces', PKCS1.replace(/\n(?!-----END)/g, ' ')],
    ['PEM with surrounding blanks and CRLF', `\n  ${PKCS8.replace(/\n/g, '\r\n')}  \n`],
    ['a JSON object with the PEM in a field', JSON.stringify({ privateKey: PKCS8, note: 'rotated' })],
    ['a JSON object with an escaped-newline PEM', JSON.stringify({ key: PKCS1.replace(/\n/g, '\\n') })],
  ])('reads %s as the same RSA key', (_label, stored) => {
    const key = parsePrivateKey(stored, WHERE);

    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.export({ format: 'jwk' }).n).toBe(JWK_N);
  });

  it.each([
    ['an empty-looking value', '   ', 'does not hold a PEM private key'],
    [
      'a certificate',
      '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
      'does not hold a PEM private key',
    ],
    [
      'a public key',
      generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      'does not hold a PEM private key',
    ],
    [
      'an encrypted key',
      '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----',
      'holds an encrypted private key',
    ],
    [
      'a body that is not base64',
      '-----BEGIN PRIVATE KEY-----\nnot*base64!\n-----END PRIVATE KEY-----',
      'whose body is not base64',
    ],
    ['a truncated key', `${PKCS8.slice(0, 200)}\n-----END PRIVATE KEY-----`, 'is not a valid private key'],
    [
      'an EC key',
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      'holds a ec key; Salesforce needs an RSA key',
    ],
    ['a 512-bit RSA key', rsaPem(512), 'holds a 512-bit RSA key; Salesforce needs at least 2048 bits'],
  ])('refuses %s with a message that names the item', (_label, stored, message) => {
    const error = keyError(stored);

    expect(error.message).toContain(WHERE);
    expect(error.message).toContain(message);
    expect(error.code).toBe('KEY');
  });

  it('refuses a 1024-bit RSA key as KEY, naming its size and the cure', () => {
    // jose refuses to sign RS256 with it: accepted here, it failed every call as INTERNAL.
    const error = keyError(rsaPem(1024));

    expect(error.code).toBe('KEY');
    expect(error.message).toBe(
      `${WHERE} holds a 1024-bit RSA key; Salesforce needs at least 2048 bits: rotate to a 2048-bit (or 4096-bit) key pair and put its certificate on the call center`,
    );
  });

  it('never repeats any part of the stored value in its message', () => {
    const broken = PKCS8.replace(/MII/, 'XXX');
    const body = broken.split('\n')[3]!;

    const error = keyError(broken);

    expect(error.message).not.toContain(body.slice(0, 16));
  });
});

describe('Function: normalisePem', () => {
  it('rewraps the body at 64 characters between the original labels', () => {
    const pem = normalisePem(PKCS1.replace(/\n/g, ''), WHERE);

    const lines = pem.trim().split('\n');
    expect(lines[0]).toBe('-----BEGIN RSA PRIVATE KEY-----');
    expect(lines.at(-1)).toBe('-----END RSA PRIVATE KEY-----');
    expect(lines.slice(1, -2).every((line) => line.length === 64)).toBe(true);
  });
});
