import { generateKeyPairSync } from 'node:crypto';
import type { Org } from '../../lambda/src/key/source.ts';

/** The settings of the org the unit tests call. */
export const ACME_SETTINGS = {
  endpointBase: 'https://acme.my.salesforce-scrt.com/telephony/v1',
  orgId: '00DKz000001AbCdEAA',
  callCenterApiName: 'AcmeCallCenter',
} as const;

/** That org with a 2,048-bit RSA key made for this test run. */
export const ACME_ORG: Org = {
  settings: ACME_SETTINGS,
  key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
};
