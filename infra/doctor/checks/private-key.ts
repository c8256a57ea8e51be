import { KeyError } from '../../../lambda/src/errors.ts';
import { KEY_FIELD_SUFFIX, parseContactCentreSecret } from '../../../lambda/src/key/org-sources.ts';
import { MIN_MODULUS_BITS, parsePrivateKey } from '../../../lambda/src/key/pem.ts';
import type { Org } from '../../../lambda/src/key/source.ts';
import { type Check, type DoctorState, fail, pass, skip } from '../check.ts';

/**
 * The key is an RSA private key the function accepts (at least {@link MIN_MODULUS_BITS} bits), parsed by the
 * function's own code; with the contact-centre secret, its org fields are checked too. The key is never printed.
 */
export const privateKeyCheck: Check = {
  title: `RSA private key (≥ ${MIN_MODULUS_BITS} bits)`,
  async run(state) {
    if (!state.config || !state.stored) return skip('needs a readable key store');
    let org: Org;
    try {
      org = parseOrg(state);
    } catch (error) {
      if (!(error instanceof KeyError)) throw error;
      return fail(error.message, fixFor(state, error.message));
    }
    state.org = org;
    const { orgId, callCenterApiName } = org.settings;
    const bits = org.key.asymmetricKeyDetails?.modulusLength;
    return pass(`${bits}-bit RSA key, signing for org ${orgId}, call center ${callCenterApiName}`);
  },
};

function parseOrg({ config, stored }: DoctorState): Org {
  const { home } = config!;
  if (home.kind === 'secret') return parseContactCentreSecret(stored!.value, stored!.description, home.overrides);
  return { settings: home.settings, key: parsePrivateKey(stored!.value, stored!.description) };
}

function fixFor({ config }: DoctorState, message: string): string {
  if (/-bit RSA key/.test(message)) {
    return `make a new ${MIN_MODULUS_BITS}-bit (or 4096-bit) key pair, upload its certificate to the call center, then store the new key`;
  }
  if (config!.home.kind === 'secret') {
    return `the contact-centre secret must be JSON with SALESFORCE_ORG_ID, SCRT_ENDPOINT_BASE, CALL_CENTER_API_NAME and <CALL_CENTER_API_NAME>${KEY_FIELD_SUFFIX} (the PEM private key)`;
  }
  return 'store the call center’s private key as an unencrypted PEM (BEGIN RSA PRIVATE KEY or BEGIN PRIVATE KEY)';
}
