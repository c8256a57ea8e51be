import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_BUDGET_MS, Deadline, SAFETY_MARGIN_MS } from '../../lambda/src/deadline.ts';
import { TimeoutError } from '../../lambda/src/errors.ts';

describe('Class: Deadline', () => {
  describe('Method: fromContext', () => {
    it("keeps the safety margin back from Lambda's remaining time", () => {
      const now = () => 1_000;

      const deadline = Deadline.fromContext({ getRemainingTimeInMillis: () => 5_000 }, SAFETY_MARGIN_MS, now);

      expect(deadline.at).toBe(1_000 + 5_000 - SAFETY_MARGIN_MS);
    });

    it("keeps 300 ms back from Lambda's remaining time by default", () => {
      const deadline = Deadline.fromContext({ getRemainingTimeInMillis: () => 5_000 }, undefined, () => 1_000);

      expect(deadline.at).toBe(5_700);
    });

    it('uses the default budget without a context, and never goes negative', () => {
      const now = () => 0;

      expect(Deadline.fromContext(undefined, SAFETY_MARGIN_MS, now).at).toBe(DEFAULT_BUDGET_MS - SAFETY_MARGIN_MS);
      expect(Deadline.fromContext({ getRemainingTimeInMillis: () => 100 }, SAFETY_MARGIN_MS, now).remaining()).toBe(0);
    });

    it("caps the budget at the flow block's timeout when Lambda allows longer", () => {
      const now = () => 0;
      const context = { getRemainingTimeInMillis: () => 8_000 };

      expect(Deadline.fromContext(context, 300, now, 3_000).at).toBe(2_700);
      expect(Deadline.fromContext({ getRemainingTimeInMillis: () => 2_000 }, 300, now, 3_000).at).toBe(1_700);
    });
  });

  describe('Method: race', () => {
    it('settles a promise that never settles with a TIMEOUT naming the step', async () => {
      const never = new Promise<never>(() => {});

      const error = await Deadline.in(30)
        .race(never, 'routing the call')
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(TimeoutError);
      expect((error as Error).message).toBe('routing the call did not finish in time');
    });

    it('passes a result through when it comes first', async () => {
      await expect(Deadline.in(1_000).race(Promise.resolve('ok'), 'x')).resolves.toBe('ok');
    });
  });

  describe('Method: sleep', () => {
    it('refuses, instead of waiting, a wait that would end past the deadline', async () => {
      // A wait that happened would resolve: the rejection itself shows nothing was waited for.
      await expect(Deadline.in(50).sleep(500, 'calling Salesforce again')).rejects.toThrow(
        'no time left to wait 500 ms before calling Salesforce again',
      );
    });
  });

  describe('Clock', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it('runs on a monotonic clock: a wall clock stepped back 30 s or ahead 30 s changes nothing', () => {
      // Prepare
      const deadline = Deadline.in(1_000);
      const wall = Date.now();

      // Act
      vi.spyOn(Date, 'now').mockReturnValue(wall - 30_000);
      const afterStepBack = deadline.remaining();
      vi.spyOn(Date, 'now').mockReturnValue(wall + 30_000);
      const afterStepAhead = deadline.remaining();
      const fromContext = Deadline.fromContext({ getRemainingTimeInMillis: () => 2_000 }).remaining();

      // Assess
      expect(afterStepBack).toBeGreaterThan(900);
      expect(afterStepBack).toBeLessThanOrEqual(1_000);
      expect(afterStepAhead).toBeGreaterThan(900);
      expect(fromContext).toBeGreaterThan(1_600);
      expect(fromContext).toBeLessThanOrEqual(1_700);
    });

    it('counts whole milliseconds, for timers and abort signals', () => {
      let now = 0.25;
      const deadline = Deadline.in(10, () => now);

      now = 0.75;

      expect(deadline.remaining()).toBe(9);
    });
  });

  describe('Method: signal', () => {
    it('aborts at the deadline', async () => {
      const signal = Deadline.in(20).signal();

      await new Promise((resolve) => signal.addEventListener('abort', resolve));

      expect(signal.aborted).toBe(true);
      expect(signal.reason).toMatchObject({
        name: 'TimeoutError',
        message: 'The operation was aborted due to timeout',
      });
    });

    it('is one signal for every request the deadline bounds', () => {
      const deadline = Deadline.in(1_000);

      expect(deadline.signal()).toBe(deadline.signal());
    });

    it('never aborts once released', async () => {
      const deadline = Deadline.in(20);
      const signal = deadline.signal();

      deadline.release();
      await new Promise((resolve) => setTimeout(resolve, 60));

      expect(signal.aborted).toBe(false);
    });

    it('keeps no process alive while it waits', () => {
      const set = vi.spyOn(globalThis, 'setTimeout');

      Deadline.in(60_000).signal();

      const timer = set.mock.results.at(-1)?.value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
      clearTimeout(timer);
      vi.restoreAllMocks();
    });

    it('is already aborted when asked for after the release: nothing starts once the invocation has answered', () => {
      const deadline = Deadline.in(60_000);

      deadline.release();
      const signal = deadline.signal();

      expect(signal.aborted).toBe(true);
      expect(signal.reason).toMatchObject({ name: 'TimeoutError' });
    });
  });
});

const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

describe('Class: Deadline, at its edges', () => {
  it("gives the default budget to a context that cannot tell Lambda's remaining time", () => {
    const deadline = Deadline.fromContext({}, 0, () => 0);

    expect(deadline.at).toBe(8_000);
  });

  it('refuses a wait that ends exactly at the deadline', async () => {
    const deadline = new Deadline(100, () => 0);

    await expect(deadline.sleep(100, 'trying again')).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: 'no time left to wait 100 ms before trying again',
    });
  });

  it('drops its timer once the race is settled', async () => {
    const before = timers();

    await Deadline.in(60_000).race(Promise.resolve('done'), 'reading');

    expect(timers()).toBe(before);
  });
});
