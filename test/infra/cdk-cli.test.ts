import { mkdtempSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BUNDLE } from '../support/lambda-container.ts';
import { bin, runCommand } from '../support/run-command.ts';

const CONTEXT = [
  'connectInstanceArn=arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555',
  'scrtEndpointBase=https://acme.my.salesforce-scrt.com/telephony/v1',
  'salesforceOrgId=00DKz000001AbCdEAA',
  'callCenterApiName=ConnectCallCenter',
  'privateKeyParameterName=/connect/salesforce/private-key',
];

/** Runs a command with no AWS credentials, no region and a fresh HOME: synth must work offline. */
async function run(file: string, args: string[]): Promise<{ code: number; out: string }> {
  const result = await runCommand(file, args, { HOME: mkdtempSync(join(tmpdir(), 'cdk-home-')), CI: 'true' }, 120_000);
  return { code: result.code, out: result.stdout + result.stderr };
}

/** `npm run synth` with an output directory and context: no `--no-notices`, cdk.json turns them off. */
const cdk = (outdir: string, context: string[]) =>
  run(bin('cdk'), ['synth', '--quiet', '-o', outdir, ...context.flatMap((c) => ['-c', c])]);

/**
 * `cdk cli-telemetry --status` with the CLI's trace (`-vv`), as on a developer's machine: a fresh HOME, not CI (on CI
 * the CLI hides notices by itself), and a proxy that refuses at once, so nothing reaches the network even when asked.
 */
async function telemetryStatus(args: string[] = []): Promise<{ code: number; out: string; trace: string[] }> {
  const result = await runCommand(
    bin('cdk'),
    ['cli-telemetry', '--status', '-vv', ...args],
    { HOME: mkdtempSync(join(tmpdir(), 'cdk-home-')), HTTPS_PROXY: 'http://127.0.0.1:9', TELEMETRY_ENDPOINT: '' },
    60_000,
  );
  const out = result.stdout + result.stderr;
  return { code: result.code, out, trace: out.split('\n').filter((line) => /^\[[\d:]+\] /.test(line)) };
}
const aboutNotices = (trace: string[]) => trace.filter((line) => /notices/i.test(line));

// A synth takes over 30 s on a busy two-core machine: each test may take as long as the command may run.
describe('Command: npx cdk synth', { timeout: 120_000 }, () => {
  it('synthesizes offline a template sam local invoke can run the tested bundle from', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cdk-out-'));
    // The bundle made to look older than its sources: inside a test run the app must still not rebuild it.
    const { atime, mtime } = statSync(BUNDLE);
    onTestFinished(() => utimesSync(BUNDLE, atime, mtime));
    utimesSync(BUNDLE, 0, 0);

    const synth = await cdk(outdir, CONTEXT);

    expect(synth.code, synth.out).toBe(0);
    expect(synth.out, 'cdk.json sets the recommended feature flags').not.toMatch(
      /feature flags? (is|are) not configured/,
    );
    const templateFile = join(outdir, 'ConnectOmniFlowBridge.template.json');
    const template = JSON.parse(readFileSync(templateFile, 'utf8'));
    // The README's way of finding the function's logical id, run as written.
    const grep = await run('bash', [
      '-c',
      `grep -o '"Bridge[A-Za-z]*Function[0-9A-F]*"' ${templateFile} | head -1 | tr -d '"'`,
    ]);
    const logicalId = grep.out.trim();
    const fn = template.Resources[logicalId];
    expect(fn.Type).toBe('AWS::Lambda::Function');
    expect(fn.Properties).toMatchObject({ Handler: 'index.handler', Runtime: 'nodejs24.x' });
    expect(fn.Metadata['aws:asset:property']).toBe('Code');
    const staged = join(outdir, fn.Metadata['aws:asset:path'], 'index.mjs');
    expect(readFileSync(staged).equals(readFileSync(BUNDLE))).toBe(true);
    expect(statSync(BUNDLE).mtimeMs).toBe(0);
  });

  it('fails with a message naming a missing context key', async () => {
    const synth = await cdk(mkdtempSync(join(tmpdir(), 'cdk-out-')), CONTEXT.slice(1));

    expect(synth.code).not.toBe(0);
    expect(synth.out).toContain(
      'connect-omniflow-bridge: context connectInstanceArn is required: pass -c connectInstanceArn=',
    );
    expect(synth.out).not.toMatch(/\n\s+at /);
  });

  it('fails with a message naming a bad stackName', async () => {
    const synth = await cdk(mkdtempSync(join(tmpdir(), 'cdk-out-')), [...CONTEXT, 'stackName=org_b']);

    expect(synth.code).not.toBe(0);
    expect(synth.out).toContain('connect-omniflow-bridge: context stackName must start with a letter');
    expect(synth.out).not.toMatch(/\n\s+at /);
  });
});

describe('File: cdk.json, for every CDK CLI command in this project (scripts, tests, CI)', { timeout: 60_000 }, () => {
  it('turns the CLI telemetry off', async () => {
    const status = await telemetryStatus();

    expect(status.code, status.out).toBe(0);
    expect(status.out).toContain('CLI Telemetry is disabled.');
    expect(status.trace).toContainEqual(expect.stringMatching(/\] Telemetry disabled$/));
    expect(status.out).not.toMatch(/Telemetry sink registered|Telemetry dispatched/);
  });

  it('turns notices off: the CLI neither fetches nor shows them', async () => {
    const status = await telemetryStatus();
    // The same command with notices asked for: the trace shows them fetched, so the check above is live.
    const asked = await telemetryStatus(['--notices']);

    expect(aboutNotices(status.trace)).toEqual([]);
    expect(status.out).not.toMatch(/NOTICES/);
    expect(aboutNotices(asked.trace)).not.toEqual([]);
  });
});
