import type { BridgeConfig, HomeOrgSetting } from '../config.ts';
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
    sourceFor: (secretName) => new ContactCentreSecretSource(secretName, 'secretName in the event'),
  });
}

/**
 * Loads the AWS SDK client the function's own org is read with — SSM, or Secrets Manager — which the key source would
 * otherwise load with its first read: awaited before the read starts, its request leaves at once, before the rest of
 * the function is loaded.
 */
export async function loadHomeKeyStore(home: HomeOrgSetting): Promise<void> {
  await (home.kind === 'env' && home.key.kind === 'ssm' ? import('./ssm-sdk.ts') : import('./secrets-manager-sdk.ts'));
}
