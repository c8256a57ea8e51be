import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

/** A throw-away CA and a server certificate for `localhost` / `127.0.0.1` signed by it. */
export interface TestTls {
  /** The CA certificate (PEM) and the file holding it, for `NODE_EXTRA_CA_CERTS`. */
  readonly caPem: string;
  readonly caFile: string;
  readonly serverKeyPem: string;
  readonly serverCertPem: string;
}

/** Generates a fresh test CA and server certificate, valid for a day, and writes the CA to a temporary file. */
export async function createTestTls(): Promise<TestTls> {
  const now = Date.now();
  const validity = { notBefore: new Date(now - DAY_MS), notAfter: new Date(now + DAY_MS) };
  const caKeys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=connect-omniflow-bridge test CA',
    ...validity,
    signingAlgorithm: EC,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const serverKeys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=localhost',
    issuer: ca.subject,
    ...validity,
    signingAlgorithm: EC,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', serverKeys.privateKey));
  const caPem = ca.toString('pem');
  const caFile = join(await mkdtemp(join(tmpdir(), 'omniflow-ca-')), 'test-ca.pem');
  await writeFile(caFile, `${caPem}\n`);
  return { caPem, caFile, serverKeyPem: pemOf('PRIVATE KEY', pkcs8), serverCertPem: server.toString('pem') };
}

/** A contact-centre RSA key pair, as Salesforce's CallCenter record (public) and SSM (private) would hold it. */
export interface CallCenterKeys {
  /** PKCS#8 PEM. */
  readonly privateKeyPem: string;
  /** PKCS#1 PEM of the same key. */
  readonly privateKeyPkcs1Pem: string;
  readonly publicKeyPem: string;
}

export function createCallCenterKeys(modulusLength = 2048): CallCenterKeys {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    privateKeyPkcs1Pem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function pemOf(label: string, der: Buffer): string {
  const lines = der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n');
  return `-----BEGIN ${label}-----\n${lines}\n-----END ${label}-----\n`;
}
