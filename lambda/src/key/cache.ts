import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_ORG_CACHE_SIZE } from '../config.ts';
import { Deadline, monotonicNow } from '../deadline.ts';
import { backoffMs } from '../retry.ts';
import { RetryableKeyError } from './aws-errors.ts';
import type { Org, OrgSource } from './source.ts';

/**
 * Fetch attempts per load when the backend throttles or has a network fault. The caller's deadline is the real
 * bound (backoff is capped at 1 s); this only stops a fast-failing backend from being hammered.
 */
export const MAX_KEY_FETCH_ATTEMPTS = 10;
/** One GetParameter / GetSecretValue may take this long; a stalled one is abandoned and tried again. */
export const KEY_ATTEMPT_TIMEOUT_MS = 1_500;
/** Past its TTL a key is still used while refreshing it fails, up to this age; only a 401 drops it sooner. */
export const MAX_KEY_AGE_MS = 24 * 3600_000;
/** A call holding a usable key waits this long for a refresh before it goes on with the key it has. */
export const STALE_WAIT_MS = 200;
/** A refresh while a usable key is served is one attempt; the backoff between refreshes spaces out the next. */
const REFRESH_ATTEMPTS = 1;
/** After a 401 has made an org's key be read again, another 401 does not, for this long. */
export const AUTH_REFRESH_INTERVAL_MS = 30_000;
/** A failed refresh is not tried again for 1 s, doubling per failure up to a minute. */
const REFRESH_BACKOFF_MS = { base: 1_000, cap: 60_000 } as const;

export interface OrgCacheOptions {
  /** How long a loaded org (settings and parsed key) is reused. 0 loads on every call (concurrent callers still share one load). */
  readonly ttlMs: number;
  /** The source of a per-call secret's org. */
  readonly sourceFor: (secretName: string) => OrgSource;
  /** Per-call orgs kept at once. @default DEFAULT_ORG_CACHE_SIZE (`ORG_CACHE_SIZE`'s default) */
  readonly maxOrgs?: number;
  /** The clock of the TTL and the ages. @default monotonicNow: a wall-clock step neither expires nor revives a key */
  readonly now?: () => number;
  readonly random?: () => number;
}

/** The result of {@link OrgCache.get}. */
export interface CachedOrg {
  readonly org: Org;
  /** True when this call waited on a load. */
  readonly fetched: boolean;
  /** Set when the org is served past its TTL because refreshing it failed (or is still under way): why. */
  readonly stale?: string;
}

/** One org's place in the cache: its source, the loaded value, the load in flight, and the refresh state. */
interface Entry {
  readonly source: OrgSource;
  value?: { readonly org: Org; readonly loadedAt: number; readonly expiresAt: number };
  inflight?: Promise<Org>;
  /** Failed loads in a row, why the last one failed, and when the next refresh may start. */
  failures: number;
  lastError?: Error;
  retryAt: number;
  /** When a 401 last made this org be read again. */
  authRefreshAt?: number;
}

/** The key of the function's own org; per-call secrets are keyed by their name, which never is empty. */
const HOME = '';

/**
 * Every org this container has served — its settings and parsed key — keyed by the secret that names it (the
 * function's own org under its configuration). Per org:
 * - concurrent misses share one load, and a failed load is not cached;
 * - each attempt has its own timeout ({@link KEY_ATTEMPT_TIMEOUT_MS}); throttling, network faults and stalls are
 *   retried with jittered backoff inside the caller's deadline;
 * - past the TTL the key keeps being served while refreshing fails, refreshes backing off, until
 *   {@link MAX_KEY_AGE_MS}: an outage of SSM or Secrets Manager does not stop routing;
 * - a 401 drops the key and reads it again at once, at most once per {@link AUTH_REFRESH_INTERVAL_MS}; a call refused
 *   with an older key than the one now cached simply gets the cached one.
 * Per-call orgs beyond `maxOrgs` ({@link DEFAULT_ORG_CACHE_SIZE} unless `ORG_CACHE_SIZE` says otherwise) push out the
 * least recently used.
 */
export class OrgCache {
  readonly #entries = new Map<string, Entry>();
  /** Load attempts made against the backends so far (for logs and benchmarks). */
  fetchAttempts = 0;

  constructor(
    home: OrgSource,
    private readonly options: OrgCacheOptions,
  ) {
    this.#entries.set(HOME, newEntry(home));
  }

  /** The source of the function's own org. */
  get home(): OrgSource {
    return this.#entries.get(HOME)!.source;
  }

  /**
   * Loads what reading the function's own org needs (its key store's SDK client): awaited before the first read, that
   * read's request leaves at once.
   */
  async prepareHome(): Promise<void> {
    await this.#entries.get(HOME)?.source.prepare?.();
  }

  /**
   * The org named by `secretName` (the function's own when undefined). With `refused` — the org whose token
   * Salesforce just answered 401 — a newer org when there is one or when reading it again is allowed; `refused` itself
   * when a 401 already made it be read again less than {@link AUTH_REFRESH_INTERVAL_MS} ago.
   * @throws {KeyError} the org cannot be read or parsed and no usable one is cached
   * @throws {TimeoutError} the deadline passed first
   */
  async get(
    secretName: string | undefined,
    deadline: Deadline,
    { refused }: { refused?: Org } = {},
  ): Promise<CachedOrg> {
    const entry = this.#entry(secretName ?? HOME);
    if (refused) return this.#afterRefusal(entry, refused, deadline);
    const now = this.#now();
    const { value } = entry;
    if (value && now < value.expiresAt) return { org: value.org, fetched: false };
    if (value && now - value.loadedAt < MAX_KEY_AGE_MS) return this.#stale(entry, value.org, deadline);
    entry.value = undefined;
    return { org: await this.#join(entry, deadline), fetched: true };
  }

  /** Past the TTL with a usable key: refresh (unless backing off), wait briefly for it, else serve the key held. */
  async #stale(entry: Entry, held: Org, deadline: Deadline): Promise<CachedOrg> {
    if (!entry.inflight && this.#now() >= entry.retryAt) {
      this.#start(entry, Deadline.in(KEY_ATTEMPT_TIMEOUT_MS), REFRESH_ATTEMPTS);
    }
    if (entry.inflight) {
      const waitMs = Math.min(STALE_WAIT_MS, deadline.remaining());
      const fresh = await Promise.race([entry.inflight.catch(() => undefined), sleep(waitMs, undefined)]);
      if (fresh) return { org: fresh, fetched: true };
    }
    const why = entry.inflight ? 'the refresh is still under way' : (entry.lastError?.message ?? 'refresh failed');
    return { org: held, fetched: false, stale: why };
  }

  async #afterRefusal(entry: Entry, refused: Org, deadline: Deadline): Promise<CachedOrg> {
    if (entry.value && entry.value.org !== refused) return { org: entry.value.org, fetched: false };
    if (!entry.inflight) {
      const now = this.#now();
      if (entry.authRefreshAt !== undefined && now - entry.authRefreshAt < AUTH_REFRESH_INTERVAL_MS) {
        return { org: refused, fetched: false };
      }
      entry.authRefreshAt = now;
      entry.value = undefined;
    }
    return { org: await this.#join(entry, deadline), fetched: true };
  }

  #join(entry: Entry, deadline: Deadline): Promise<Org> {
    return deadline.race(entry.inflight ?? this.#start(entry, deadline), `reading ${entry.source.description}`);
  }

  /** Starts a load, recording its outcome on the entry; the promise never goes unhandled. */
  #start(entry: Entry, deadline: Deadline, attempts = MAX_KEY_FETCH_ATTEMPTS): Promise<Org> {
    const load = this.#load(entry, deadline, attempts).then(
      (org) => {
        const now = this.#now();
        entry.value = { org, loadedAt: now, expiresAt: now + this.options.ttlMs };
        Object.assign(entry, { failures: 0, lastError: undefined, retryAt: 0 });
        return org;
      },
      (error: Error) => {
        entry.failures++;
        entry.lastError = error;
        const backoff = Math.min(REFRESH_BACKOFF_MS.cap, REFRESH_BACKOFF_MS.base * 2 ** (entry.failures - 1));
        entry.retryAt = this.#now() + backoff;
        throw error;
      },
    );
    entry.inflight = load.finally(() => {
      entry.inflight = undefined;
    });
    entry.inflight.catch(() => undefined);
    return entry.inflight;
  }

  async #load(entry: Entry, deadline: Deadline, attempts: number): Promise<Org> {
    for (let attempt = 1; ; attempt++) {
      const timeout = new AbortController();
      const timer = setTimeout(
        () =>
          timeout.abort(
            new RetryableKeyError(
              `reading ${entry.source.description} did not answer within ${KEY_ATTEMPT_TIMEOUT_MS} ms`,
            ),
          ),
        Math.min(KEY_ATTEMPT_TIMEOUT_MS, deadline.remaining()),
      );
      try {
        this.fetchAttempts++;
        return await entry.source.load(AbortSignal.any([deadline.signal(), timeout.signal]));
      } catch (error) {
        if (!(error instanceof RetryableKeyError) || attempt >= attempts) throw error;
        await deadline.sleep(backoffMs(attempt + 1, this.options.random), `reading ${entry.source.description} again`);
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /**
   * The entry for `name`, made most recently used. A new one beyond {@link OrgCacheOptions.maxOrgs} pushes out a
   * per-call org: the least recently used that holds no key, else the least recently used — a key past its TTL is
   * kept while there is room, for the calls a key-store outage would otherwise fail.
   */
  #entry(name: string): Entry {
    let entry = this.#entries.get(name);
    if (entry) {
      this.#entries.delete(name);
    } else {
      entry = newEntry(this.options.sourceFor(name));
      if (this.#entries.size > (this.options.maxOrgs ?? DEFAULT_ORG_CACHE_SIZE)) this.#evictOne();
    }
    this.#entries.set(name, entry);
    return entry;
  }

  #evictOne(): void {
    let oldest: string | undefined;
    for (const [key, entry] of this.#entries) {
      if (key === HOME || entry.inflight) continue;
      if (entry.value === undefined) {
        this.#entries.delete(key);
        return;
      }
      oldest ??= key;
    }
    if (oldest !== undefined) this.#entries.delete(oldest);
  }

  #now(): number {
    return (this.options.now ?? monotonicNow)();
  }
}

function newEntry(source: OrgSource): Entry {
  return { source, failures: 0, retryAt: 0 };
}
