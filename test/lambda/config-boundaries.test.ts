import { describe, expect, it } from 'vitest';
import { readConfig } from '../../lambda/src/config.ts';

const VALID = {
  SCRT_ENDPOINT_BASE: 'https://acme.my.salesforce-scrt.com/telephony/v1',
  SALESFORCE_ORG_ID: '00DKz000001AbCdEAA',
  CALL_CENTER_API_NAME: 'ConnectCallCenter',
  PRIVATE_KEY_PARAM_NAME: '/connect/key',
};

/** The message of the ConfigError `env` makes readConfig throw. */
function refusal(env: Record<string, string | undefined>): string {
  try {
    readConfig(env);
  } catch (error) {
    expect(error).toMatchObject({ code: 'CONFIG' });
    return (error as Error).message;
  }
  throw new Error('readConfig accepted the environment');
}

describe('Function: readConfig — the edges of each setting', () => {
  describe('Rule: a number setting takes the ends of its range', () => {
    it('KEY_CACHE_TTL_SECONDS=0: every call reads the key', () => {
      expect(readConfig({ ...VALID, KEY_CACHE_TTL_SECONDS: '0' }).keyCacheTtlMs).toBe(0);
    });

    it('FLOW_BLOCK_TIMEOUT_SECONDS=1, the shortest block timeout', () => {
      expect(readConfig({ ...VALID, FLOW_BLOCK_TIMEOUT_SECONDS: '1' }).flowBlockTimeoutMs).toBe(1_000);
    });
  });

  describe("Rule: Lambda's TRACE and FATAL mean DEBUG and ERROR, in LOG_LEVEL too", () => {
    it.each([
      ['TRACE', 'DEBUG'],
      ['trace', 'DEBUG'],
      ['FATAL', 'ERROR'],
    ])('LOG_LEVEL=%s logs at %s', (level, logLevel) => {
      expect(readConfig({ ...VALID, LOG_LEVEL: level }).logLevel).toBe(logLevel);
    });

    it('AWS_LAMBDA_LOG_LEVEL=FATAL raises the summary line to ERROR', () => {
      expect(readConfig({ ...VALID, AWS_LAMBDA_LOG_LEVEL: 'FATAL' })).toMatchObject({
        logLevel: 'ERROR',
        summaryLogLevel: 'ERROR',
      });
    });
  });

  describe('Rule: SCRT_ENDPOINT_BASE is an https URL whose path ends with /telephony/v1, and nothing else', () => {
    it('keeps the segments before /telephony/v1', () => {
      const config = readConfig({ ...VALID, SCRT_ENDPOINT_BASE: 'https://proxy.example/acme/telephony/v1/' });

      expect(config.home).toMatchObject({ settings: { endpointBase: 'https://proxy.example/acme/telephony/v1' } });
    });

    it.each([
      ['a segment after /telephony/v1', 'https://acme.example/telephony/v1/voiceCalls', 'must end with /telephony/v1'],
      [
        'a user name only',
        'https://user@acme.example/telephony/v1',
        'must not carry credentials, a query or a fragment',
      ],
      ['a fragment', 'https://acme.example/telephony/v1#x', 'must not carry credentials, a query or a fragment'],
    ])('refuses %s', (_label, value, why) => {
      expect(refusal({ ...VALID, SCRT_ENDPOINT_BASE: value })).toBe(`SCRT_ENDPOINT_BASE ${why}`);
    });
  });

  describe('Rule: an org id or a call center name is the whole value, not a part of it', () => {
    it.each(['x00DKz000001AbCdEAA', '00DKz000001AbCdEAAx', ' 00DKz000001AbCdE AA'])('refuses org id %j', (value) => {
      expect(refusal({ ...VALID, SALESFORCE_ORG_ID: value })).toBe(
        'SALESFORCE_ORG_ID is not valid: expected a 15- or 18-character Salesforce org id starting with 00D',
      );
    });

    it('says what a call center name must be', () => {
      expect(refusal({ ...VALID, CALL_CENTER_API_NAME: '1Center' })).toBe(
        'CALL_CENTER_API_NAME is not valid: expected the API name of the Salesforce call center',
      );
    });
  });

  describe('Rule: the key is named by one setting, which the configuration remembers', () => {
    it('PRIVATE_KEY_SECRET_ID', () => {
      const config = readConfig({ ...VALID, PRIVATE_KEY_PARAM_NAME: undefined, PRIVATE_KEY_SECRET_ID: 'sfdc/key' });

      expect(config.home).toMatchObject({
        key: { kind: 'secretsmanager', id: 'sfdc/key', variable: 'PRIVATE_KEY_SECRET_ID' },
      });
    });
  });

  describe('Rule: SECRET_NAME is a name or an ARN in any partition', () => {
    it.each([
      'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:sfdc/acme',
      'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:sfdc/acme',
    ])('takes %s', (arn) => {
      expect(readConfig({ SECRET_NAME: arn }).home).toMatchObject({ kind: 'secret', secretName: arn });
    });
  });

  describe('Rule: SECRET_CACHE_S3 starts with a whole bucket name, which is no IP address', () => {
    it.each([
      ['a bucket ending with a hyphen', 'records-'],
      ['a bucket of 64 characters', 'a'.repeat(64)],
      ['an IP address with groups of several digits', '192.168.100.200'],
    ])('refuses %s', (_label, value) => {
      expect(refusal({ ...VALID, SECRET_CACHE_S3: value })).toBe(
        'SECRET_CACHE_S3 must start with an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)',
      );
    });

    it.each(['1.2.3.4.records', 'records.1.2.3.4', 'a'.repeat(63)])('takes %s, which is no IP address', (bucket) => {
      expect(readConfig({ ...VALID, SECRET_CACHE_S3: bucket }).orgRecords).toEqual({ bucket, folder: undefined });
    });

    it('drops every slash at the end of the folder', () => {
      expect(readConfig({ ...VALID, SECRET_CACHE_S3: 'records/a/b//' }).orgRecords).toEqual({
        bucket: 'records',
        folder: 'a/b',
      });
    });
  });
});
