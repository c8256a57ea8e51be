import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../support/run-command.ts';

/**
 * A directory of stand-ins, first on the PATH: each tool named here exits with the given code. `node` and `npm` fail
 * too, so a script that went past its check would install nothing.
 */
function fakeTools(exitCodes: Record<string, number>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ci-tools-'));
  for (const [tool, code] of Object.entries({ ...exitCodes, node: 3, npm: 3 })) {
    writeFileSync(join(dir, tool), `#!/bin/sh\nexit ${code}\n`);
    chmodSync(join(dir, tool), 0o755);
  }
  return dir;
}

describe('Command: bash .ci/run', () => {
  it('stops before installing anything when a tool is missing, naming it and how to get it', async () => {
    const tools = fakeTools({ python3: 0, moto_server: 0, 'cfn-lint': 127 });

    const run = await runCommand('bash', ['.ci/run'], { PATH: `${tools}:/usr/bin:/bin` }, 10_000);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('missing: cfn-lint (not found or not runnable) — pip install cfn-lint');
    expect(run.stderr).not.toContain('missing: moto_server');
    expect(run.stderr).not.toContain('missing: python3');
    expect(run.stderr).toContain("CI needs python3, cfn-lint and moto_server: pip install cfn-lint 'moto[server]'");
    expect(run.stdout).not.toContain('== node');
  });

  it('names every missing tool at once', async () => {
    const tools = fakeTools({ python3: 0, moto_server: 1, 'cfn-lint': 1 });

    const run = await runCommand('bash', ['.ci/run'], { PATH: `${tools}:/usr/bin:/bin` }, 10_000);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain("missing: moto_server (not found or not runnable) — pip install 'moto[server]'");
    expect(run.stderr).toContain('missing: cfn-lint');
  });
});
