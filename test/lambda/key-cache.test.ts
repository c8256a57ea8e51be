import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Deadline } from '../../lambda/src/deadline.ts';
import { KeyError, TimeoutError } from '../../lambda/src/errors.ts';
import { RetryableKeyError } from '../../lambda/src/key/aws-errors.ts';
import { KeyCache, MAX_KEY_FETCH_ATTEMPTS } from '../../lambda/src/key/cache.ts';
import type { KeySource } from '../../lambda/src/key/source.ts';

const pem = (bits = 1024) =>
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

const modulus = (cached: { key: KeyObject }) => cached.key.export({ format: 'jwk' }).n;
const jwkN = (stored: string) => createPrivateKey(stored).export({ format: 'jwk' }).n;

describe('Class: KeyCache', () => {
  describe('Method: get', () => {
    it('fetches once and serves the cached key until the TTL passes', async () => {
      // Prepare
      let now = 1_000;
      const source = new ScriptedSource([KEY_A, KEY_B]);
      const cache = new KeyCache(source, { ttlMs: 60_000, now: () => now });

      // Act
      const first = await cache.get(Deadline.in(1000));
      const second = await cache.get(Deadline.in(1000));
      now += 60_000;
      const third = await cache.get(Deadline.in(1000));

      // Assess
      expect([first.fetched, second.fetched, third.fetched]).toEqual([true, false, true]);
      expect(modulus(second)).toBe(jwkN(KEY_A));
      expect(modulus(third)).toBe(jwkN(KEY_B));
      expect(source.calls).toBe(2);
    });

    it('shares one fetch between concurrent callers', async () => {
      const source = new ScriptedSource([{ waitMs: 30, value: KEY_A }]);
      const cache = new KeyCache(source, { ttlMs: 60_000 });

      const keys = await Promise.all(Array.from({ length: 10 }, () => cache.get(Deadline.in(1000))));

      expect(source.calls).toBe(1);
      expect(new Set(keys.map((k) => k.key)).size).toBe(1);
    });

    it('does not cache a failure: the next call fetches again', async () => {
      const source = new ScriptedSource([new KeyError('SSM parameter /k was not found'), KEY_A]);
      const cache = new KeyCache(source, { ttlMs: 60_000 });

      await expect(cache.get(Deadline.in(1000))).rejects.toThrow('was not found');
      const key = await cache.get(Deadline.in(1000));

      expect(modulus(key)).toBe(jwkN(KEY_A));
      expect(source.calls).toBe(2);
    });

    it('does not cache a value that is not a key', async () => {
      const source = new ScriptedSource(['not a key', KEY_A]);
      const cache = new KeyCache(source, { ttlMs: 60_000 });

      await expect(cache.get(Deadline.in(1000))).rejects.toThrow('does not hold a PEM private key');
      await expect(cache.get(Deadline.in(1000))).resolves.toMatchObject({ fetched: true });
    });

    it('bypasses the cache when asked to refresh (after a 401)', async () => {
      const source = new ScriptedSource([KEY_A, KEY_B]);
      const cache = new KeyCache(source, { ttlMs: 60_000 });

      await cache.get(Deadline.in(1000));
      const refreshed = await cache.get(Deadline.in(1000), { refresh: true });
      const after = await cache.get(Deadline.in(1000));

      expect(modulus(refreshed)).toBe(jwkN(KEY_B));
      expect(modulus(after)).toBe(jwkN(KEY_B));
      expect(after.fetched).toBe(false);
    });

    it('retries throttling with backoff, then succeeds', async () => {
      const throttled = () => new RetryableKeyError('reading SSM parameter /k was throttled (ThrottlingException)');
      const source = new ScriptedSource([throttled(), throttled(), KEY_A]);
      const cache = new KeyCache(source, { ttlMs: 60_000, random: () => 0 });

      await expect(cache.get(Deadline.in(1000))).resolves.toMatchObject({ fetched: true });
      expect(source.calls).toBe(3);
      expect(cache.fetchAttempts).toBe(3);
    });

    it(`gives up after ${MAX_KEY_FETCH_ATTEMPTS} throttled attempts`, async () => {
      const source = new ScriptedSource([new RetryableKeyError('reading SSM parameter /k was throttled')]);
      const cache = new KeyCache(source, { ttlMs: 60_000, random: () => 0 });

      await expect(cache.get(Deadline.in(1000))).rejects.toThrow('was throttled');
      expect(source.calls).toBe(MAX_KEY_FETCH_ATTEMPTS);
    });

    it('does not retry a final error', async () => {
      const source = new ScriptedSource([new KeyError('the function is not allowed to read SSM parameter /k')]);
      const cache = new KeyCache(source, { ttlMs: 60_000 });

      await expect(cache.get(Deadline.in(1000))).rejects.toThrow('not allowed');
      expect(source.calls).toBe(1);
    });

    it("stops waiting at the caller's deadline with a TIMEOUT naming the item", async () => {
      const source = new ScriptedSource([{ waitMs: 500, value: KEY_A }]);
      const cache = new KeyCache(source, { ttlMs: 60_000 });

      const error = await cache.get(Deadline.in(50)).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(TimeoutError);
      expect((error as Error).message).toBe('reading SSM parameter /k (PRIVATE_KEY_PARAM_NAME) did not finish in time');
    });
  });
});
