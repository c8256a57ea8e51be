import { describe, expect, it, vi } from 'vitest';
import { keepWebAssemblyOnBaseline } from '../../lambda/src/wasm-baseline.ts';
import { SalesforceClient } from '../../lambda/src/salesforce-client.ts';
import type * as V8 from 'node:v8';

/** V8's flags as the function sets them (none can be read back from V8). */
const flags = vi.hoisted(() => [] as string[]);
vi.mock('node:v8', async (importOriginal) => {
  const real = await importOriginal<typeof V8>();
  return {
    ...real,
    setFlagsFromString: (value: string) => {
      flags.push(value);
      real.setFlagsFromString(value);
    },
  };
});

describe('Function: keepWebAssemblyOnBaseline', () => {
  it("turns off both of V8's ways of recompiling WebAssembly with TurboFan", () => {
    flags.length = 0;

    keepWebAssemblyOnBaseline();

    expect(flags).toEqual(['--no-wasm-tier-up --no-wasm-dynamic-tiering']);
  });

  it('runs whenever an HTTP client is made, before its first connection compiles the parser', () => {
    flags.length = 0;

    new SalesforceClient({ telephonyProviderName: 'x' });

    expect(flags).toEqual(['--no-wasm-tier-up --no-wasm-dynamic-tiering']);
  });
});
