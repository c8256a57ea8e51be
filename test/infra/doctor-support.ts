import { webcrypto } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { CallCenterKeys } from '../emulators/test-ca.ts';
import { bin, type CommandRun, runCommand } from '../support/run-command.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
/** No shared AWS files and no instance metadata: only what a test's env file says counts. */
export const ISOLATED_AWS = {
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
  AWS_CONFIG_FILE: '/nonexistent/config',
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** Runs `npm run doctor -- …` as the README shows it, with only `env` (plus PATH) in its environment. */
export function doctor(args: readonly string[], env: Record<string, string> = {}): Promise<CommandRun> {
  return runCommand(bin('tsx'), ['infra/doctor/main.ts', ...args], { ...ISOLATED_AWS, ...env }, 120_000);
}

/** A fresh directory for a test's files. */
export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'doctor-'));
}

/** Writes `NAME=value` lines (the dotenv format of `--env FILE`) and returns the file's path. */
export function writeEnvFile(dir: string, variables: Record<string, string | undefined>, name = 'org.env'): string {
  const lines = Object.entries(variables)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${value}`);
  const file = join(dir, name);
  writeFileSync(file, `# written by a doctor test\n${lines.join('\n')}\n`);
  return file;
}

/** A self-signed certificate for the call center's key pair, as uploaded to the Salesforce call center. */
export async function writeCertificate(dir: string, keys: CallCenterKeys, name = 'call-center.crt'): Promise<string> {
  const der = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der(keys.privateKeyPem), RSA, false, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', der(keys.publicKeyPem), RSA, true, ['verify']);
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '0a',
    name: 'CN=ConnectCallCenter',
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 365 * 86_400_000),
    signingAlgorithm: RSA,
    keys: { privateKey, publicKey },
  });
  const file = join(dir, name);
  writeFileSync(file, certificate.toString('pem'));
  return file;
}

/** The check lines of a run (`PASS  …`, `FAIL  …`, `SKIP  …`), in order. */
export function checkLines(run: CommandRun): string[] {
  return run.stdout.split('\n').filter((line) => /^(PASS|FAIL|SKIP) {2}/.test(line));
}

/** The line of the check whose title starts with `title`. */
export function lineOf(run: CommandRun, title: string): string {
  const line = checkLines(run).find((l) => l.slice(6).startsWith(title));
  if (!line) throw new Error(`no "${title}" line in:\n${run.stdout}\n${run.stderr}`);
  return line;
}
