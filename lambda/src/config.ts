import { ConfigError } from './errors.ts';

/** Where the contact centre's RSA private key lives. */
export type KeySourceSetting =
  | { readonly kind: 'ssm'; readonly name: string; readonly variable: 'PRIVATE_KEY_PARAM_NAME' }
  | { readonly kind: 'secretsmanager'; readonly id: string; readonly variable: 'PRIVATE_KEY_SECRET_ID' };

export type OnError = 'throw' | 'attributes';
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The bridge's settings, read from the environment once per container. */
export interface BridgeConfig {
  /** `SCRT_ENDPOINT_BASE` without its trailing slash, e.g. `https://acme.my.salesforce-scrt.com/telephony/v1`. */
  readonly endpointBase: string;
  readonly orgId: string;
  readonly callCenterApiName: string;
  readonly keySource: KeySourceSetting;
  readonly telephonyProviderName: string;
  readonly defaultFlowDevName: string | undefined;
  readonly defaultFallbackQueue: string | undefined;
  readonly keyCacheTtlMs: number;
  readonly onError: OnError;
  readonly logLevel: LogLevel;
}

export const DEFAULT_TELEPHONY_PROVIDER_NAME = 'amazon-connect';
export const DEFAULT_KEY_CACHE_TTL_SECONDS = 900;
const MAX_KEY_CACHE_TTL_SECONDS = 86_400;
const ORG_ID = /^00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/;
const API_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;
const HEADER_VALUE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** Every environment variable the function reads (besides the AWS SDK's and Node's own). */
export const SETTING_NAMES = [
  'SCRT_ENDPOINT_BASE',
  'SALESFORCE_ORG_ID',
  'CALL_CENTER_API_NAME',
  'PRIVATE_KEY_PARAM_NAME',
  'PRIVATE_KEY_SECRET_ID',
  'TELEPHONY_PROVIDER_NAME',
  'DEFAULT_FLOW_DEV_NAME',
  'DEFAULT_FALLBACK_QUEUE',
  'KEY_CACHE_TTL_SECONDS',
  'ON_ERROR',
  'LOG_LEVEL',
] as const;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and validates every setting. Throws a {@link ConfigError} naming the first variable that is missing or
 * invalid; the message never repeats a value that could be secret.
 */
export function readConfig(env: Env = process.env): BridgeConfig {
  return {
    endpointBase: endpointBase(required(env, 'SCRT_ENDPOINT_BASE')),
    orgId: matching(env, 'SALESFORCE_ORG_ID', ORG_ID, 'a 15- or 18-character Salesforce org id starting with 00D'),
    callCenterApiName: matching(env, 'CALL_CENTER_API_NAME', API_NAME, 'the API name of the Salesforce call center'),
    keySource: keySource(env),
    telephonyProviderName: optional(env, 'TELEPHONY_PROVIDER_NAME') ?? DEFAULT_TELEPHONY_PROVIDER_NAME,
    defaultFlowDevName: optional(env, 'DEFAULT_FLOW_DEV_NAME'),
    defaultFallbackQueue: optional(env, 'DEFAULT_FALLBACK_QUEUE'),
    keyCacheTtlMs: 1000 * keyCacheTtlSeconds(optional(env, 'KEY_CACHE_TTL_SECONDS')),
    onError: oneOf(env, 'ON_ERROR', ['throw', 'attributes'] as const, 'throw'),
    logLevel: logLevel(env),
  };
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  if (!HEADER_VALUE.test(value)) throw new ConfigError(`${name} contains control or non-ASCII characters`);
  return value;
}

function required(env: Env, name: string): string {
  const value = optional(env, name);
  if (value === undefined) throw new ConfigError(`${name} is not set`);
  return value;
}

function matching(env: Env, name: string, pattern: RegExp, expected: string): string {
  const value = required(env, name);
  if (!pattern.test(value)) throw new ConfigError(`${name} is not valid: expected ${expected}`);
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
    throw new ConfigError(
      'SCRT_ENDPOINT_BASE is not a URL: expected https://<MyDomain>.my.salesforce-scrt.com/telephony/v1',
    );
  }
  if (url.protocol !== 'https:') throw new ConfigError('SCRT_ENDPOINT_BASE must use https');
  if (url.username || url.password || url.search || url.hash) {
    throw new ConfigError('SCRT_ENDPOINT_BASE must not carry credentials, a query or a fragment');
  }
  const path = url.pathname.replace(/\/$/, '');
  if (!path.endsWith('/telephony/v1')) throw new ConfigError('SCRT_ENDPOINT_BASE must end with /telephony/v1');
  return `${url.origin}${path}`;
}

function keySource(env: Env): KeySourceSetting {
  const name = optional(env, 'PRIVATE_KEY_PARAM_NAME');
  const id = optional(env, 'PRIVATE_KEY_SECRET_ID');
  if (name && id) throw new ConfigError('set only one of PRIVATE_KEY_PARAM_NAME and PRIVATE_KEY_SECRET_ID, not both');
  if (name) return { kind: 'ssm', name, variable: 'PRIVATE_KEY_PARAM_NAME' };
  if (id) return { kind: 'secretsmanager', id, variable: 'PRIVATE_KEY_SECRET_ID' };
  throw new ConfigError(
    'PRIVATE_KEY_PARAM_NAME (SSM parameter) or PRIVATE_KEY_SECRET_ID (Secrets Manager secret) must be set',
  );
}

function keyCacheTtlSeconds(value: string | undefined): number {
  if (value === undefined) return DEFAULT_KEY_CACHE_TTL_SECONDS;
  const seconds = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(seconds <= MAX_KEY_CACHE_TTL_SECONDS)) {
    throw new ConfigError(
      `KEY_CACHE_TTL_SECONDS must be a whole number of seconds from 0 to ${MAX_KEY_CACHE_TTL_SECONDS}`,
    );
  }
  return seconds;
}

/** `LOG_LEVEL`, else the level Lambda's advanced logging controls set (`AWS_LAMBDA_LOG_LEVEL`), else INFO. */
function logLevel(env: Env): LogLevel {
  const raw = (optional(env, 'LOG_LEVEL') ?? optional(env, 'AWS_LAMBDA_LOG_LEVEL') ?? 'INFO').toUpperCase();
  const level = raw === 'TRACE' ? 'DEBUG' : raw === 'FATAL' ? 'ERROR' : raw;
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return level as LogLevel;
}
