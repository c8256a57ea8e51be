import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { replies } from '../emulators/salesforce.ts';
import { createCallCenterKeys } from '../emulators/test-ca.ts';
import { CALL_CENTER_API_NAME, CONTACT_CENTRE_SECRET, KEY_PARAMETER, ORG_ID, Sandbox } from '../support/sandbox.ts';
import { bin, runCommand } from '../support/run-command.ts';
import { checkLines, doctor, lineOf, scratchDir, writeCertificate, writeEnvFile } from './doctor-support.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const RUN_TIMEOUT_MS = 150_000;

describe('Command: npm run doctor (against the emulators)', () => {
  let sandbox: Sandbox;
  let dir: string;
  let certificate: string;

  beforeAll(async () => {
    sandbox = await Sandbox.start();
    dir = scratchDir();
    certificate = await writeCertificate(dir, sandbox.keys);
  });
  afterAll(() => sandbox?.close());
  beforeEach(() => {
    sandbox.reset();
    // What Salesforce answers for a call id no VoiceCall has (after the token passed).
    sandbox.salesforce.script(replies.errors(404, 'No VoiceCall found for this call id'));
  });

  /** The sandbox's settings (SSM layout, AWS endpoint) with `overrides`; the test CA is given to the shell, see {@link ca}. */
  const envFile = (overrides: Record<string, string | undefined> = {}, name?: string) =>
    writeEnvFile(dir, sandbox.env({ NODE_EXTRA_CA_CERTS: undefined, ...overrides }), name);
  /** The shell's NODE_EXTRA_CA_CERTS: the test CA. */
  const ca = () => ({ NODE_EXTRA_CA_CERTS: sandbox.tls.caFile });

  it(
    'passes every check in order, with the call center certificate and the test CA named in the file, routing nothing',
    async () => {
      const file = envFile({ NODE_EXTRA_CA_CERTS: sandbox.tls.caFile });

      const run = await doctor(['--env', file, '--certificate', certificate]);

      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(checkLines(run).map((line) => line.replace(/:.*/, ''))).toEqual([
        'PASS  settings valid',
        'PASS  key store readable',
        'PASS  RSA private key (≥ 2048 bits)',
        'PASS  key matches the call center’s certificate',
        'PASS  Salesforce host resolves and its TLS is valid',
        'PASS  Salesforce accepts the token',
      ]);
      expect(lineOf(run, 'key store readable')).toContain(`SSM parameter ${KEY_PARAMETER} (PRIVATE_KEY_PARAM_NAME)`);
      expect(lineOf(run, 'RSA private key')).toContain(`2048-bit RSA key, signing for org ${ORG_ID}`);
      expect(lineOf(run, 'Salesforce accepts the token')).toContain(
        'answered 404: No VoiceCall found for this call id',
      );
      expect(run.stdout).toContain('All 6 checks passed.');
      const [probe, ...more] = sandbox.salesforce.requests;
      expect(more).toEqual([]);
      expect(probe).toMatchObject({ method: 'PATCH', operation: 'clearRouting', body: '', refused: undefined });
      expect(probe!.callId).toMatch(UUID);
      expect(probe!.claims).toMatchObject({ iss: ORG_ID, sub: CALL_CENTER_API_NAME });
      assertNothingSecret(run.stdout + run.stderr, sandbox.keys.privateKeyPem);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "passes with Salesforce's contact-centre secret (SECRET_NAME)",
    async () => {
      const file = envFile(
        {
          SECRET_NAME: CONTACT_CENTRE_SECRET,
          SCRT_ENDPOINT_BASE: undefined,
          SALESFORCE_ORG_ID: undefined,
          CALL_CENTER_API_NAME: undefined,
          PRIVATE_KEY_PARAM_NAME: undefined,
        },
        'secret.env',
      );

      const run = await doctor(['--env', file], ca());

      expect(run.code).toBe(0);
      expect(lineOf(run, 'settings valid')).toContain(`contact-centre secret ${CONTACT_CENTRE_SECRET} (SECRET_NAME)`);
      expect(lineOf(run, 'key store readable')).toContain(
        `Secrets Manager secret ${CONTACT_CENTRE_SECRET} (SECRET_NAME)`,
      );
      expect(lineOf(run, 'Salesforce accepts the token')).toMatch(/^PASS/);
      expect(sandbox.aws.secretReads.get(CONTACT_CENTRE_SECRET)).toBe(1);
      expect(sandbox.salesforce.requests.map((r) => r.operation)).toEqual(['clearRouting']);
      assertNothingSecret(run.stdout, sandbox.keys.privateKeyPem);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'with a key that is not the call center’s: the certificate does not match, and 401 names key, certificate, org or call center',
    async () => {
      const other = createCallCenterKeys();
      sandbox.aws.parameters.set('/connect/other-key', other.privateKeyPem);

      const run = await doctor(
        [
          '--env',
          envFile({ PRIVATE_KEY_PARAM_NAME: '/connect/other-key' }, 'other-key.env'),
          '--certificate',
          certificate,
        ],
        ca(),
      );

      expect(run.code).toBe(1);
      expect(lineOf(run, 'RSA private key')).toMatch(/^PASS/);
      expect(lineOf(run, 'key matches')).toMatch(
        /^FAIL .*call-center\.crt \(CN=ConnectCallCenter\) is the certificate of another key pair — fix: upload the certificate of the stored key/,
      );
      const token = lineOf(run, 'Salesforce accepts the token');
      expect(token).toMatch(/^FAIL {2}Salesforce accepts the token: Salesforce refused the token \(401: token invalid/);
      expect(token).toContain(
        `the private key, the certificate on the call center, the org (SALESFORCE_ORG_ID ${ORG_ID}) or the call center (CALL_CENTER_API_NAME ${CALL_CENTER_API_NAME}) do not match`,
      );
      expect(run.stdout).toContain('2 failed, 0 skipped, 4 passed');
      assertNothingSecret(run.stdout, other.privateKeyPem);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'names a missing parameter and skips what needs the key, still checking the host',
    async () => {
      const run = await doctor(['--env', envFile({ PRIVATE_KEY_PARAM_NAME: '/connect/nowhere' }, 'missing.env')], ca());

      expect(run.code).toBe(1);
      expect(lineOf(run, 'key store readable')).toMatch(
        /^FAIL {2}key store readable: SSM parameter \/connect\/nowhere \(PRIVATE_KEY_PARAM_NAME\) was not found — fix: store the key there, or set PRIVATE_KEY_PARAM_NAME in .*missing\.env to the item that holds it; .*\(us-east-1, AWS_REGION\)/,
      );
      expect(lineOf(run, 'RSA private key')).toBe('SKIP  RSA private key (≥ 2048 bits): needs a readable key store');
      expect(lineOf(run, 'Salesforce host')).toMatch(/^PASS/);
      expect(lineOf(run, 'Salesforce accepts the token')).toMatch(/^SKIP/);
      expect(sandbox.salesforce.requests).toEqual([]);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'says when the credentials may not read the key store',
    async () => {
      sandbox.aws.fail('AccessDeniedException');

      const run = await doctor(['--env', envFile()], ca());

      expect(lineOf(run, 'key store readable')).toBe(
        `FAIL  key store readable: your AWS credentials are not allowed to read SSM parameter ${KEY_PARAMETER} (PRIVATE_KEY_PARAM_NAME) (AccessDeniedException) — fix: let your AWS credentials read it (ssm:GetParameter or secretsmanager:GetSecretValue, and kms:Decrypt on its KMS key); the deployed function's role is granted by the stack`,
      );
      expect(run.code).toBe(1);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'refuses a 1024-bit key and an unresolvable host, each with its fix',
    async () => {
      sandbox.aws.parameters.set('/connect/short-key', createCallCenterKeys(1024).privateKeyPem);

      const run = await doctor(
        [
          '--env',
          envFile(
            {
              PRIVATE_KEY_PARAM_NAME: '/connect/short-key',
              SCRT_ENDPOINT_BASE: 'https://no-such-org.invalid/telephony/v1',
            },
            'short.env',
          ),
        ],
        ca(),
      );

      expect(run.code).toBe(1);
      expect(lineOf(run, 'RSA private key')).toMatch(
        /^FAIL .*holds a 1024-bit RSA key.* — fix: make a new 2048-bit \(or 4096-bit\) key pair, upload its certificate to the call center, then store the new key$/,
      );
      expect(lineOf(run, 'Salesforce host')).toMatch(
        /^FAIL {2}Salesforce host resolves and its TLS is valid: no-such-org\.invalid does not resolve \((ENOTFOUND|EAI_AGAIN)\) — fix: check SCRT_ENDPOINT_BASE/,
      );
      expect(lineOf(run, 'Salesforce accepts the token')).toMatch(/^SKIP/);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'without AWS credentials or the test CA: says to set credentials, and that the TLS certificate is not trusted',
    async () => {
      const file = envFile({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined }, 'bare.env');

      const run = await doctor(['--env', file]);

      expect(run.code).toBe(1);
      expect(lineOf(run, 'key store readable')).toMatch(
        /^FAIL {2}key store readable: cannot read SSM parameter .* \(PRIVATE_KEY_PARAM_NAME\): no AWS credentials — fix: set AWS_PROFILE \(or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\) in .*bare\.env or your shell, or run aws configure$/,
      );
      expect(lineOf(run, 'Salesforce host')).toMatch(
        /^FAIL {2}Salesforce host resolves and its TLS is valid: localhost's TLS certificate is not accepted: .*\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\) — fix: .*set NODE_EXTRA_CA_CERTS in .*bare\.env to its CA certificate file$/,
      );
      expect(sandbox.aws.counts.getParameter).toBe(0);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'names an invalid setting and skips everything after it',
    async () => {
      const run = await doctor(['--env', envFile({ SALESFORCE_ORG_ID: '005-not-an-org' }, 'bad.env')]);

      expect(run.code).toBe(1);
      expect(checkLines(run)[0]).toMatch(
        /^FAIL {2}settings valid: SALESFORCE_ORG_ID is not valid: expected a 15- or 18-character Salesforce org id starting with 00D — fix: correct it in .*bad\.env \(every setting is described in \.env\.example\)$/,
      );
      expect(
        checkLines(run)
          .slice(1)
          .every((line) => line.startsWith('SKIP')),
      ).toBe(true);
      expect(run.stdout).toContain('1 failed, 4 skipped, 0 passed');
    },
    RUN_TIMEOUT_MS,
  );

  it.each([['--help'], ['-h']])(
    '%s prints the usage, the options, the checks and the exit codes, and exits 0 checking nothing',
    async (flag) => {
      const run = await doctor([flag]);

      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/^usage: npm run doctor -- --env FILE \[--certificate FILE\] \[--stack NAME\]\n/);
      for (const option of ['--env FILE', '--certificate FILE', '--stack NAME', '-h, --help']) {
        expect(run.stdout).toContain(`\n  ${option} `);
      }
      expect(run.stdout).toMatch(
        /\nExit codes:\n {2}0 {2}every check passed\n {2}1 {2}a check failed or was skipped\n {2}2 {2}the command line is wrong/,
      );
      expect(checkLines(run)).toEqual([]);
      expect(sandbox.salesforce.requests).toEqual([]);
    },
  );

  it('--help into a pipe closed early (| head -1) exits 0, without an EPIPE stack', async () => {
    const script = `"${bin('tsx')}" infra/doctor/main.ts --help | true; exit \${PIPESTATUS[0]}`;

    const run = await runCommand('bash', ['-c', script]);

    expect(run.code).toBe(0);
    expect(run.stderr).not.toMatch(/EPIPE|\n\s+at /);
  });

  it('refuses a command line without --env, with usage and exit code 2', async () => {
    const run = await doctor(['--stack']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('usage: npm run doctor -- --env FILE [--certificate FILE] [--stack NAME]');
    expect(run.stdout).toBe('');
  });
});

/** No PEM block, no JWT, no bearer token and no piece of the key in `output`. */
function assertNothingSecret(output: string, privateKeyPem?: string): void {
  expect(output).not.toMatch(/-----BEGIN/);
  expect(output).not.toMatch(/eyJ[\w-]+\.eyJ/);
  expect(output).not.toMatch(/Bearer/i);
  const body = (privateKeyPem ?? '').split('\n')[5];
  if (body) expect(output).not.toContain(body);
}
