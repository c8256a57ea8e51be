import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bin, runCommand } from '../support/run-command.ts';

/** Runs `npm run invoke -- …` the way the README shows it (the bundle is already built by `npm test`). */
const invoke = (args: string[], env: Record<string, string> = {}) =>
  runCommand(bin('tsx'), ['test/sandbox/invoke.ts', ...args], { NO_COLOR: '1', ...env }, 30_000);

describe('Command: npm start / npm run invoke', () => {
  it('routes the sample call through the emulators and shows request, claims, attributes and timings', async () => {
    const run = await invoke([]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'PATCH https://localhost/telephony/v1/voiceCalls/4a573372-1f28-4e26-b97b-0c7f2b3d9e61/omniFlow',
    );
    expect(run.stdout).toContain('"authorization": "Bearer <JWT, redacted>"');
    expect(run.stdout).toContain('"aud": "https://scrt.salesforce.com"');
    expect(run.stdout).toContain('verified like Salesforce would: yes');
    expect(run.stdout).toContain('"routingTarget": "AGENT"');
    expect(run.stdout).toContain('→ agent aaaaaaaa-0000-1111-2222-333333333333');
    expect(run.stdout).toMatch(/invocation: \d+\.\d ms/);
    expect(run.stdout).not.toMatch(/eyJ[\w-]+\.eyJ/);
    expect(run.stdout).not.toContain('+12065550199');
  });

  it.each([
    ['queue', '"routingTarget": "QUEUE"'],
    ['errors', '"errorType": "SALESFORCE_REJECTED"'],
    ['flaky', '"attempts":3'],
    ['nested', '"agent_externalId": "agent-7"'],
  ])('plays the %s scenario', async (scenario, expected) => {
    const run = await invoke(['test/events/inbound-call-with-flow-inputs.json', '--scenario', scenario]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(expected);
  });

  it('ends a stalled Salesforce in TIMEOUT within --timeout', async () => {
    const run = await invoke(['--scenario', 'stall', '--timeout', '1500']);

    expect(run.stdout).toContain('"errorType": "TIMEOUT"');
    expect(run.stdout).toMatch(/invocation: 1[0-4]\d\d\.\d ms/);
  });

  it('answers a keep-warm ping without calling Salesforce', async () => {
    const run = await invoke(['test/events/keep-warm.json']);

    expect(run.stdout).toContain('"status": "WARM"');
    expect(run.stdout).toMatch(/Requests Salesforce received\s+none/);
  });

  it('with --real and no settings, reports the missing setting by name', async () => {
    const run = await invoke(['--real']);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('"errorType": "CONFIG"');
    expect(run.stdout).toContain('SCRT_ENDPOINT_BASE is not set');
  });

  it('with --real --env FILE, takes the settings from the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'invoke-env-'));
    writeFileSync(join(dir, '.env'), 'SCRT_ENDPOINT_BASE=https://acme.my.salesforce-scrt.com/telephony/v1\n');

    const run = await invoke(['--real', '--env', join(dir, '.env')]);

    expect(run.stdout).toContain('SALESFORCE_ORG_ID is not set');
  });

  it.each([
    [['--scenario', 'chaos'], 'unknown scenario "chaos"'],
    [['--timeout', 'soon'], '--timeout is a whole number of milliseconds'],
    [['--env', '.env'], '--env goes with --real'],
    [['no/such/event.json'], 'cannot read the event no/such/event.json'],
  ])('refuses %j with usage', async (args, message) => {
    const run = await invoke(args);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('usage: npm run invoke --');
  });
});
