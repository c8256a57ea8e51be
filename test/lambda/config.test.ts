import { describe, expect, it } from 'vitest';
import { readConfig } from '../../lambda/src/config.ts';
import { ConfigError } from '../../lambda/src/errors.ts';

const VALID = {
  SCRT_ENDPOINT_BASE: 'https://acme.my.salesforce-scrt.com/telephony/v1',
  SALESFORCE_ORG_ID: '00DKz000001AbCdEAA',
  CALL_CENTER_API_NAME: 'ConnectCallCenter',
  PRIVATE_KEY_PARAM_NAME: '/connect/key',
};

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    readConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('readConfig accepted the environment');
}

describe('Function: readConfig', () => {
  it('reads a minimal environment with the documented defaults', () => {
    // Act
    const config = readConfig(VALID);

    // Assess
    expect(config).toEqual({
      home: {
        kind: 'env',
        settings: {
          endpointBase: 'https://acme.my.salesforce-scrt.com/telephony/v1',
          orgId: '00DKz000001AbCdEAA',
          callCenterApiName: 'ConnectCallCenter',
        },
        key: { kind: 'ssm', name: '/connect/key', variable: 'PRIVATE_KEY_PARAM_NAME' },
      },
      telephonyProviderName: 'amazon-connect',
      defaultFlowDevName: undefined,
      defaultFallbackQueue: undefined,
      keyCacheTtlMs: 900_000,
      orgCacheSize: 1_000,
      flowBlockTimeoutMs: 8_000,
      onError: 'throw',
      logLevel: 'INFO',
      summaryLogLevel: 'INFO',
      orgRecords: undefined,
    });
  });

  it('reads every optional setting', () => {
    const config = readConfig({
      ...VALID,
      SCRT_ENDPOINT_BASE: 'https://scrt.example.net/telephony/v1/',
      PRIVATE_KEY_PARAM_NAME: undefined,
      PRIVATE_KEY_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sfkey-AbCdEf',
      TELEPHONY_PROVIDER_NAME: 'my-provider',
      DEFAULT_FLOW_DEV_NAME: 'Route_VoiceCall',
      DEFAULT_FALLBACK_QUEUE: '00G111222333444',
      KEY_CACHE_TTL_SECONDS: '60',
      FLOW_BLOCK_TIMEOUT_SECONDS: '3',
      ON_ERROR: 'Attributes',
      LOG_LEVEL: 'debug',
    });

    expect(config).toMatchObject({
      home: {
        settings: { endpointBase: 'https://scrt.example.net/telephony/v1' },
        key: { kind: 'secretsmanager', id: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sfkey-AbCdEf' },
      },
      telephonyProviderName: 'my-provider',
      defaultFlowDevName: 'Route_VoiceCall',
      defaultFallbackQueue: '00G111222333444',
      keyCacheTtlMs: 60_000,
      flowBlockTimeoutMs: 3_000,
      onError: 'attributes',
      logLevel: 'DEBUG',
    });
  });

  it.each([
    ['1', 1],
    ['100000', 100_000],
  ])('reads ORG_CACHE_SIZE=%s', (value, size) => {
    expect(readConfig({ ...VALID, ORG_CACHE_SIZE: value }).orgCacheSize).toBe(size);
  });

  it.each(['0', '100001', '1.5', 'many'])('refuses ORG_CACHE_SIZE=%s, naming it and the range', (value) => {
    expect(configError({ ...VALID, ORG_CACHE_SIZE: value }).message).toBe(
      'ORG_CACHE_SIZE must be a whole number from 1 to 100000',
    );
  });

  it.each([
    ['a bucket', 'connect-org-records', { bucket: 'connect-org-records', folder: undefined }],
    [
      'a bucket and a folder',
      'connect-org-records/secret_cache',
      { bucket: 'connect-org-records', folder: 'secret_cache' },
    ],
    ['nested folders, a trailing slash dropped', 'records.acme/a/b/', { bucket: 'records.acme', folder: 'a/b' }],
  ])('reads SECRET_CACHE_S3 as %s', (_label, value, orgRecords) => {
    expect(readConfig({ ...VALID, SECRET_CACHE_S3: value }).orgRecords).toEqual(orgRecords);
  });

  it.each([
    ['an upper-case bucket', 'Records/x'],
    ['a bucket of two characters', 'ab'],
    ['a bucket that is an IP address', '10.0.0.1/x'],
    ['a bucket with two dots in a row', 'a..b'],
    ['a leading slash', '/records'],
    ['an empty folder name', 'records//x'],
  ])('refuses SECRET_CACHE_S3 with %s, naming the setting', (_label, value) => {
    expect(configError({ ...VALID, SECRET_CACHE_S3: value }).message).toMatch(/^SECRET_CACHE_S3 must /);
  });

  it.each([
    [{ LOG_LEVEL: 'ERROR' }, 'ERROR', 'INFO'],
    [{ AWS_LAMBDA_LOG_LEVEL: 'WARN' }, 'WARN', 'WARN'],
    [{ LOG_LEVEL: 'DEBUG', AWS_LAMBDA_LOG_LEVEL: 'FATAL' }, 'DEBUG', 'ERROR'],
    [{ AWS_LAMBDA_LOG_LEVEL: 'TRACE' }, 'DEBUG', 'INFO'],
  ])('with %j logs at %s, and writes the summary line at %s at least', (env, logLevel, summaryLogLevel) => {
    expect(readConfig({ ...VALID, ...env })).toMatchObject({ logLevel, summaryLogLevel });
  });

  it('accepts a 15-character org id and takes the level from AWS_LAMBDA_LOG_LEVEL', () => {
    const config = readConfig({ ...VALID, SALESFORCE_ORG_ID: '00DKz000001AbCd', AWS_LAMBDA_LOG_LEVEL: 'WARN' });

    expect(config.home).toMatchObject({ settings: { orgId: '00DKz000001AbCd' } });
    expect(config.logLevel).toBe('WARN');
  });

  it('accepts KEY_CACHE_TTL_SECONDS=86400, the documented maximum', () => {
    expect(readConfig({ ...VALID, KEY_CACHE_TTL_SECONDS: '86400' }).keyCacheTtlMs).toBe(86_400_000);
  });

  it.each([
    [{ SCRT_ENDPOINT_BASE: undefined }, 'SCRT_ENDPOINT_BASE is not set'],
    [{ SCRT_ENDPOINT_BASE: '  ' }, 'SCRT_ENDPOINT_BASE is not set'],
    [{ SCRT_ENDPOINT_BASE: 'acme.my.salesforce-scrt.com' }, 'SCRT_ENDPOINT_BASE is not a URL'],
    [{ SCRT_ENDPOINT_BASE: 'http://acme.my.salesforce-scrt.com/telephony/v1' }, 'SCRT_ENDPOINT_BASE must use https'],
    [
      { SCRT_ENDPOINT_BASE: 'https://acme.my.salesforce-scrt.com/telephony/v2' },
      'SCRT_ENDPOINT_BASE must end with /telephony/v1',
    ],
    [{ SCRT_ENDPOINT_BASE: 'https://u:p@acme.example/telephony/v1' }, 'SCRT_ENDPOINT_BASE must not carry credentials'],
    [
      { SCRT_ENDPOINT_BASE: 'https://acme.example/telephony/v1?x=1' },
      'SCRT_ENDPOINT_BASE must not carry credentials, a query',
    ],
    [{ SALESFORCE_ORG_ID: undefined }, 'SALESFORCE_ORG_ID is not set'],
    [{ SALESFORCE_ORG_ID: '00DKz000001AbCdE' }, 'SALESFORCE_ORG_ID is not valid: expected a 15- or 18-character'],
    [{ SALESFORCE_ORG_ID: '5003000000D8cuI' }, 'SALESFORCE_ORG_ID is not valid'],
    [{ CALL_CENTER_API_NAME: undefined }, 'CALL_CENTER_API_NAME is not set'],
    [{ CALL_CENTER_API_NAME: 'My Call Center' }, 'CALL_CENTER_API_NAME is not valid'],
    [{ PRIVATE_KEY_PARAM_NAME: undefined }, 'PRIVATE_KEY_PARAM_NAME (SSM parameter) or PRIVATE_KEY_SECRET_ID'],
    [{ PRIVATE_KEY_SECRET_ID: 'sfkey' }, 'set only one of PRIVATE_KEY_PARAM_NAME and PRIVATE_KEY_SECRET_ID'],
    [{ KEY_CACHE_TTL_SECONDS: '-1' }, 'KEY_CACHE_TTL_SECONDS must be a whole number of seconds from 0 to 86400'],
    [{ KEY_CACHE_TTL_SECONDS: '1.5' }, 'KEY_CACHE_TTL_SECONDS must be a whole number'],
    [{ KEY_CACHE_TTL_SECONDS: '86401' }, 'KEY_CACHE_TTL_SECONDS must be a whole number'],
    [{ FLOW_BLOCK_TIMEOUT_SECONDS: '0' }, 'FLOW_BLOCK_TIMEOUT_SECONDS must be a whole number of seconds from 1 to 8'],
    [{ FLOW_BLOCK_TIMEOUT_SECONDS: '9' }, 'FLOW_BLOCK_TIMEOUT_SECONDS must be a whole number of seconds from 1 to 8'],
    [{ SECRET_NAME: 'sfdc/acme', PRIVATE_KEY_PARAM_NAME: '/k' }, 'set either SECRET_NAME'],
    [
      { SECRET_NAME: 'sfdc/acme', PRIVATE_KEY_PARAM_NAME: undefined, PRIVATE_KEY_SECRET_ID: 'k' },
      'set either SECRET_NAME (the contact-centre secret holds the key) or PRIVATE_KEY_SECRET_ID, not both',
    ],
    [{ SECRET_NAME: 'two words', PRIVATE_KEY_PARAM_NAME: undefined }, 'SECRET_NAME is not valid'],
    [
      { SECRET_NAME: 'sfdc/acme', PRIVATE_KEY_PARAM_NAME: undefined, SALESFORCE_ORG_ID: 'nope' },
      'SALESFORCE_ORG_ID is not valid',
    ],
    [{ ON_ERROR: 'ignore' }, 'ON_ERROR must be one of throw, attributes'],
    [{ LOG_LEVEL: 'VERBOSE' }, 'LOG_LEVEL must be one of DEBUG, INFO, WARN, ERROR'],
    [
      { TELEPHONY_PROVIDER_NAME: 'amazon\r\nX-Injected: 1' },
      'TELEPHONY_PROVIDER_NAME contains control or non-ASCII characters',
    ],
  ])('refuses %j, naming the variable', (override, message) => {
    const error = configError({ ...VALID, ...override });

    expect(error.message).toContain(message);
    expect(error.code).toBe('CONFIG');
    expect(error.name).toBe('CONFIG');
  });

  it('with SECRET_NAME, needs no other setting', () => {
    const config = readConfig({ SECRET_NAME: 'sfdc/acme-contact-centre' });

    expect(config.home).toEqual({ kind: 'secret', secretName: 'sfdc/acme-contact-centre', overrides: {} });
  });

  it('with SECRET_NAME, keeps the org settings given in the environment as overrides', () => {
    const config = readConfig({
      SECRET_NAME: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sfdc/acme-AbCdEf',
      SCRT_ENDPOINT_BASE: 'https://staging.my.salesforce-scrt.com/telephony/v1/',
      CALL_CENTER_API_NAME: 'StagingCenter',
    });

    expect(config.home).toEqual({
      kind: 'secret',
      secretName: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sfdc/acme-AbCdEf',
      overrides: {
        endpointBase: 'https://staging.my.salesforce-scrt.com/telephony/v1',
        callCenterApiName: 'StagingCenter',
      },
    });
  });

  it('never repeats the value of a setting it refuses', () => {
    const error = configError({ ...VALID, SALESFORCE_ORG_ID: 'super-secret-looking-value' });

    expect(error.message).not.toContain('super-secret-looking-value');
  });
});
