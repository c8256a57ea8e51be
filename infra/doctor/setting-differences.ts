import type { BridgeConfig, SETTING_NAMES } from '../../lambda/src/config.ts';

/** The settings compared between the file and the deployed function: all but LOG_LEVEL (Lambda's logging controls set it). */
export type ComparedSetting = Exclude<(typeof SETTING_NAMES)[number], 'LOG_LEVEL'>;

/**
 * The value each setting takes effect with, defaults applied and endpoints normalised, so `FLOW_BLOCK_TIMEOUT_SECONDS`
 * absent and `=8` compare equal. Pure.
 */
export function effectiveSettings(config: BridgeConfig): Readonly<Record<ComparedSetting, string | undefined>> {
  const { home, orgRecords } = config;
  const org = home.kind === 'env' ? home.settings : home.overrides;
  const key = home.kind === 'env' ? home.key : undefined;
  return {
    SECRET_NAME: home.kind === 'secret' ? home.secretName : undefined,
    SCRT_ENDPOINT_BASE: org.endpointBase,
    SALESFORCE_ORG_ID: org.orgId,
    CALL_CENTER_API_NAME: org.callCenterApiName,
    PRIVATE_KEY_PARAM_NAME: key?.kind === 'ssm' ? key.name : undefined,
    PRIVATE_KEY_SECRET_ID: key?.kind === 'secretsmanager' ? key.id : undefined,
    TELEPHONY_PROVIDER_NAME: config.telephonyProviderName,
    DEFAULT_FLOW_DEV_NAME: config.defaultFlowDevName,
    DEFAULT_FALLBACK_QUEUE: config.defaultFallbackQueue,
    KEY_CACHE_TTL_SECONDS: String(config.keyCacheTtlMs / 1000),
    ORG_CACHE_SIZE: String(config.orgCacheSize),
    FLOW_BLOCK_TIMEOUT_SECONDS: String(config.flowBlockTimeoutMs / 1000),
    ON_ERROR: config.onError,
    SECRET_CACHE_S3:
      orgRecords && (orgRecords.folder ? `${orgRecords.bucket}/${orgRecords.folder}` : orgRecords.bucket),
  };
}

/** One setting whose deployed value is not the file's. */
export interface SettingDifference {
  readonly name: ComparedSetting;
  readonly deployed: string | undefined;
  readonly file: string | undefined;
}

/**
 * The settings that differ between the deployed function and the file. A secret or parameter given by name on one
 * side and by ARN on the other is the same item. Pure.
 */
export function settingDifferences(file: BridgeConfig, deployed: BridgeConfig): SettingDifference[] {
  const ours = effectiveSettings(file);
  const theirs = effectiveSettings(deployed);
  return (Object.keys(ours) as ComparedSetting[])
    .filter((name) => !sameValue(name, ours[name], theirs[name]))
    .map((name) => ({ name, deployed: theirs[name], file: ours[name] }));
}

function sameValue(name: ComparedSetting, a: string | undefined, b: string | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (name === 'PRIVATE_KEY_PARAM_NAME') return parameterName(a) === parameterName(b);
  if (name === 'SECRET_NAME' || name === 'PRIVATE_KEY_SECRET_ID') {
    const names = secretNames(a);
    return secretNames(b).some((candidate) => names.includes(candidate));
  }
  return false;
}

/** `/a/b` from `/a/b` or `arn:aws:ssm:<region>:<account>:parameter/a/b` (an ARN drops a path's leading slash). */
function parameterName(nameOrArn: string): string {
  const resource = /^arn:aws[a-z-]*:ssm:[^:]*:\d{12}:parameter\/(.+)$/.exec(nameOrArn)?.[1];
  if (resource === undefined) return nameOrArn;
  return resource.includes('/') ? `/${resource}` : resource;
}

/** The names a secret id may stand for: itself, or from an ARN its name with and without Secrets Manager's suffix. */
function secretNames(idOrArn: string): string[] {
  const resource = /^arn:aws[a-z-]*:secretsmanager:[^:]*:\d{12}:secret:(.+)$/.exec(idOrArn)?.[1];
  if (resource === undefined) return [idOrArn];
  return [resource, resource.replace(/-[A-Za-z0-9]{6}$/, '')];
}
