import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bin, runCommand } from '../support/run-command.ts';

/** Runs `npm run invoke -- …` the way the README shows it (the bundle is already built by `npm test`). */
const invoke = (args: string[], env: Record<string, string> = {}) =>
  runCommand(bin('tsx'), ['test/sandbox/invoke.ts', ...args], { NO_COLOR: '1', ...env }, 60_000);
const firstLine = (stdout: string) => stdout.split('\n')[0];
const AGENT_ID = 'aaaaaaaa-0000-1111-2222-333333333333';
const QUEUE_ID = 'qqqqqqqq-0000-1111-2222-333333333333';
const ERROR_BRANCH = "→ Connect takes the block's Error branch";
/** The exit codes: served as asked, not served (failed, or routed nowhere), a command line it cannot run. */
const SERVED = 0;
const NOT_SERVED = 1;
const USAGE_ERROR = 2;

describe('Command: npm start / npm run invoke', () => {
  it('puts the verdict first, then shows what Connect gets, the request, the claims and the timings', async () => {
    const run = await invoke([]);

    expect(run.code).toBe(SERVED);
    expect(firstLine(run.stdout)).toMatch(
      new RegExp(`^routed to AGENT ${AGENT_ID} in \\d+ ms \\(Salesforce \\d+ ms\\)$`),
    );
    expect(run.stdout).toMatch(
      /\nConnect gets \(\$\.External\.<key>\)\n {2}status {9}OK\n {2}routingTarget {2}AGENT\n/,
    );
    expect(run.stdout).toContain(
      'PATCH https://localhost/telephony/v1/voiceCalls/4a573372-1f28-4e26-b97b-0c7f2b3d9e61/omniFlow',
    );
    expect(run.stdout).toContain('"authorization":"Bearer <JWT, redacted>"');
    expect(run.stdout).toContain('"aud":"https://scrt.salesforce.com"');
    expect(run.stdout).toMatch(/verified like Salesforce would: +yes/);
    expect(run.stdout).toMatch(/invocation: +\d+\.\d ms/);
    expect(run.stdout).toMatch(/steps: +key [\d.]+ ms, sign [\d.]+ ms, http [\d.]+ ms, total [\d.]+ ms; 1 attempt\n/);
    expect(run.stdout).not.toMatch(/eyJ[\w-]+\.eyJ/);
    expect(run.stdout).not.toContain('+12065550199');
  }, 90_000);

  it("shows a create: the VoiceCall's id first, the POST, and the org record it wrote for another org", async () => {
    const run = await invoke(['test/events/create-voice-call-other-org.json']);

    expect(run.code).toBe(SERVED);
    expect(firstLine(run.stdout)).toMatch(/^created VoiceCall 0LQ\w{15} in \d+ ms \(Salesforce \d+ ms\)$/);
    expect(run.stdout).toContain('scenario "accepted"');
    expect(run.stdout).toContain('POST https://localhost/telephony/v1/voiceCalls\n');
    expect(run.stdout).toMatch(
      /Org records in S3 \(SECRET_CACHE_S3=connect-org-records\)\n {2}s3:\/\/connect-org-records\/d3e0cc0b-ac8b-4b1f-8a49-95a6ce2c8b1a {2}\{"contactId":"d3e0cc0b-ac8b-4b1f-8a49-95a6ce2c8b1a","secretName":"sfdc\/contact-centre\/partner",/,
    );
  }, 90_000);

  it.each([
    ['callback-execution', /^callback requested: ContactRequest 0Ri\w{15} in \d+ ms \(Salesforce \d+ ms\)$/, 'POST'],
    ['route-voice-call', /^routeVoiceCall answered status OK in \d+ ms \(Salesforce \d+ ms\)$/, 'PATCH'],
  ])(
    "shows Unified Routing's %s",
    async (event, verdict, method) => {
      const run = await invoke([`test/events/${event}.json`]);

      expect(run.code).toBe(SERVED);
      expect(firstLine(run.stdout)).toMatch(verdict);
      expect(run.stdout).toContain(`${method} https://localhost/telephony/v1/voiceCalls/`);
    },
    90_000,
  );

  it('shows a create whose answer was lost as failed, sent once', async () => {
    const run = await invoke(['test/events/create-voice-call.json', '--scenario', 'lost']);

    expect(run.code).toBe(NOT_SERVED);
    expect(firstLine(run.stdout)).toMatch(/^failed: SALESFORCE_UNAVAILABLE in \d+ ms/);
    expect(run.stdout).toContain('Salesforce may have created the VoiceCall: it was not sent again');
    expect(run.stdout.match(/POST https:\/\/localhost/g)).toHaveLength(1);
  }, 90_000);

  it.each([
    [
      'queue',
      new RegExp(`^routed to QUEUE ${QUEUE_ID} in \\d+ ms \\(Salesforce \\d+ ms\\)$`),
      'routingTarget  QUEUE',
      SERVED,
    ],
    [
      'none',
      /^not routed: Salesforce named no agent or queue, in \d+ ms \(Salesforce \d+ ms\) → the flow goes on with routingTarget NONE$/,
      'routingTarget  NONE',
      NOT_SERVED,
    ],
    [
      'flaky',
      new RegExp(`^routed to AGENT ${AGENT_ID} in \\d+ ms \\(Salesforce \\d+ ms, 3 attempts\\)$`),
      '; 3 attempts',
      SERVED,
    ],
    ['nested', /^routed to AGENT \{"externalId":"agent-7",.* in \d+ ms/, 'agent_externalId  agent-7', SERVED],
  ])(
    'plays the %s scenario, its verdict first, with its exit code',
    async (scenario, verdict, detail, code) => {
      const run = await invoke(['test/events/inbound-call-with-flow-inputs.json', '--scenario', scenario]);

      expect(run.code).toBe(code);
      expect(firstLine(run.stdout)).toMatch(verdict);
      expect(run.stdout).toContain(detail);
    },
    90_000,
  );

  it("shows a failure as Connect takes it: the block's Error branch with the category and message, no stack", async () => {
    const run = await invoke(['--scenario', 'errors']);

    expect(run.code).toBe(NOT_SERVED);
    expect(firstLine(run.stdout)).toMatch(
      new RegExp(`^failed: SALESFORCE_REJECTED in \\d+ ms \\(Salesforce \\d+ ms\\) ${ERROR_BRANCH}$`),
    );
    expect(run.stdout).toContain(
      [
        `Connect: takes the Error branch of the "Invoke AWS Lambda function" block`,
        '  errorType     SALESFORCE_REJECTED',
        '  errorMessage  Salesforce rejected the request (400): Invalid flowDevName: Route_Nope',
      ].join('\n'),
    );
    expect(run.stdout).not.toMatch(/\n\s+at /);
    expect(run.stdout).not.toMatch(/\bstack\b/);
  }, 90_000);

  it('with --on-error attributes, shows the attributes Connect gets and that its success branch is taken', async () => {
    const run = await invoke(['--scenario', 'errors', '--on-error', 'attributes']);

    expect(run.code).toBe(NOT_SERVED);
    expect(firstLine(run.stdout)).toMatch(
      /^failed: SALESFORCE_REJECTED in \d+ ms \(Salesforce \d+ ms\) → Connect gets status=ERROR on the block's success branch$/,
    );
    expect(run.stdout).toMatch(/\n {2}status {9}ERROR\n {2}routingTarget {2}NONE\n/);
    expect(run.stdout).toContain('  errorType      SALESFORCE_REJECTED');
    expect(run.stdout).toContain("Salesforce's sample flows never read it");
  }, 90_000);

  it('ends a stalled Salesforce in TIMEOUT within --timeout', async () => {
    const run = await invoke(['--scenario', 'stall', '--timeout', '1500']);

    expect(run.code).toBe(NOT_SERVED);
    expect(firstLine(run.stdout)).toMatch(
      new RegExp(`^failed: TIMEOUT in 1[0-4]\\d\\d ms \\(Salesforce \\d+ ms\\) ${ERROR_BRANCH}$`),
    );
    expect(run.stdout).toMatch(/invocation: +1[0-4]\d\d\.\d ms/);
  }, 90_000);

  it('labels a keep-warm ping as such, answered without calling Salesforce', async () => {
    const run = await invoke(['test/events/keep-warm.json']);

    expect(run.code).toBe(SERVED);
    expect(firstLine(run.stdout)).toMatch(/^keep-warm ping answered in \d+ ms: nothing routed, Salesforce not called$/);
    expect(run.stdout).toContain('  status  WARM');
    expect(run.stdout).toMatch(/Salesforce received\n {2}nothing\n/);
  }, 90_000);

  it('with --real and no settings, says the block takes its Error branch and names the missing setting', async () => {
    const run = await invoke(['--real']);

    expect(run.code).toBe(NOT_SERVED);
    expect(firstLine(run.stdout)).toMatch(new RegExp(`^failed: CONFIG in \\d+ ms ${ERROR_BRANCH}$`));
    expect(run.stdout).toContain(
      '  errorMessage  SCRT_ENDPOINT_BASE is not set (or set SECRET_NAME to the contact-centre secret)',
    );
  }, 90_000);

  it('with --real --env FILE, takes the settings from the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'invoke-env-'));
    writeFileSync(join(dir, '.env'), 'SCRT_ENDPOINT_BASE=https://acme.my.salesforce-scrt.com/telephony/v1\n');

    const run = await invoke(['--real', '--env', join(dir, '.env')]);

    expect(run.stdout).toContain('SALESFORCE_ORG_ID is not set');
    expect(run.stdout).toContain(`settings from ${join(dir, '.env')}`);
  }, 90_000);

  it.each([
    [['--scenario', 'chaos'], 'unknown scenario "chaos"'],
    [['--timeout', 'soon'], '--timeout is a whole number of milliseconds'],
    [['--env', '.env'], '--env goes with --real'],
    [['--on-error', 'ignore'], '--on-error is throw or attributes'],
    [['--real', '--on-error', 'attributes'], '--on-error is for local runs; with --real, set ON_ERROR in the env file'],
    [['no/such/event.json'], 'cannot read the event no/such/event.json'],
  ])('refuses %j with usage', async (args, message) => {
    const run = await invoke(args);

    expect(run.code).toBe(USAGE_ERROR);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('usage: npm run invoke --');
  });

  it.each([
    ['agent', SERVED],
    ['none', NOT_SERVED],
  ])(
    'into a pipe closed early (| head -1), exits as the verdict says, without an EPIPE stack (%s)',
    async (scenario, code) => {
      // `| true` closes the pipe before the first line is written: what `| head -1` does to every line after it.
      const script = `"${bin('tsx')}" test/sandbox/invoke.ts --scenario ${scenario} | true; exit \${PIPESTATUS[0]}`;

      const run = await runCommand('bash', ['-c', script], { NO_COLOR: '1' }, 60_000);

      expect(run.code).toBe(code);
      expect(run.stderr).not.toMatch(/EPIPE|\n\s+at /);
    },
    90_000,
  );

  it.each([[['--help']], [['-h']], [['--scenario', 'none', '--help']]])(
    '%j prints the usage, the options, the scenarios and the exit codes, and exits 0 without running anything',
    async (args) => {
      const run = await invoke(args);

      expect(run.code).toBe(SERVED);
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/^usage: npm run invoke -- \[event\.json\] \[--scenario accepted\|agent\|/);
      for (const option of ['--scenario NAME', '--timeout MS', '--on-error throw|attributes', '--real', '--env FILE']) {
        expect(run.stdout).toContain(`\n  ${option} `);
      }
      expect(run.stdout).toMatch(/\n {2}stall {5}Salesforce never answers/);
      expect(run.stdout).toMatch(
        /\nExit codes:\n {2}0 {2}the call was served as asked[^]*\n {2}1 {2}it was not[^]*\n {2}2 {2}the command line is wrong/,
      );
      expect(run.stdout).not.toContain('Function log');
    },
  );
});
