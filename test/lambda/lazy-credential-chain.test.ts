import { describe, expect, it, vi } from 'vitest';
import { defaultProvider } from '../../lambda/src/key/lazy-credential-chain.ts';

/** The SDK's chain, noting each chain made and each call, answering fixed credentials. */
const chain = vi.hoisted(() => ({ made: [] as unknown[], calls: [] as unknown[] }));
vi.mock('@aws-sdk/credential-provider-node', () => ({
  defaultProvider: (init: unknown) => {
    chain.made.push(init);
    return async (options: unknown) => {
      chain.calls.push(options);
      return { accessKeyId: 'AKIDCHAIN', secretAccessKey: 'chain' };
    };
  },
}));

describe('Function: defaultProvider', () => {
  it("makes the SDK's chain on the first request for credentials only, once, and asks it each time", async () => {
    // Prepare
    const init = { profile: 'dev' };
    const provider = defaultProvider(init);
    const before = chain.made.length;

    // Act
    const first = await provider({ forceRefresh: false });
    const second = await provider({ forceRefresh: true });

    // Assess
    expect(before).toBe(0);
    expect(chain.made).toEqual([init]);
    expect(chain.calls).toEqual([{ forceRefresh: false }, { forceRefresh: true }]);
    expect([first, second]).toEqual([
      { accessKeyId: 'AKIDCHAIN', secretAccessKey: 'chain' },
      { accessKeyId: 'AKIDCHAIN', secretAccessKey: 'chain' },
    ]);
  });
});
