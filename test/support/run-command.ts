import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root, where the commands the README shows are run. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/**
 * Set by the test run's global setup once the bundle is current (see `infra/app.ts`); passed on to every command, so
 * none of them rebuilds the bundle the other tests are running.
 */
export const BUNDLE_FROZEN_VARIABLE = 'BRIDGE_BUNDLE_FROZEN';
/** The local binaries `npm run …` would use. */
export const bin = (name: string) => fileURLToPath(new URL(`../../node_modules/.bin/${name}`, import.meta.url));

export interface CommandRun {
  /** The exit code (non-zero also when the command was killed or timed out). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command to completion in the repository root with only `env` (plus PATH, and {@link BUNDLE_FROZEN_VARIABLE}
 * when set) in its environment — no AWS credentials, as on a newcomer's machine.
 */
export function runCommand(
  file: string,
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 90_000,
): Promise<CommandRun> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...frozenBundle(), ...env }, timeout: timeoutMs },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) || 1 : 0, stdout, stderr }),
    );
  });
}

function frozenBundle(): Record<string, string> {
  const value = process.env[BUNDLE_FROZEN_VARIABLE];
  return value ? { [BUNDLE_FROZEN_VARIABLE]: value } : {};
}
