import type { Deadline } from '../deadline.ts';
import { backoffMs } from '../retry.ts';
import { RetryableKeyError } from './aws-errors.ts';
import type { Org, OrgSource } from './source.ts';

/**
 * Fetch attempts per load when the backend throttles or has a network fault. The caller's deadline is the real
 * bound (backoff is capped at 1 s); this only stops a fast-failing backend from being hammered.
 */
export const MAX_KEY_FETCH_ATTEMPTS = 10;
/** Orgs (per-call secrets) kept at once besides the function's own; the least recently used is dropped first. */
export const MAX_ORGS = 32;

export interface OrgCacheOptions {
  /** How long a loaded org (settings and parsed key) is reused. 0 loads on every call (concurrent callers still share one load). */
  readonly ttlMs: number;
  /** The source of a per-call secret's org. */
  readonly sourceFor: (secretName: string) => OrgSource;
  readonly maxOrgs?: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** The result of {@link OrgCache.get}: the org, and whether this call waited on a load. */
export interface CachedOrg {
  readonly org: Org;
  readonly fetched: boolean;
}

/** One org's place in the cache: what it is read from, the loaded value, and the load in flight. */
interface Entry {
  readonly source: OrgSource;
  value?: { readonly org: Org; readonly expiresAt: number };
  inflight?: Promise<Org>;
}

/** The key of the function's own org; per-call secrets are keyed by their name, which never is empty. */
const HOME = '';

/**
 * Every org this container has served — its settings and parsed key — keyed by the secret that names it (the
 * function's own org under its configuration). Concurrent misses of one org share one load; a failed load is not
 * cached, so the next call tries again. Throttling and network faults are retried with jittered backoff inside the
 * caller's deadline. Per-call orgs beyond {@link MAX_ORGS} push out the least recently used.
 */
export class OrgCache {
  readonly #entries = new Map<string, Entry>();
  /** Load attempts made against the backends so far (for logs and benchmarks). */
  fetchAttempts = 0;

  constructor(
    home: OrgSource,
    private readonly options: OrgCacheOptions,
  ) {
    this.#entries.set(HOME, { source: home });
  }

  /**
   * The org named by `secretName` (the function's own when undefined), from the cache unless it expired or `refresh`
   * is set (after Salesforce answered 401).
   * @throws {KeyError} the org cannot be read or parsed
   * @throws {TimeoutError} the deadline passed first
   */
  async get(secretName: string | undefined, deadline: Deadline, { refresh = false } = {}): Promise<CachedOrg> {
    const entry = this.#entry(secretName ?? HOME);
    const now = this.options.now ?? Date.now;
    if (!refresh && entry.value && now() < entry.value.expiresAt) return { org: entry.value.org, fetched: false };
    if (refresh) entry.value = undefined;
    entry.inflight ??= this.#load(entry, deadline).finally(() => {
      entry.inflight = undefined;
    });
    const org = await deadline.race(entry.inflight, `reading ${entry.source.description}`);
    return { org, fetched: true };
  }

  /** The entry for `name`, made most recently used; a new one pushes out the least recently used per-call org. */
  #entry(name: string): Entry {
    let entry = this.#entries.get(name);
    if (entry) {
      this.#entries.delete(name);
    } else {
      entry = { source: this.options.sourceFor(name) };
      const oldest = [...this.#entries.keys()].find((key) => key !== HOME);
      if (oldest !== undefined && this.#entries.size > (this.options.maxOrgs ?? MAX_ORGS)) this.#entries.delete(oldest);
    }
    this.#entries.set(name, entry);
    return entry;
  }

  async #load(entry: Entry, deadline: Deadline): Promise<Org> {
    const now = this.options.now ?? Date.now;
    for (let attempt = 1; ; attempt++) {
      try {
        this.fetchAttempts++;
        const org = await entry.source.load(deadline.signal());
        entry.value = { org, expiresAt: now() + this.options.ttlMs };
        return org;
      } catch (error) {
        if (!(error instanceof RetryableKeyError) || attempt >= MAX_KEY_FETCH_ATTEMPTS) throw error;
        await deadline.sleep(backoffMs(attempt + 1, this.options.random), `reading ${entry.source.description} again`);
      }
    }
  }
}
