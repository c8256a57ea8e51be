import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Deadline } from '../../lambda/src/deadline.ts';
import { KeyError, TimeoutError } from '../../lambda/src/errors.ts';
import { RetryableKeyError } from '../../lambda/src/key/aws-errors.ts';
import {
  AUTH_REFRESH_INTERVAL_MS,
  KEY_ATTEMPT_TIMEOUT_MS,
  MAX_KEY_AGE_MS,
  MAX_KEY_FETCH_ATTEMPTS,
  OrgCache,
  type OrgCacheOptions,
  STALE_WAIT_MS,
} from '../../lambda/src/key/cache.ts';
import { EnvOrgSource } from '../../lambda/src/key/org-sources.ts';
import type { KeySource, OrgSource } from '../../lambda/src/key/source.ts';

const pem = (bits = 2048) =>
  generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const KEY_A = pem();
const KEY_B = pem();

/**
 * A key source answering from a list of scripted outcomes: a value, an error, a wait, or `stall` (no answer until the
 * attempt's signal aborts, then its reason, as the real sources report it).
 */
class ScriptedSource implements KeySource {
  readonly description = 'SSM parameter /k (PRIVATE_KEY_PARAM_NAME)';
  calls = 0;
  constructor(private readonly outcomes: (string | Error | 'stall' | { waitMs: number; value: string })[]) {}
  async fetch(signal: AbortSignal): Promise<string> {
    const outcome = this.outcomes[Math.min(this.calls++, this.outcomes.length - 1)]!;
    if (outcome instanceof Error) throw outcome;
    if (outcome === 'stall') {
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
    }
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
  describe('Method: prepareHome', () => {
    it("prepares the own org's key store without reading it", async () => {
      // Prepare
      const prepared: string[] = [];
      const source = Object.assign(new ScriptedSource([KEY_A]), {
        prepare: async () => void prepared.push('home key store'),
      });
      const cache = orgCache(source, { ttlMs: 60_000 });

      // Act
      await cache.prepareHome();

      // Assert
      expect(prepared).toEqual(['home key store']);
      expect(source.calls).toBe(0);
    });
  });

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

    it('abandons an attempt that does not answer and tries again inside the deadline', async () => {
      const source = new ScriptedSource(['stall', KEY_A]);
      const cache = orgCache(source, { ttlMs: 60_000, random: () => 0 });

      const key = await cache.get(undefined, Deadline.in(KEY_ATTEMPT_TIMEOUT_MS + 1000));

      expect(modulus(key)).toBe(jwkN(KEY_A));
      expect(source.calls).toBe(2);
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

  describe('after a 401 (refused)', () => {
    it('reads the key again at once, then serves the new one from the cache', async () => {
      const source = new ScriptedSource([KEY_A, KEY_B]);
      const cache = orgCache(source, { ttlMs: 60_000 });

      const first = await cache.get(undefined, Deadline.in(1000));
      const refreshed = await cache.get(undefined, Deadline.in(1000), { refused: first.org });
      const after = await cache.get(undefined, Deadline.in(1000));

      expect([modulus(refreshed), modulus(after)]).toEqual([jwkN(KEY_B), jwkN(KEY_B)]);
      expect([refreshed.fetched, after.fetched]).toEqual([true, false]);
    });

    it('gives a call refused with an older key the one now cached, without reading again', async () => {
      const source = new ScriptedSource([KEY_A, KEY_B, KEY_A]);
      const cache = orgCache(source, { ttlMs: 60_000 });
      const old = await cache.get(undefined, Deadline.in(1000));
      await cache.get(undefined, Deadline.in(1000), { refused: old.org });

      const late = await cache.get(undefined, Deadline.in(1000), { refused: old.org });

      expect(modulus(late)).toBe(jwkN(KEY_B));
      expect(source.calls).toBe(2);
    });

    it('shares one read between concurrent refusals', async () => {
      const source = new ScriptedSource([KEY_A, { waitMs: 30, value: KEY_B }]);
      const cache = orgCache(source, { ttlMs: 60_000 });
      const old = await cache.get(undefined, Deadline.in(1000));

      await Promise.all(
        Array.from({ length: 20 }, () => cache.get(undefined, Deadline.in(1000), { refused: old.org })),
      );

      expect(source.calls).toBe(2);
    });

    it(`reads again at most once per ${AUTH_REFRESH_INTERVAL_MS / 1000} s: within it, the refused org comes back`, async () => {
      let now = 0;
      const source = new ScriptedSource([KEY_A, KEY_B, KEY_A]);
      const cache = orgCache(source, { ttlMs: 3_600_000, now: () => now });
      const first = await cache.get(undefined, Deadline.in(1000));
      const second = await cache.get(undefined, Deadline.in(1000), { refused: first.org });

      now += AUTH_REFRESH_INTERVAL_MS - 1;
      const within = await cache.get(undefined, Deadline.in(1000), { refused: second.org });
      now += 1;
      const after = await cache.get(undefined, Deadline.in(1000), { refused: second.org });

      expect(within.org).toBe(second.org);
      expect(within.fetched).toBe(false);
      expect(after.fetched).toBe(true);
      expect(source.calls).toBe(3);
    });
  });

  describe('past the TTL, while the key store fails', () => {
    const down = () =>
      new RetryableKeyError('reading SSM parameter /k failed: AWS answered InternalServerError, HTTP 500');

    it('serves the cached key, says why, and retries the store with backoff rather than on every call', async () => {
      // Prepare
      let now = 0;
      const source = new ScriptedSource([KEY_A, new KeyError('the function is not allowed to read SSM parameter /k')]);
      const cache = orgCache(source, { ttlMs: 60_000, now: () => now });
      await cache.get(undefined, Deadline.in(1000));
      now = 60_000;

      // Act
      const first = await cache.get(undefined, Deadline.in(1000));
      const second = await cache.get(undefined, Deadline.in(1000));
      now += 1_000;
      const third = await cache.get(undefined, Deadline.in(1000));

      // Assess
      expect(modulus(first)).toBe(jwkN(KEY_A));
      expect(first.stale).toBe('the function is not allowed to read SSM parameter /k');
      expect(second.stale).toBeDefined();
      expect(third.stale).toBeDefined();
      expect(source.calls).toBe(3);
    });

    it('waits only briefly for a refresh that hangs', async () => {
      let now = 0;
      const source = new ScriptedSource([KEY_A, 'stall']);
      const cache = orgCache(source, { ttlMs: 60_000, now: () => now });
      await cache.get(undefined, Deadline.in(1000));
      now = 60_000;

      const served = await cache.get(undefined, Deadline.in(STALE_WAIT_MS * 4));

      expect(served.stale).toBe('the refresh is still under way');
      expect(modulus(served)).toBe(jwkN(KEY_A));
    });

    it('takes the new key as soon as a refresh succeeds', async () => {
      let now = 0;
      const source = new ScriptedSource([KEY_A, new KeyError('x'), KEY_B]);
      const cache = orgCache(source, { ttlMs: 60_000, now: () => now });
      await cache.get(undefined, Deadline.in(1000));
      now = 60_000;
      await cache.get(undefined, Deadline.in(1000));

      now += 1_000;
      const fresh = await cache.get(undefined, Deadline.in(1000));

      expect(modulus(fresh)).toBe(jwkN(KEY_B));
      expect(fresh.stale).toBeUndefined();
    });

    it(`drops the key past ${MAX_KEY_AGE_MS / 3_600_000} h and fails like a cold container`, async () => {
      let now = 0;
      const source = new ScriptedSource([KEY_A, down()]);
      const cache = orgCache(source, { ttlMs: 60_000, now: () => now, random: () => 0 });
      await cache.get(undefined, Deadline.in(1000));
      now = MAX_KEY_AGE_MS;

      await expect(cache.get(undefined, Deadline.in(300))).rejects.toThrow();
    });

    it('drops the key Salesforce refused even while the store fails', async () => {
      let now = 0;
      const source = new ScriptedSource([KEY_A, new KeyError('reading failed')]);
      const cache = orgCache(source, { ttlMs: 60_000, now: () => now });
      const first = await cache.get(undefined, Deadline.in(1000));
      now = 60_000;

      await expect(cache.get(undefined, Deadline.in(1000), { refused: first.org })).rejects.toThrow('reading failed');
      await expect(cache.get(undefined, Deadline.in(1000))).rejects.toThrow('reading failed');
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

    it('pushes out an org that holds no key before one whose key it keeps for a key-store outage', async () => {
      // Prepare: orgs a and b loaded; "broken" failed to load, so it holds no key
      const { loads, sourceFor } = perCallSources();
      const failing = (name: string): OrgSource =>
        name === 'broken'
          ? { description: 'broken', load: async () => Promise.reject(new KeyError('broken was not found')) }
          : sourceFor(name);
      const cache = orgCache(new ScriptedSource([KEY_A]), { ttlMs: 60_000, sourceFor: failing, maxOrgs: 3 });
      await cache.get('a', Deadline.in(1000));
      await cache.get('b', Deadline.in(1000));
      await cache.get('broken', Deadline.in(1000)).catch(() => undefined);

      // Act: a fourth org needs room; then a and b again
      await cache.get('c', Deadline.in(1000));
      await cache.get('a', Deadline.in(1000));
      await cache.get('b', Deadline.in(1000));

      // Assess: a and b were kept (no second load)
      expect(Object.fromEntries(loads)).toEqual({ a: 1, b: 1, c: 1 });
    });

    it('keeps 1,000 orgs by default: a second round of 1,000 reads nothing', async () => {
      const { loads, sourceFor } = perCallSources();
      const cache = orgCache(new ScriptedSource([KEY_A]), { ttlMs: 60_000, sourceFor });
      const names = Array.from({ length: 1_000 }, (_, i) => `org${i}`);

      for (let round = 0; round < 2; round++) for (const name of names) await cache.get(name, Deadline.in(1000));

      expect([...loads.values()].every((n) => n === 1)).toBe(true);
      expect(loads.size).toBe(1_000);
    });

    it('shares one load per org between concurrent callers', async () => {
      const { loads, sourceFor } = perCallSources(30);
      const cache = orgCache(new ScriptedSource([KEY_A]), { ttlMs: 60_000, sourceFor });

      await Promise.all(['a', 'b', 'a', 'b', 'a'].map((name) => cache.get(name, Deadline.in(1000))));

      expect(Object.fromEntries(loads)).toEqual({ a: 1, b: 1 });
    });
  });
});
