import { describe, expect, it } from 'vitest';
import { bin, runCommand } from '../support/run-command.ts';

const bench = async (args: string[]) => {
  const run = await runCommand(bin('tsx'), ['test/bench/bench.ts', ...args]);
  return { code: run.code, out: run.stdout + run.stderr };
};

// The benchmark's figures are read by people, not asserted here: this only checks the command runs and reports them.
// Over 30 s on a busy two-core machine: each test may take as long as runCommand lets the command run.
describe('Command: npm run bench', { timeout: 90_000 }, () => {
  it('prints the floor, init, first and warm calls as ratios, SSM calls, handshakes, memory and import costs', async () => {
    const run = await bench(['--calls', '5', '--rtt', '2']);

    expect(run.code, run.out).toBe(0);
    for (const label of [
      'floor (',
      'init (',
      'first call after init',
      'warm p50',
      'warm p95',
      'container memory',
      'the bundle (dist/lambda/index.mjs)',
    ]) {
      expect(run.out).toContain(label);
    }
    expect(run.out).toMatch(/first call after init\s+[\d.]+ ms\s+[\d.]+× floor/);
    expect(run.out).toContain('SSM GetParameter calls 1, TLS handshakes 1, failed calls 0');
  });

  it('--load reports calls ok and lost, SSM requests and throttles, and the same through a key-store outage', async () => {
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
    expect(run.out).toContain('SSM GetParameter requests 3: answered 3, throttled 0');
    expect(run.out).toContain('SSM failing every request for 1500 ms mid-run');
    expect(run.out.match(/calls ok 12 of 12, lost 0/g)).toHaveLength(2);
    expect(run.out).toMatch(/calls served with a key past its TTL while SSM failed: [1-9]/);
  });
});
