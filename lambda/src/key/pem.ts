import { createPrivateKey, type KeyObject } from 'node:crypto';
import { KeyError } from '../errors.ts';

const PEM_BLOCK = /-----BEGIN ((?:RSA |ENCRYPTED )?PRIVATE KEY)-----([\s\S]*?)-----END \1-----/;
/** Salesforce takes 2048- or 4096-bit keys, and `jose` refuses to sign RS256 with fewer bits. */
export const MIN_MODULUS_BITS = 2048;

/**
 * Parses the stored private key into a `KeyObject`. Accepts PKCS#1 (`BEGIN RSA PRIVATE KEY`) and PKCS#8
 * (`BEGIN PRIVATE KEY`) PEM, with real newlines, newlines stored as the two characters `\n`, or none at all; a JSON
 * object whose field holds such a PEM (the usual Secrets Manager shape) works too.
 *
 * @param where - names the setting and the stored item in error messages, e.g. `SSM parameter /x (PRIVATE_KEY_PARAM_NAME)`
 * @throws {KeyError} the value is not a usable unencrypted RSA private key of at least {@link MIN_MODULUS_BITS} bits;
 *   the message never repeats the value
 */
export function parsePrivateKey(stored: string, where: string): KeyObject {
  const pem = normalisePem(stored, where);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw new KeyError(`${where} holds a PEM block that is not a valid private key`, { cause });
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new KeyError(`${where} holds a ${key.asymmetricKeyType} key; Salesforce needs an RSA key (RS256)`);
  }
  // Stryker disable next-line OptionalChaining: an RSA key always has its details
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_MODULUS_BITS) {
    throw new KeyError(
      `${where} holds a ${bits}-bit RSA key; Salesforce needs at least ${MIN_MODULUS_BITS} bits: rotate to a 2048-bit (or 4096-bit) key pair and put its certificate on the call center`,
    );
  }
  return key;
}

/** Rebuilds a canonical PEM (64-character lines) from however the key was pasted. */
export function normalisePem(stored: string, where: string): string {
  const text = pemText(stored).replace(/\\r/g, '').replace(/\\n/g, '\n');
  const match = PEM_BLOCK.exec(text);
  if (!match) {
    throw new KeyError(
      `${where} does not hold a PEM private key (expected -----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----)`,
    );
  }
  const [, label, body] = match;
  if (label === 'ENCRYPTED PRIVATE KEY')
    throw new KeyError(`${where} holds an encrypted private key; store it unencrypted`);
  const base64 = body!.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw new KeyError(`${where} holds a PEM block whose body is not base64`);
  const lines = base64.match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN ${label}-----\n${lines}\n-----END ${label}-----\n`;
}

/** The PEM itself, or the first string field holding one when the value is a JSON object. */
function pemText(stored: string): string {
  const trimmed = stored.trim();
  if (!trimmed.startsWith('{')) return trimmed;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return trimmed;
  }
  const fields = typeof parsed === 'object' && parsed !== null ? Object.values(parsed) : [];
  return fields.find((v): v is string => typeof v === 'string' && v.includes('PRIVATE KEY-----')) ?? trimmed;
}
