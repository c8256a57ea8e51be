import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Deadline } from '../../lambda/src/deadline.ts';
import { KeyError, TimeoutError } from '../../lambda/src/errors.ts';
import { RetryableKeyError } from '../../lambda/src/key/aws-errors.ts';
import { MAX_KEY_FETCH_ATTEMPTS, OrgCache, type OrgCacheOptions } from '../../lambda/src/key/cache.ts';
import { EnvOrgSource } from '../../lambda/src/key/org-sources.ts';
import type { KeySource, OrgSource } from '../../lambda/src/key/source.ts';

const pem = (bits = 2048) =>
  generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const KEY_A = pem();
const KEY_B = pem();

/** A key source answering from a list of scripted outcomes (a value, an error, or a wait). */
class ScriptedSource implements KeySource {
  readonly description = 'SSM parameter /k (PRIVATE_KEY_PARAM_NAME)';
  calls = 0;
  constructor(private readonly outcomes: (string | Error | { waitMs: number; value: string })[]) {}
  async fetch(): Promise<string> {
    const outcome = this.outcomes[Math.min(this.calls++, this.outcomes.length - 1)]!;
    if (outcome instanceof Error) throw outcome;
    if (typeof outcome === 'string') return outcome;
    await new Promise((resolve) => setTimeout(resolve, outcome.waitMs));
    return outcome.value;
  }
}

const modulus = (cached: { org: { key: KeyObject } }) => cached.org.key.export({ format: 'jwk' }).n;
const SETTINGS = {
  endpointBase: 'https://acme.my.salesforce-scrt.com/telephony/v1',
  orgId: '00DKz000001AbCdEAA',
  callCenterApiName: 'ConnectCallCenter',
};
const noOtherOrgs = (name: string): OrgSource => {
  throw new Error(`unexpected per-call org ${name}`);
};

/** A cache whose own org reads its key from `source`. */
function orgCache(source: KeySource, options: Omit<OrgCacheOptions, 'sourceFor'> & Partial<OrgCacheOptions>) {
  return new OrgCache(new EnvOrgSource(source, SETTINGS), { sourceFor: noOtherOrgs, ...options });
}
const jwkN = (stored: string) => createPrivateKey(stored).export({ format: 'jwk' }).n;

describe('Class: OrgCache', () => {
  describe('Method: get', () => {
    it('fetches once and serves the cached key until the TTL passes', async () => {
      // Prepare
      let now = 1_000;
      const source = new ScriptedSource([KEY_A, KEY_B]);
      const cache = orgCache(source, { ttlMs: 60_000, now: () => now });

      // Act
      const first = await cache.get(undefined, Deadline.in(1000));
      const second = await cache.get(undefined, Deadline.in(1000));
      now += 60_000;
      const third = await cache.get(undefined, Deadline.in(1000));

      // Assess
      expect([first.fetched, second.fetched, third.fetched]).toEqual([true, false, true]);
      expect(modulus(second)).toBe(jwkN(KEY_A));
      expect(modulus(third)).toBe(jwkN(KEY_B));
      expect(source.calls).toBe(2);
    });

    it('shares one fetch between concurrent callers', async () => {
      const source = new ScriptedSource([{ waitMs: 30, value: KEY_A }]);
      const cache = orgCache(source, { ttlMs: 60_000 });

      const keys = await Promise.all(Array.from({ length: 10 }, () => cache.get(undefined, Deadline.in(1000))));

      expect(source.calls).toBe(1);
      expect(new Set(keys.map((k) => k.org.key)).size).toBe(1);
    });

    it('does not cache a failure: the next call fetches again', async () => {
      const source = new ScriptedSource([new KeyError('SSM parameter /k was not found'), KEY_A]);
      const cache = orgCache(source, { ttlMs: 60_000 });

      await expect(cache.get(undefined, Deadline.in(1000))).rejects.toThrow('was not found');
      const key = await cache.get(undefined, Deadline.in(1000));

      expect(modulus(key)).toBe(jwkN(KEY_A));
      expect(source.calls).toBe(2);
    });

    it('does not cache a value that is not a key', async () => {
      const source = new ScriptedSource(['not a key', KEY_A]);
      const cache = orgCache(source, { ttlMs: 60_000 });

      await expect(cache.get(undefined, Deadline.in(1000))).rejects.toThrow('does not hold a PEM private key');
      await expect(cache.get(undefined, Deadline.in(1000))).resolves.toMatchObject({ fetched: true });
    });

    it('bypasses the cache when asked to refresh (after a 401)', async () => {
      const source = new ScriptedSource([KEY_A, KEY_B]);
      const cache = orgCache(source, { ttlMs: 60_000 });

      await cache.get(undefined, Deadline.in(1000));
      const refreshed = await cache.get(undefined, Deadline.in(1000), { refresh: true });
      const after = await cache.get(undefined, Deadline.in(1000));

      expect(modulus(refreshed)).toBe(jwkN(KEY_B));
      expect(modulus(after)).toBe(jwkN(KEY_B));
      expect(after.fetched).toBe(false);
    });

    it('retries throttling with backoff, then succeeds', async () => {
      const throttled = () => new RetryableKeyError('reading SSM parameter /k was throttled (ThrottlingException)');
      const source = new ScriptedSource([throttled(), throttled(), KEY_A]);
      const cache = orgCache(source, { ttlMs: 60_000, random: () => 0 });

      await expect(cache.get(undefined, Deadline.in(1000))).resolves.toMatchObject({ fetched: true });
      expect(source.calls).toBe(3);
      expect(cache.fetchAttempts).toBe(3);
    });

    it(`gives up after ${MAX_KEY_FETCH_ATTEMPTS} throttled attempts`, async () => {
      const source = new ScriptedSource([new RetryableKeyError('reading SSM parameter /k was throttled')]);
      const cache = orgCache(source, { ttlMs: 60_000, random: () => 0 });

      await expect(cache.get(undefined, Deadline.in(1000))).rejects.toThrow('was throttled');
      expect(source.calls).toBe(MAX_KEY_FETCH_ATTEMPTS);
    });

    it('does not retry a final error', async () => {
      const source = new ScriptedSource([new KeyError('the function is not allowed to read SSM parameter /k')]);
      const cache = orgCache(source, { ttlMs: 60_000 });

      await expect(cache.get(undefined, Deadline.in(1000))).rejects.toThrow('not allowed');
      expect(source.calls).toBe(1);
    });

    it("stops waiting at the caller's deadline with a TIMEOUT naming the item", async () => {
      const source = new ScriptedSource([{ waitMs: 500, value: KEY_A }]);
      const cache = orgCache(source, { ttlMs: 60_000 });

      const error = await cache.get(undefined, Deadline.in(50)).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(TimeoutError);
      expect((error as Error).message).toBe('reading SSM parameter /k (PRIVATE_KEY_PARAM_NAME) did not finish in time');
    });
  });

  describe('per-call orgs', () => {
    /** Per-call sources that count their loads by secret name and answer after `waitMs`. */
    function perCallSources(waitMs = 0) {
      const loads = new Map<string, number>();
      const sourceFor = (name: string): OrgSource => ({
        description: `Secrets Manager secret ${name} (secretName in the event)`,
        load: async () => {
          loads.set(name, (loads.get(name) ?? 0) + 1);
          await new Promise((resolve) => setTimeout(resolve, waitMs));
          return { settings: { ...SETTINGS, orgId: `00D${name.padEnd(12, 'x')}` }, key: createPrivateKey(KEY_B) };
        },
      });
      return { loads, sourceFor };
    }

    it("keeps each org apart from the function's own, each loaded once", async () => {
      // Prepare
      const home = new ScriptedSource([KEY_A]);
      const { loads, sourceFor } = perCallSources();
      const cache = orgCache(home, { ttlMs: 60_000, sourceFor });

      // Act
      const own = await cache.get(undefined, Deadline.in(1000));
      const a1 = await cache.get('orgA', Deadline.in(1000));
      const b1 = await cache.get('orgB', Deadline.in(1000));
      const a2 = await cache.get('orgA', Deadline.in(1000));
      const own2 = await cache.get(undefined, Deadline.in(1000));

      // Assess
      expect(own.org.settings.orgId).toBe(SETTINGS.orgId);
      expect([a1.org.settings.orgId, b1.org.settings.orgId]).toEqual(['00DorgAxxxxxxxx', '00DorgBxxxxxxxx']);
      expect([a1.fetched, a2.fetched, own2.fetched]).toEqual([true, false, false]);
      expect(Object.fromEntries(loads)).toEqual({ orgA: 1, orgB: 1 });
      expect(home.calls).toBe(1);
    });

    it("drops the least recently used org past maxOrgs, never the function's own", async () => {
      const home = new ScriptedSource([KEY_A]);
      const { loads, sourceFor } = perCallSources();
      const cache = orgCache(home, { ttlMs: 60_000, sourceFor, maxOrgs: 2 });

      await cache.get(undefined, Deadline.in(1000));
      for (const name of ['a', 'b', 'a', 'c', 'a', 'b']) await cache.get(name, Deadline.in(1000));
      await cache.get(undefined, Deadline.in(1000));

      expect(Object.fromEntries(loads)).toEqual({ a: 1, b: 2, c: 1 });
      expect(home.calls).toBe(1);
    });

    it('shares one load per org between concurrent callers', async () => {
      const { loads, sourceFor } = perCallSources(30);
      const cache = orgCache(new ScriptedSource([KEY_A]), { ttlMs: 60_000, sourceFor });

      await Promise.all(['a', 'b', 'a', 'b', 'a'].map((name) => cache.get(name, Deadline.in(1000))));

      expect(Object.fromEntries(loads)).toEqual({ a: 1, b: 1 });
    });
  });
});
