import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';

/** How to get cfn-lint: named whenever it cannot be run. */
export const CFN_LINT_INSTALL_HINT = 'pip install cfn-lint';

/** One finding of `cfn-lint --format json`. */
export interface Finding {
  readonly Filename: string;
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Message: string;
  readonly Rule: { readonly Id: string };
  readonly Location: { readonly Path: readonly (string | number)[] };
}

/** A cfn-lint run may take this long: a cold Python start and several templates on a busy machine. */
const TIMEOUT_MS = 110_000;
/** cfn-lint's exit code is a bit mask of what it found: 2 errors, 4 warnings, 8 informational; anything else failed. */
const FINDINGS_MASK = 2 | 4 | 8;

/**
 * Runs `cfn-lint --format json` on `files` and returns its findings.
 * @param env - the whole environment of the run; its PATH decides which cfn-lint runs
 *   (default: this process's PATH, and a HOME of its own)
 * @throws Error naming {@link CFN_LINT_INSTALL_HINT} when cfn-lint is not on PATH, cannot be run (a pyenv shim whose
 *   active Python lacks it), fails, or answers with anything but a JSON list
 */
export function runCfnLint(
  files: readonly string[],
  env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: tmpdir() },
): Promise<Finding[]> {
  return new Promise((resolve, reject) => {
    const fail = (problem: string) => reject(new Error(`${problem}: install it with ${CFN_LINT_INSTALL_HINT}`));
    execFile(
      'cfn-lint',
      ['--format', 'json', ...files],
      { env, timeout: TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error?.code;
        if (code === 'ENOENT') return fail('cfn-lint is not installed (not found on PATH)');
        if (typeof code === 'string') return fail(`cfn-lint cannot be started (${code})`);
        if (error?.killed) return fail(`cfn-lint did not finish within ${TIMEOUT_MS / 1000} s`);
        const said = firstLine(stderr) || firstLine(stdout);
        if (typeof code === 'number' && (code & ~FINDINGS_MASK) !== 0) {
          return fail(`cfn-lint is not runnable (exit code ${code}${said ? `: ${said}` : ''})`);
        }
        let findings: unknown;
        try {
          findings = JSON.parse(stdout);
        } catch {
          return fail(`cfn-lint did not answer in JSON${said ? ` (${said})` : ''}`);
        }
        if (!Array.isArray(findings)) return fail('cfn-lint did not answer with a list of findings');
        resolve(findings as Finding[]);
      },
    );
  });
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 300) ?? '';
}
