import { KeyError } from '../../../lambda/src/errors.ts';
import { KEY_FIELD_SUFFIX, parseContactCentreSecret } from '../../../lambda/src/key/org-sources.ts';
import { parsePrivateKey } from '../../../lambda/src/key/pem.ts';
import type { Org } from '../../../lambda/src/key/source.ts';
import { type Check, type DoctorState, fail, pass, skip } from '../check.ts';

/** Salesforce takes 2048- or 4096-bit keys (1024 is possible but weak); the doctor asks for at least this. */
export const MIN_KEY_BITS = 2048;

/**
 * The key is an RSA private key of at least {@link MIN_KEY_BITS} bits, parsed by the function's own code; with the
 * contact-centre secret, its org fields are checked too. The key itself is never printed.
 */
export const privateKeyCheck: Check = {
  title: `RSA private key (≥ ${MIN_KEY_BITS} bits)`,
  async run(state) {
    if (!state.config || !state.stored) return skip('needs a readable key store');
    let org: Org;
    try {
      org = parseOrg(state);
    } catch (error) {
      if (!(error instanceof KeyError)) throw error;
      return fail(error.message, fixFor(state, error.message));
    }
    const bits = org.key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_KEY_BITS) return fail(`${state.stored.description} holds a ${bits}-bit RSA key`, SHORT_KEY_FIX);
    state.org = org;
    const { orgId, callCenterApiName } = org.settings;
    return pass(`${bits}-bit RSA key, signing for org ${orgId}, call center ${callCenterApiName}`);
  },
};

function parseOrg({ config, stored }: DoctorState): Org {
  const { home } = config!;
  if (home.kind === 'secret') return parseContactCentreSecret(stored!.value, stored!.description, home.overrides);
  return { settings: home.settings, key: parsePrivateKey(stored!.value, stored!.description) };
}

const SHORT_KEY_FIX = `Salesforce needs ${MIN_KEY_BITS} (or 4096) bits: make a new key pair, upload its certificate to the call center, then store the new key`;

function fixFor({ config }: DoctorState, message: string): string {
  if (/-bit RSA key|shorter than/.test(message)) return SHORT_KEY_FIX;
  if (config!.home.kind === 'secret') {
    return `the contact-centre secret must be JSON with SALESFORCE_ORG_ID, SCRT_ENDPOINT_BASE, CALL_CENTER_API_NAME and <CALL_CENTER_API_NAME>${KEY_FIELD_SUFFIX} (the PEM private key)`;
  }
  return 'store the call center’s private key as an unencrypted PEM (BEGIN RSA PRIVATE KEY or BEGIN PRIVATE KEY)';
}
