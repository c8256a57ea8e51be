import { describe, expect, it } from 'vitest';
import { type Check, fail, pass, skip } from '../../infra/doctor/check.ts';
import { formatResult, formatTally, runChecks } from '../../infra/doctor/run-checks.ts';

const OPTIONS = { envFile: 'org.env', settings: {}, unknownNames: [] };
const check = (title: string, run: Check['run']): Check => ({ title, run });

describe('Function: runChecks', () => {
  it('prints one line per check in order, and tallies them', async () => {
    const lines: string[] = [];

    const tally = await runChecks(
      [
        check('first', async () => pass('fine')),
        check('second', async () => fail('broken', 'mend it')),
        check('third', async () => skip('needs the second')),
      ],
      { options: OPTIONS },
      (line) => lines.push(line),
    );

    expect(lines).toEqual([
      'PASS  first: fine',
      'FAIL  second: broken — fix: mend it',
      'SKIP  third: needs the second',
    ]);
    expect(tally).toEqual({ passed: 1, failed: 1, skipped: 1 });
  });

  it('reports a check that throws as a failure, without a stack trace', async () => {
    const lines: string[] = [];

    await runChecks(
      [check('fragile', async () => Promise.reject(new TypeError('x is undefined')))],
      { options: OPTIONS },
      (l) => lines.push(l),
    );

    expect(lines).toEqual([
      'FAIL  fragile: the check itself failed: x is undefined — fix: report this as a defect of the doctor, with the line above',
    ]);
  });

  it('lets each check see what earlier ones found', async () => {
    const seen: unknown[] = [];

    await runChecks(
      [
        check('finds', async (state) => ((state.hostVerified = true), pass('found'))),
        check('reads', async (state) => (seen.push(state.hostVerified), pass('read'))),
      ],
      { options: OPTIONS },
      () => undefined,
    );

    expect(seen).toEqual([true]);
  });
});

describe('Function: formatResult', () => {
  it('keeps a result on one line and scrubs anything shaped like a key or a token', () => {
    const line = formatResult(
      'leaky',
      fail(
        'said -----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY----- and eyJhbGciOi.eyJpc3MiOi.c2ln',
        'Bearer abc',
      ),
    );

    expect(line).toBe('FAIL  leaky: said [redacted] and [redacted] — fix: Bearer [redacted]');
  });
});

describe('Function: formatTally', () => {
  it('says all clear only when nothing failed or was skipped', () => {
    expect(formatTally({ passed: 6, failed: 0, skipped: 0 })).toBe('All 6 checks passed.');
    expect(formatTally({ passed: 5, failed: 0, skipped: 1 })).toMatch(/^0 failed, 1 skipped, 5 passed/);
  });
});
