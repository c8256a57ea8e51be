import type { Org } from './key/source.ts';
import { mintToken } from './token.ts';

/**
 * A token minted ahead is handed out only while younger than this. Tokens live `TOKEN_LIFETIME_SECONDS` (120 s), so
 * a token handed out still has at least a minute left for the call and its retries.
 */
export const MAX_TOKEN_AGE_MS = 60_000;

/**
 * How long after a token is handed out the next one starts being minted: once the caller's request is on the wire,
 * well inside any round trip to Salesforce. A signature started on the very next turn of the event loop, with the
 * request just written, slowed that request's answer by ~0.5 ms on a 2-core machine (median of 5 runs of 60 requests
 * each, against none 2 ms or 5 ms later).
 */
export const MINT_NEXT_AFTER_MS = 2;

export interface TokenStockOptions {
  /** A token minted ahead is not used once older than this. @default MAX_TOKEN_AGE_MS */
  readonly maxAgeMs?: number;
  /** The clock, for the tokens' `iat` and their age. @default Date.now */
  readonly now?: () => number;
  /**
   * Whether handing out a token starts minting the org's next one. Off for a stock nobody takes from twice (the
   * warm-up's rehearsal), so no signature is left running when init ends. @default true
   */
  readonly mintAhead?: boolean;
}

/** A token minted ahead: when, and the signature in progress. */
interface Minted {
  readonly at: number;
  readonly token: Promise<string>;
}

/**
 * Keeps one RS256 token per org minted ahead of that org's next request, so signing (1–2 ms of RSA) is off the call's
 * path: the first at init, each next one while the current request is in flight. Keyed by the org as the cache holds
 * it (its settings and parsed key): an org loaded again — a new key after a 401, an expired entry — starts afresh,
 * and an org dropped from the cache takes its token with it. Each token is handed out once (its `jti` is unique, and
 * Salesforce refuses a `jti` it has seen), and never when older than {@link MAX_TOKEN_AGE_MS}.
 */
export class TokenStock {
  readonly #ahead = new WeakMap<Org, Minted>();
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  readonly #mintAhead: boolean;
  /** Tokens handed out that were minted ahead / minted on the spot (for logs, benchmarks and tests). */
  readonly counts = { ahead: 0, onTheSpot: 0 };

  constructor({ maxAgeMs = MAX_TOKEN_AGE_MS, now = Date.now, mintAhead = true }: TokenStockOptions = {}) {
    this.#maxAgeMs = maxAgeMs;
    this.#now = now;
    this.#mintAhead = mintAhead;
  }

  /**
   * Starts minting `org`'s next token, unless a fresh one is already minted or on its way.
   * @returns settles when that token is minted; rejects when signing fails (the token is then dropped)
   */
  prepare(org: Org): Promise<void> {
    let minted = this.#ahead.get(org);
    if (!minted || !this.#fresh(minted)) {
      const made = this.#mint(org);
      this.#ahead.set(org, made);
      made.token.catch(() => {
        if (this.#ahead.get(org) === made) this.#ahead.delete(org);
      });
      minted = made;
    }
    return minted.token.then(() => undefined);
  }

  /**
   * A token for one request to `org`, never handed out before: the one minted ahead when it is fresh, else one
   * minted now. Then, once the caller has sent its request ({@link MINT_NEXT_AFTER_MS} later), mints the next.
   *
   * @throws whatever signing throws (a key Node cannot sign RS256 with)
   */
  take(org: Org): Promise<string> {
    const held = this.#ahead.get(org);
    this.#ahead.delete(org);
    const fresh = held !== undefined && this.#fresh(held);
    this.counts[fresh ? 'ahead' : 'onTheSpot']++;
    const { token } = fresh ? held : this.#mint(org);
    if (this.#mintAhead) setTimeout(() => this.prepare(org).catch(() => undefined), MINT_NEXT_AFTER_MS);
    return token;
  }

  #fresh(minted: Minted): boolean {
    return this.#now() - minted.at < this.#maxAgeMs;
  }

  #mint(org: Org): Minted {
    const at = this.#now();
    return { at, token: mintToken(org.key, org.settings, at) };
  }
}
