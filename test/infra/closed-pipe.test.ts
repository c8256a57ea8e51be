import { describe, expect, it } from 'vitest';
import { bin, runCommand } from '../support/run-command.ts';

/** A command that writes 2 MB of lines and exits 3, its output into a pipe closed before the first line. */
const script = (ignoring: boolean) => `
  ${ignoring ? "import { ignoreClosedStdout } from './infra/doctor/closed-pipe.ts'; ignoreClosedStdout();" : ''}
  for (let i = 0; i < 2_000; i++) console.log('x'.repeat(1_000));
  process.exitCode = 3;`;

const intoClosedPipe = (ignoring: boolean) =>
  runCommand('bash', ['-c', `"${bin('tsx')}" --eval "${script(ignoring)}" | true; exit \${PIPESTATUS[0]}`]);

describe('Function: ignoreClosedStdout', () => {
  it('lets a command whose reader closed the pipe end with its own exit code, without an EPIPE stack', async () => {
    const run = await intoClosedPipe(true);

    expect(run.code).toBe(3);
    expect(run.stderr).not.toMatch(/EPIPE|\n\s+at /);
  });

  it('is needed: without it the same command ends in an unhandled EPIPE', async () => {
    const run = await intoClosedPipe(false);

    expect(run.code).not.toBe(3);
    expect(run.stderr).toContain('EPIPE');
  });
});
