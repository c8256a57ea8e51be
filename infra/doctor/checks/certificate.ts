import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { type Check, fail, pass, skip } from '../check.ts';

/**
 * With `--certificate FILE`: the key belongs to the certificate uploaded to the Salesforce call center (the public
 * key Salesforce verifies the token with).
 */
export const certificateCheck: Check = {
  title: 'key matches the call center’s certificate',
  async run(state) {
    const file = state.options.certificateFile!;
    if (!state.org) return skip('needs the private key');
    const fix = 'give --certificate the certificate file (BEGIN CERTIFICATE) uploaded to the call center in Salesforce';
    let pem: Buffer;
    try {
      pem = readFileSync(file);
    } catch (error) {
      return fail(`${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, fix);
    }
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(pem);
    } catch {
      return fail(`${file} is not a PEM certificate`, fix);
    }
    const subject = certificate.subject.replace(/\n/g, ', ');
    if (!certificate.checkPrivateKey(state.org.key)) {
      return fail(
        `${file} (${subject}) is the certificate of another key pair`,
        'upload the certificate of the stored key to the call center in Salesforce, or store the key this certificate belongs to',
      );
    }
    return pass(`${file} (${subject}) holds this key’s public key`);
  },
};
