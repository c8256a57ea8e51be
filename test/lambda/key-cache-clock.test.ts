import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { OrgSettings } from '../../lambda/src/config.ts';
import { Deadline } from '../../lambda/src/deadline.ts';
import { KeyError } from '../../lambda/src/errors.ts';
import { RetryableKeyError } from '../../lambda/src/key/aws-errors.ts';
import {
  AUTH_REFRESH_INTERVAL_MS,
  KEY_ATTEMPT_TIMEOUT_MS,
  MAX_KEY_AGE_MS,
  OrgCache,
  STALE_WAIT_MS,
} from '../../lambda/src/key/cache.ts';
import type { Org, OrgSource } from '../../lambda/src/key/source.ts';

const SETTINGS: OrgSettings = {
  endpointBase: 'https://acme.my.salesforce-scrt.com/telephony/v1',
  orgId: '00DKz000001AbCdEAA',
  callCenterApiName: 'ConnectCallCenter',
};
const KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
/** A monotonic clock reads the time since the process started: hours, in a container that has lived long. */
const LATE = 10 * 3600_000;

type Outcome = 'org' | Error | 'stall' | { waitMs: number };

/** An org source answering from a list of outcomes (the last repeats): a new org, an error, or no answer. */
class ScriptedOrgs implements OrgSource {
  readonly description = 'SSM parameter /k (PRIVATE_KEY_PARAM_NAME)';
  loads = 0;
  constructor(private readonly outcomes: Outcome[]) {}
  async load(signal: AbortSignal): Promise<Org> {
    const outcome = this.outcomes[Math.min(this.loads++, this.outcomes.length - 1)]!;
    if (outcome instanceof Error) throw outcome;
    if (outcome === 'stall') {
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
    }
    if (outcome !== 'org') await new Promise((resolve) => setTimeout(resolve, outcome.waitMs));
    return { settings: SETTINGS, key: KEY };
  }
}

interface CacheOptions {
  readonly ttlMs?: number;
  readonly random?: () => number;
  readonly maxOrgs?: number;
}

/** A cache of the function's own org over `outcomes`, on a clock the test moves, starting at {@link LATE}. */
function cache(outcomes: Outcome[], { ttlMs = 60_000, random = () => 0, maxOrgs }: CacheOptions = {}) {
  const clock = { now: LATE };
  const source = new ScriptedOrgs(outcomes);
  const loads = new Map<string, number>();
  const orgs = new OrgCache(source, {
    ttlMs,
    now: () => clock.now,
    random,
    maxOrgs,
    sourceFor: (name) => ({
      description: name,
      load: async () => {
        loads.set(name, (loads.get(name) ?? 0) + 1);
        if (name.startsWith('broken')) throw new KeyError(`${name} was not found`);
        return { settings: SETTINGS, key: KEY };
      },
    }),
  });
  return { orgs, source, clock, loads };
}

const down = () => new KeyError('reading SSM parameter /k failed: AWS answered InternalServerError, HTTP 500');
const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

describe('Class: OrgCache, on a clock that does not start at 0', () => {
  describe('Method: prepareHome', () => {
    it('does nothing for a source with nothing to prepare', async () => {
      const { orgs } = cache(['org']);

      await expect(orgs.prepareHome()).resolves.toBeUndefined();
    });
  });

  describe(`Rule: past its TTL a key is served while the store fails, up to ${MAX_KEY_AGE_MS / 3_600_000} h`, () => {
    it('serves it stale, not as a fetch, just before 24 h', async () => {
      // Prepare
      const { orgs, clock } = cache(['org', down()]);
      const first = await orgs.get(undefined, Deadline.in(1_000));
      clock.now += MAX_KEY_AGE_MS - 1;

      // Act
      const served = await orgs.get(undefined, Deadline.in(1_000));

      // Assess
      expect(served).toEqual({ org: first.org, fetched: false, stale: down().message });
    });

    it('drops it at 24 h', async () => {
      const { orgs, clock } = cache(['org', down()]);
      await orgs.get(undefined, Deadline.in(1_000));
      clock.now += MAX_KEY_AGE_MS;

      await expect(orgs.get(undefined, Deadline.in(1_000))).rejects.toThrow(down().message);
    });
  });

  describe('Rule: a failed refresh is tried again after 1 s, doubling per failure, from 1 s again after a success', () => {
    it('spaces the refreshes 1 s, then 2 s, then 4 s', async () => {
      // Prepare: the key loaded, then a store that keeps failing
      const { orgs, source, clock } = cache(['org', down()], { ttlMs: 1_000 });
      await orgs.get(undefined, Deadline.in(1_000));
      clock.now += 1_000;
      const refreshAt = async (ms: number) => {
        clock.now += ms;
        const before = source.loads;
        await orgs.get(undefined, Deadline.in(1_000));
        return source.loads - before;
      };

      // Act: the first refresh fails at once; then the next are due 1 s, 2 s, 4 s after each failure
      const refreshes = [
        await refreshAt(0),
        await refreshAt(999),
        await refreshAt(1),
        await refreshAt(1_999),
        await refreshAt(1),
        await refreshAt(3_999),
        await refreshAt(1),
      ];

      // Assess
      expect(refreshes).toEqual([1, 0, 1, 0, 1, 0, 1]);
    });

    it('starts again from 1 s once a refresh has succeeded', async () => {
      const { orgs, source, clock } = cache(['org', down(), down(), 'org', down()], { ttlMs: 1_000 });
      await orgs.get(undefined, Deadline.in(1_000));
      for (const step of [1_000, 1_000, 2_000]) {
        clock.now += step;
        await orgs.get(undefined, Deadline.in(1_000));
      }
      clock.now += 1_000;
      await orgs.get(undefined, Deadline.in(1_000));
      const before = source.loads;

      clock.now += 1_000;
      await orgs.get(undefined, Deadline.in(1_000));

      expect(source.loads - before).toBe(1);
    });
  });

  describe(`Rule: a refresh that does not answer is waited for ${STALE_WAIT_MS} ms at most, less when the deadline is closer`, () => {
    it(`waits ${STALE_WAIT_MS} ms though the deadline is far`, async () => {
      const { orgs, clock } = cache(['org', 'stall']);
      await orgs.get(undefined, Deadline.in(1_000));
      clock.now += 60_000;
      const started = performance.now();

      const served = await orgs.get(undefined, Deadline.in(5_000));

      expect(served.stale).toBe('the refresh is still under way');
      expect(served.fetched).toBe(false);
      expect(performance.now() - started).toBeLessThan(1_000);
    });

    it('takes a refresh that answers within the wait', async () => {
      const { orgs, clock } = cache(['org', { waitMs: 20 }]);
      const first = await orgs.get(undefined, Deadline.in(1_000));
      clock.now += 60_000;

      const served = await orgs.get(undefined, Deadline.in(5_000));

      expect(served.fetched).toBe(true);
      expect(served.stale).toBeUndefined();
      expect(served.org).not.toBe(first.org);
    });

    it(`says the refresh did not answer within ${KEY_ATTEMPT_TIMEOUT_MS} ms once it has been abandoned`, async () => {
      const { orgs, clock } = cache(['org', 'stall']);
      await orgs.get(undefined, Deadline.in(1_000));
      clock.now += 60_000;
      await orgs.get(undefined, Deadline.in(1_000));
      await new Promise((resolve) => setTimeout(resolve, KEY_ATTEMPT_TIMEOUT_MS + 50));

      const served = await orgs.get(undefined, Deadline.in(1_000));

      expect(served.stale).toBe(
        `reading SSM parameter /k (PRIVATE_KEY_PARAM_NAME) did not answer within ${KEY_ATTEMPT_TIMEOUT_MS} ms`,
      );
    });
  });

  describe(`Rule: after a 401 the key is read again at most once per ${AUTH_REFRESH_INTERVAL_MS / 1000} s`, () => {
    it('keeps the refused key within 30 s of the last read a 401 caused, and reads again after', async () => {
      // Prepare
      const { orgs, source, clock } = cache(['org'], { ttlMs: 3_600_000 });
      const first = await orgs.get(undefined, Deadline.in(1_000));
      const second = await orgs.get(undefined, Deadline.in(1_000), { refused: first.org });

      // Act
      clock.now += AUTH_REFRESH_INTERVAL_MS - 1;
      const within = await orgs.get(undefined, Deadline.in(1_000), { refused: second.org });
      clock.now += 1;
      const after = await orgs.get(undefined, Deadline.in(1_000), { refused: second.org });

      // Assess
      expect(within).toEqual({ org: second.org, fetched: false });
      expect(after.fetched).toBe(true);
      expect(source.loads).toBe(3);
    });

    it('gives a call refused with an older key the one cached now, as no fetch of its own', async () => {
      const { orgs } = cache(['org']);
      const old = await orgs.get(undefined, Deadline.in(1_000));
      const current = await orgs.get(undefined, Deadline.in(1_000), { refused: old.org });

      const late = await orgs.get(undefined, Deadline.in(1_000), { refused: old.org });

      expect(late).toEqual({ org: current.org, fetched: false });
    });

    it('gives every call refused during the new read the new key', async () => {
      const { orgs, source } = cache(['org', { waitMs: 30 }]);
      const old = await orgs.get(undefined, Deadline.in(1_000));

      const all = await Promise.all(
        Array.from({ length: 5 }, () => orgs.get(undefined, Deadline.in(1_000), { refused: old.org })),
      );

      expect(source.loads).toBe(2);
      expect(new Set(all.map(({ org }) => org)).size).toBe(1);
      expect(all[0]!.org).not.toBe(old.org);
    });
  });

  describe('Rule: throttling is retried with a backoff that grows from the second attempt', () => {
    const throttled = () => new RetryableKeyError('reading SSM parameter /k was throttled (ThrottlingException)');

    it('waits the backoff of attempts 2 and 3 before them', async () => {
      const { orgs } = cache([throttled(), throttled(), 'org'], { random: () => 0.999 });
      const started = performance.now();

      await orgs.get(undefined, Deadline.in(3_000));

      expect(performance.now() - started).toBeGreaterThanOrEqual(199 + 399 - 5);
    });

    it('gives up with TIMEOUT, naming the item, when the backoff would pass the deadline', async () => {
      const { orgs } = cache([throttled(), 'org'], { random: () => 0.999 });

      await expect(orgs.get(undefined, Deadline.in(150))).rejects.toMatchObject({
        code: 'TIMEOUT',
        message: expect.stringMatching(
          /^no time left to wait 199 ms before reading SSM parameter \/k \(PRIVATE_KEY_PARAM_NAME\) again$/,
        ),
      });
    });

    it("leaves no attempt's timer behind", async () => {
      const { orgs } = cache([throttled(), 'org']);
      const before = timers();

      await orgs.get(undefined, Deadline.in(1_000));

      expect(timers()).toBe(before);
    });
  });

  describe('Rule: past maxOrgs, an org that holds no key goes first', () => {
    it('pushes out the keyless org, then the least recently used', async () => {
      // Prepare: room for one per-call org; "broken" failed to load
      const { orgs, loads } = cache(['org'], { maxOrgs: 1 });
      await orgs.get('broken', Deadline.in(1_000)).catch(() => undefined);

      // Act
      await orgs.get('a', Deadline.in(1_000));
      await orgs.get('b', Deadline.in(1_000));
      await orgs.get('a', Deadline.in(1_000));

      // Assess: a was pushed out by b, and loaded again
      expect(Object.fromEntries(loads)).toEqual({ broken: 1, a: 2, b: 1 });
    });
  });
});
