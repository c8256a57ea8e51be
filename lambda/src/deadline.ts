import { setTimeout as sleep } from 'node:timers/promises';
import { TimeoutError } from './errors.ts';

/** Time kept back from Lambda's own deadline so the handler settles, logs and returns before Lambda kills it. */
export const SAFETY_MARGIN_MS = 300;
/** How long Lambda's init phase (10 s at most) may spend warming up; past it the first call does the rest. */
export const WARM_UP_BUDGET_MS = 3_000;
/** Budget when the context gives none (a direct call outside Lambda): Connect's longest block timeout. */
export const DEFAULT_BUDGET_MS = 8_000;

/**
 * The clock every deadline runs on: monotonic (milliseconds since the process started), so a step of the wall clock
 * (an NTP correction, a VM resumed) neither stretches nor cuts an invocation's budget.
 */
export const monotonicNow = (): number => performance.now();

/** The abort reason of a deadline's signal: what `AbortSignal.timeout` aborts with. */
const timedOut = () => new DOMException('The operation was aborted due to timeout', 'TimeoutError');

/** A point in time, on {@link monotonicNow}'s clock unless told otherwise, every step of one invocation must finish by. */
export class Deadline {
  /** The controller behind {@link signal} and the timer that aborts it, made on the first request for the signal. */
  #abort: { readonly controller: AbortController; readonly timer: NodeJS.Timeout } | undefined;
  #released = false;

  constructor(
    readonly at: number,
    private readonly now: () => number = monotonicNow,
  ) {}

  /** A deadline `ms` from now. */
  static in(ms: number, now: () => number = monotonicNow): Deadline {
    return new Deadline(now() + ms, now);
  }

  /**
   * The invocation's budget: the smaller of Lambda's remaining time and `capMs` (what is left of the flow block's
   * timeout, after which Connect has taken the Error branch), less `marginMs` ({@link SAFETY_MARGIN_MS} by default).
   */
  static fromContext(
    context: { getRemainingTimeInMillis?: () => number } | undefined,
    marginMs: number = SAFETY_MARGIN_MS,
    now: () => number = monotonicNow,
    capMs: number = DEFAULT_BUDGET_MS,
  ): Deadline {
    const remaining = Math.min(context?.getRemainingTimeInMillis?.() ?? DEFAULT_BUDGET_MS, capMs);
    return Deadline.in(Math.max(0, remaining - marginMs), now);
  }

  /** Whole milliseconds left (timers and abort signals take whole milliseconds); 0 once the deadline has passed. */
  remaining(): number {
    return Math.max(0, Math.floor(this.at - this.now()));
  }

  /**
   * A signal that aborts at the deadline with a `TimeoutError`, as `AbortSignal.timeout` would: one for the deadline,
   * however many requests it bounds, on a timer that {@link release} clears. (A fresh `AbortSignal.timeout` per
   * request cannot be cleared: each one fired seconds after its call had ended, in a later call's CPU share.)
   */
  signal(): AbortSignal {
    if (this.#released) return AbortSignal.abort(timedOut());
    if (!this.#abort) {
      const controller = new AbortController();
      const abort = () => controller.abort(timedOut());
      this.#abort = { controller, timer: setTimeout(abort, Math.max(1, this.remaining())).unref() };
    }
    return this.#abort.controller.signal;
  }

  /**
   * Stops the timer of {@link signal} once the invocation has answered: work still under way (a key read another
   * invocation has joined) goes on to its own timeouts; work asked to start after this gets a signal already aborted.
   */
  release(): void {
    this.#released = true;
    if (this.#abort) clearTimeout(this.#abort.timer);
  }

  /** Waits `ms`, or throws a {@link TimeoutError} at once when the wait would end past the deadline. */
  async sleep(ms: number, what: string): Promise<void> {
    if (ms >= this.remaining()) throw new TimeoutError(`no time left to wait ${ms} ms before ${what}`);
    await sleep(ms);
  }

  /** Settles like `promise`, or rejects with a {@link TimeoutError} naming `what` at the deadline. */
  race<T>(promise: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`${what} did not finish in time`)), this.remaining());
    });
    return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
  }
}
