import type { KeyObject } from 'node:crypto';
import type { Deadline } from '../deadline.ts';
import { backoffMs } from '../retry.ts';
import { RetryableKeyError } from './aws-errors.ts';
import { parsePrivateKey } from './pem.ts';
import type { KeySource } from './source.ts';

/**
 * Fetch attempts per load when the backend throttles or has a network fault. The caller's deadline is the real
 * bound (backoff is capped at 1 s); this only stops a fast-failing backend from being hammered.
 */
export const MAX_KEY_FETCH_ATTEMPTS = 10;

export interface KeyCacheOptions {
  /** How long a parsed key is reused. 0 fetches on every call (concurrent callers still share one fetch). */
  readonly ttlMs: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** The result of {@link KeyCache.get}: the key, and whether this call waited on a fetch. */
export interface CachedKey {
  readonly key: KeyObject;
  readonly fetched: boolean;
}

/**
 * The parsed private key, cached per container. Concurrent misses share one fetch; a failed fetch is not cached, so
 * the next call tries again. Throttling and network faults are retried with jittered backoff inside the caller's
 * deadline.
 */
export class KeyCache {
  #entry: { readonly key: KeyObject; readonly expiresAt: number } | undefined;
  #inflight: Promise<KeyObject> | undefined;
  /** Fetch attempts made against the backend so far (for logs and benchmarks). */
  fetchAttempts = 0;

  constructor(
    readonly source: KeySource,
    private readonly options: KeyCacheOptions,
  ) {}

  /**
   * The key, from the cache unless it expired or `refresh` is set (after Salesforce answered 401).
   * @throws {KeyError} the key cannot be fetched or parsed
   * @throws {TimeoutError} the deadline passed first
   */
  async get(deadline: Deadline, { refresh = false } = {}): Promise<CachedKey> {
    const now = this.options.now ?? Date.now;
    if (!refresh && this.#entry && now() < this.#entry.expiresAt) return { key: this.#entry.key, fetched: false };
    if (refresh) this.#entry = undefined;
    this.#inflight ??= this.#load(deadline).finally(() => {
      this.#inflight = undefined;
    });
    const key = await deadline.race(this.#inflight, `reading ${this.source.description}`);
    return { key, fetched: true };
  }

  async #load(deadline: Deadline): Promise<KeyObject> {
    const now = this.options.now ?? Date.now;
    for (let attempt = 1; ; attempt++) {
      try {
        this.fetchAttempts++;
        const key = parsePrivateKey(await this.source.fetch(deadline.signal()), this.source.description);
        this.#entry = { key, expiresAt: now() + this.options.ttlMs };
        return key;
      } catch (error) {
        if (!(error instanceof RetryableKeyError) || attempt >= MAX_KEY_FETCH_ATTEMPTS) throw error;
        await deadline.sleep(backoffMs(attempt + 1, this.options.random), `reading ${this.source.description} again`);
      }
    }
  }
}
