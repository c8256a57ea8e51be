import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { doctor, lineOf, scratchDir, writeEnvFile } from './doctor-support.ts';

const RUN_TIMEOUT_MS = 150_000;
const KEY_PARAMETER = '/connect/salesforce/private-key';
const SECRET = 'sfdc/contact-centre/acme';
/** The settings of each layout; nothing is read, the AWS calls fail before they are sent. */
const LAYOUTS = {
  ssm: {
    SCRT_ENDPOINT_BASE: 'https://acme.invalid/telephony/v1',
    SALESFORCE_ORG_ID: '00DKz000001AbCdEAA',
    CALL_CENTER_API_NAME: 'ConnectCallCenter',
    PRIVATE_KEY_PARAM_NAME: KEY_PARAMETER,
  },
  secret: { SECRET_NAME: SECRET },
};
const KEY_STORE = {
  ssm: `SSM parameter ${KEY_PARAMETER} (PRIVATE_KEY_PARAM_NAME)`,
  secret: `Secrets Manager secret ${SECRET} (SECRET_NAME)`,
};
/** A machine with no AWS set-up: no credentials or region in the environment, an empty home, no instance metadata. */
const bareMachine = () => ({ HOME: mkdtempSync(join(tmpdir(), 'doctor-home-')), AWS_EC2_METADATA_DISABLED: 'true' });

describe('Command: npm run doctor on a machine without AWS credentials or region', () => {
  it.each(['ssm', 'secret'] as const)(
    'says "no AWS credentials" and how to set them, not a network error (%s layout)',
    async (layout) => {
      const file = writeEnvFile(scratchDir(), { ...LAYOUTS[layout], AWS_REGION: 'us-east-1' }, 'no-credentials.env');

      const run = await doctor(['--env', file, '--stack', 'ConnectOmniFlowBridge'], bareMachine());

      const fix = `set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) in ${file} or your shell, or run aws configure`;
      expect(run.code).toBe(1);
      expect(lineOf(run, 'key store readable')).toBe(
        `FAIL  key store readable: cannot read ${KEY_STORE[layout]}: no AWS credentials — fix: ${fix}`,
      );
      expect(lineOf(run, 'stack deployed')).toBe(
        `FAIL  stack deployed with its live alias: cannot read stack ConnectOmniFlowBridge: no AWS credentials — fix: ${fix}`,
      );
      expect(run.stdout).not.toMatch(/network error|CredentialsProviderError/);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'says "no AWS region" and how to set it, not a network error',
    async () => {
      const file = writeEnvFile(
        scratchDir(),
        { ...LAYOUTS.ssm, AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'not-a-real-secret' },
        'no-region.env',
      );

      const run = await doctor(['--env', file, '--stack', 'ConnectOmniFlowBridge'], bareMachine());

      const fix = `set AWS_REGION in ${file} or your shell (or use an AWS_PROFILE that has a region): the region of the Connect instance`;
      expect(run.code).toBe(1);
      expect(lineOf(run, 'key store readable')).toBe(
        `FAIL  key store readable: cannot read ${KEY_STORE.ssm}: no AWS region — fix: ${fix}`,
      );
      expect(lineOf(run, 'stack deployed')).toBe(
        `FAIL  stack deployed with its live alias: cannot read stack ConnectOmniFlowBridge: no AWS region — fix: ${fix}`,
      );
      expect(run.stdout).not.toMatch(/network error|Region is missing/);
    },
    RUN_TIMEOUT_MS,
  );
});
