import type { BridgeConfig } from '../config.ts';
import { OrgCache } from './cache.ts';
import { ContactCentreSecretSource, homeOrgSource } from './org-sources.ts';

/**
 * The container's per-org cache: the function's own org as its settings say, and any other org by the contact-centre
 * secret a call names. Its own module so the container can start the key fetch before the rest of the function is
 * loaded.
 */
export function orgCacheFor(config: BridgeConfig): OrgCache {
  return new OrgCache(homeOrgSource(config.home), {
    ttlMs: config.keyCacheTtlMs,
    maxOrgs: config.orgCacheSize,
    sourceFor: (secretName) => new ContactCentreSecretSource(secretName, 'secretName in the event'),
  });
}
