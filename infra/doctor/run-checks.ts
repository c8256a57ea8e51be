import { scrub } from '../../lambda/src/logger.ts';
import type { Check, CheckResult, DoctorState } from './check.ts';

/** How many checks ended each way. */
export interface Tally {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

const LABEL = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;

/** One line per check: `PASS  title: detail`, or `FAIL  title: detail — fix: …`. Scrubbed of keys and tokens. */
export function formatResult(title: string, result: CheckResult): string {
  const fix = result.status === 'fail' ? ` — fix: ${result.fix}` : '';
  return scrub(`${LABEL[result.status]}  ${title}: ${result.detail}${fix}`.replace(/\s*[\r\n]+\s*/g, ' '));
}

/**
 * Runs the checks in order, printing each result as it comes. A check that throws (a defect, not a finding) is
 * reported as a failure with its message, never a stack trace.
 */
export async function runChecks(
  checks: readonly Check[],
  state: DoctorState,
  print: (line: string) => void,
): Promise<Tally> {
  const tally = { passed: 0, failed: 0, skipped: 0 };
  for (const check of checks) {
    let result: CheckResult;
    try {
      result = await check.run(state);
    } catch (error) {
      result = {
        status: 'fail',
        detail: `the check itself failed: ${(error as Error)?.message ?? String(error)}`,
        fix: 'report this as a defect of the doctor, with the line above',
      };
    }
    tally[result.status === 'pass' ? 'passed' : result.status === 'fail' ? 'failed' : 'skipped']++;
    print(formatResult(check.title, result));
  }
  return tally;
}

/** The closing line: all clear, or how many failed and were skipped. */
export function formatTally({ passed, failed, skipped }: Tally): string {
  if (failed === 0 && skipped === 0) return `All ${passed} checks passed.`;
  return `${failed} failed, ${skipped} skipped, ${passed} passed: fix the first FAIL and run the doctor again.`;
}
