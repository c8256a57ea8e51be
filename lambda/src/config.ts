import { ConfigError } from './errors.ts';

/** Where the contact centre's RSA private key lives when the settings come from the environment. */
export type KeySourceSetting =
  | { readonly kind: 'ssm'; readonly name: string; readonly variable: 'PRIVATE_KEY_PARAM_NAME' }
  | { readonly kind: 'secretsmanager'; readonly id: string; readonly variable: 'PRIVATE_KEY_SECRET_ID' };

/** What identifies one Salesforce org's call center: where to call and the token's `iss` / `sub`. */
export interface OrgSettings {
  /** `SCRT_ENDPOINT_BASE` without its trailing slash, e.g. `https://acme.my.salesforce-scrt.com/telephony/v1`. */
  readonly endpointBase: string;
  readonly orgId: string;
  readonly callCenterApiName: string;
}

/**
 * How the function's own org is configured: Salesforce's pre-2025 layout (settings in the environment, the key in
 * SSM or Secrets Manager), or Salesforce's contact-centre secret (`SECRET_NAME`), whose fields any setting given in
 * the environment overrides.
 */
export type HomeOrgSetting =
  | { readonly kind: 'env'; readonly settings: OrgSettings; readonly key: KeySourceSetting }
  | { readonly kind: 'secret'; readonly secretName: string; readonly overrides: Partial<OrgSettings> };

/** Where the contacts' org records go (`SECRET_CACHE_S3`): an S3 bucket, and a folder (key prefix) in it. */
export interface OrgRecordSetting {
  readonly bucket: string;
  /** Without slashes at either end; undefined for the bucket's top level. */
  readonly folder: string | undefined;
}

export type OnError = 'throw' | 'attributes';
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The bridge's settings, read from the environment once per container. */
export interface BridgeConfig {
  readonly home: HomeOrgSetting;
  readonly telephonyProviderName: string;
  readonly defaultFlowDevName: string | undefined;
  readonly defaultFallbackQueue: string | undefined;
  readonly keyCacheTtlMs: number;
  /** Per-call orgs a container keeps settings and keys for at once (Salesforce hosts: the 32 most recently used). */
  readonly orgCacheSize: number;
  /** The "Invoke AWS Lambda function" block's timeout: Connect takes the Error branch after it. */
  readonly flowBlockTimeoutMs: number;
  readonly onError: OnError;
  readonly logLevel: LogLevel;
  /** The level the invocation's summary line (its metrics) is written at, whatever `logLevel`: see `Logger.summary`. */
  readonly summaryLogLevel: LogLevel;
  /** Where a create with a per-call secret, and updateCache, record the contact's org; undefined: nowhere. */
  readonly orgRecords: OrgRecordSetting | undefined;
}

export const DEFAULT_TELEPHONY_PROVIDER_NAME = 'amazon-connect';
export const DEFAULT_KEY_CACHE_TTL_SECONDS = 900;
/** Per-call orgs kept by default: a large contact centre's, at a few kilobytes each. */
export const DEFAULT_ORG_CACHE_SIZE = 1_000;
export const MAX_ORG_CACHE_SIZE = 100_000;
export const MAX_KEY_CACHE_TTL_SECONDS = 86_400;
/** Connect's block allows 1–8 s; every Salesforce sample flow sets 8. */
export const MAX_FLOW_BLOCK_TIMEOUT_SECONDS = 8;
const ORG_ID = /^00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/;
const API_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;
const HEADER_VALUE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d+\.\d+\.\d+\.\d+$/;
/** A Secrets Manager secret name (1–512 of its allowed characters) or a secret's ARN. */
const SECRET_ID =
  /^(?:[A-Za-z0-9/_+=.@-]{1,512}|arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512})$/;

/** Every environment variable the function reads (besides the AWS SDK's and Node's own). */
export const SETTING_NAMES = [
  'SECRET_NAME',
  'SCRT_ENDPOINT_BASE',
  'SALESFORCE_ORG_ID',
  'CALL_CENTER_API_NAME',
  'PRIVATE_KEY_PARAM_NAME',
  'PRIVATE_KEY_SECRET_ID',
  'TELEPHONY_PROVIDER_NAME',
  'DEFAULT_FLOW_DEV_NAME',
  'DEFAULT_FALLBACK_QUEUE',
  'KEY_CACHE_TTL_SECONDS',
  'ORG_CACHE_SIZE',
  'FLOW_BLOCK_TIMEOUT_SECONDS',
  'ON_ERROR',
  'LOG_LEVEL',
  'SECRET_CACHE_S3',
] as const;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and validates every setting. Throws a {@link ConfigError} naming the first variable that is missing or
 * invalid; the message never repeats a value that could be secret.
 */
export function readConfig(env: Env = process.env): BridgeConfig {
  return {
    home: homeOrg(env),
    telephonyProviderName: optional(env, 'TELEPHONY_PROVIDER_NAME') ?? DEFAULT_TELEPHONY_PROVIDER_NAME,
    defaultFlowDevName: optional(env, 'DEFAULT_FLOW_DEV_NAME'),
    defaultFallbackQueue: optional(env, 'DEFAULT_FALLBACK_QUEUE'),
    keyCacheTtlMs:
      1000 * wholeSeconds(env, 'KEY_CACHE_TTL_SECONDS', 0, MAX_KEY_CACHE_TTL_SECONDS, DEFAULT_KEY_CACHE_TTL_SECONDS),
    orgCacheSize: whole(env, 'ORG_CACHE_SIZE', 1, MAX_ORG_CACHE_SIZE, DEFAULT_ORG_CACHE_SIZE, 'a whole number'),
    flowBlockTimeoutMs:
      1000 *
      wholeSeconds(
        env,
        'FLOW_BLOCK_TIMEOUT_SECONDS',
        1,
        MAX_FLOW_BLOCK_TIMEOUT_SECONDS,
        MAX_FLOW_BLOCK_TIMEOUT_SECONDS,
      ),
    onError: oneOf(env, 'ON_ERROR', ['throw', 'attributes'] as const, 'throw'),
    logLevel: logLevel(env),
    summaryLogLevel: summaryLogLevel(env),
    orgRecords: orgRecords(env),
  };
}

/** The three org settings' validators, shared with the contact-centre secret's fields. */
export const ORG_SETTING_CHECKS: { readonly [K in keyof OrgSettings]: readonly [string, (value: string) => string] } = {
  endpointBase: ['SCRT_ENDPOINT_BASE', endpointBase],
  orgId: [
    'SALESFORCE_ORG_ID',
    (value) => matching(value, ORG_ID, 'a 15- or 18-character Salesforce org id starting with 00D'),
  ],
  callCenterApiName: [
    'CALL_CENTER_API_NAME',
    (value) => matching(value, API_NAME, 'the API name of the Salesforce call center'),
  ],
};

/** True for a Secrets Manager secret name or ARN. */
export function isSecretId(value: string): boolean {
  return SECRET_ID.test(value);
}

function homeOrg(env: Env): HomeOrgSetting {
  const secretName = optional(env, 'SECRET_NAME');
  const overrides = orgOverrides(env);
  if (secretName === undefined) {
    const settings = Object.fromEntries(
      Object.entries(ORG_SETTING_CHECKS).map(([field, [name]]) => {
        const value = overrides[field as keyof OrgSettings];
        if (value === undefined)
          throw new ConfigError(`${name} is not set (or set SECRET_NAME to the contact-centre secret)`);
        return [field, value];
      }),
    ) as unknown as OrgSettings;
    return { kind: 'env', settings, key: keySource(env) };
  }
  if (!isSecretId(secretName)) {
    throw new ConfigError('SECRET_NAME is not valid: expected a Secrets Manager secret name or ARN');
  }
  for (const name of ['PRIVATE_KEY_PARAM_NAME', 'PRIVATE_KEY_SECRET_ID'] as const) {
    if (optional(env, name) !== undefined) {
      throw new ConfigError(`set either SECRET_NAME (the contact-centre secret holds the key) or ${name}, not both`);
    }
  }
  return { kind: 'secret', secretName, overrides };
}

function orgOverrides(env: Env): Partial<OrgSettings> {
  const overrides: Record<string, string> = {};
  for (const [field, [name, check]] of Object.entries(ORG_SETTING_CHECKS)) {
    const value = optional(env, name);
    if (value === undefined) continue;
    try {
      overrides[field] = check(value);
    } catch (error) {
      throw new ConfigError(`${name} ${(error as Error).message}`);
    }
  }
  return overrides;
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  if (!HEADER_VALUE.test(value)) throw new ConfigError(`${name} contains control or non-ASCII characters`);
  return value;
}

function matching(value: string, pattern: RegExp, expected: string): string {
  if (!pattern.test(value)) throw new Error(`is not valid: expected ${expected}`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = optional(env, name)?.toLowerCase() ?? fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function endpointBase(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('is not a URL: expected https://<MyDomain>.my.salesforce-scrt.com/telephony/v1');
  }
  if (url.protocol !== 'https:') throw new Error('must use https');
  if (url.username || url.password || url.search || url.hash) {
    throw new Error('must not carry credentials, a query or a fragment');
  }
  const path = url.pathname.replace(/\/$/, '');
  if (!path.endsWith('/telephony/v1')) throw new Error('must end with /telephony/v1');
  return `${url.origin}${path}`;
}

/** `SECRET_CACHE_S3`: `bucket` or `bucket/folder`, as Salesforce's functions read it. */
function orgRecords(env: Env): OrgRecordSetting | undefined {
  const value = optional(env, 'SECRET_CACHE_S3');
  if (value === undefined) return undefined;
  const [bucket = '', ...rest] = value.split('/');
  const folder = rest.join('/').replace(/\/+$/, '');
  if (!S3_BUCKET.test(bucket) || IP_ADDRESS.test(bucket) || bucket.includes('..')) {
    throw new ConfigError(
      'SECRET_CACHE_S3 must start with an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)',
    );
  }
  if (folder.startsWith('/') || folder.includes('//')) {
    throw new ConfigError('SECRET_CACHE_S3 must be bucket or bucket/folder, with no empty folder names');
  }
  return { bucket, folder: folder === '' ? undefined : folder };
}

function keySource(env: Env): KeySourceSetting {
  const name = optional(env, 'PRIVATE_KEY_PARAM_NAME');
  const id = optional(env, 'PRIVATE_KEY_SECRET_ID');
  if (name && id) throw new ConfigError('set only one of PRIVATE_KEY_PARAM_NAME and PRIVATE_KEY_SECRET_ID, not both');
  if (name) return { kind: 'ssm', name, variable: 'PRIVATE_KEY_PARAM_NAME' };
  if (id) return { kind: 'secretsmanager', id, variable: 'PRIVATE_KEY_SECRET_ID' };
  throw new ConfigError(
    'PRIVATE_KEY_PARAM_NAME (SSM parameter) or PRIVATE_KEY_SECRET_ID (Secrets Manager secret) must be set, or SECRET_NAME (the contact-centre secret)',
  );
}

function wholeSeconds(env: Env, name: string, min: number, max: number, fallback: number): number {
  return whole(env, name, min, max, fallback, 'a whole number of seconds');
}

function whole(env: Env, name: string, min: number, max: number, fallback: number, what: string): number {
  const value = optional(env, name);
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max)) throw new ConfigError(`${name} must be ${what} from ${min} to ${max}`);
  return n;
}

/** `LOG_LEVEL`, else the level Lambda's advanced logging controls set (`AWS_LAMBDA_LOG_LEVEL`), else INFO. */
function logLevel(env: Env): LogLevel {
  const raw = optional(env, 'LOG_LEVEL') ?? optional(env, 'AWS_LAMBDA_LOG_LEVEL') ?? 'INFO';
  const level = levelNamed(raw);
  if (level === undefined) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

/**
 * INFO, or Lambda's application log level (`AWS_LAMBDA_LOG_LEVEL`) when it is higher: with JSON logs Lambda itself
 * drops lines below that level, and the summary line must reach CloudWatch whatever the levels.
 */
function summaryLogLevel(env: Env): LogLevel {
  const lambdaLevel = levelNamed(optional(env, 'AWS_LAMBDA_LOG_LEVEL') ?? 'INFO') ?? 'INFO';
  return LOG_LEVELS.indexOf(lambdaLevel) > LOG_LEVELS.indexOf('INFO') ? lambdaLevel : 'INFO';
}

/** The level a name means, TRACE and FATAL (Lambda's) included; undefined for anything else. */
function levelNamed(raw: string): LogLevel | undefined {
  const upper = raw.toUpperCase();
  const level = upper === 'TRACE' ? 'DEBUG' : upper === 'FATAL' ? 'ERROR' : upper;
  return (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevel) : undefined;
}
