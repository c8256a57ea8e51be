import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { TimeoutError } from '../../lambda/src/errors.ts';
import { RetryableKeyError } from '../../lambda/src/key/aws-errors.ts';
import { AwsEmulator } from '../emulators/aws.ts';

/**
 * One AWS emulator for a test file: started before its tests with the AWS SDK's environment pointed at it (and no
 * profile), handed to `seed` to keep and fill, healed of injected faults and its counts reset after each test, closed at
 * the end.
 */
export function useAwsEmulator(seed: (aws: AwsEmulator) => void): void {
  let aws: AwsEmulator | undefined;
  beforeAll(async () => {
    aws = await AwsEmulator.start();
    for (const [name, value] of Object.entries(aws.env)) vi.stubEnv(name, value);
    vi.stubEnv('AWS_PROFILE', undefined);
    seed(aws);
  });
  afterEach(() => {
    aws?.heal();
    aws?.resetCounts();
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await aws?.close();
  });
}

/** How `work` settled — its value or its error — and how long it took, in milliseconds. */
export async function settled<T>(work: () => Promise<T>): Promise<{ value?: T; error?: Error; ms: number }> {
  const started = performance.now();
  const outcome = await work().then(
    (value) => ({ value, error: undefined }),
    (error: unknown) => ({ value: undefined, error: error as Error }),
  );
  return { ...outcome, ms: performance.now() - started };
}

/** A key source's read, as a suite of {@link itReadsOnceAndNamesFaults} drives it. */
export interface KeyRead {
  /** The emulator the source reads from (set once the suite's emulator has started). */
  readonly aws: () => AwsEmulator;
  /** Reads the source's key with `signal` (a generous timeout by default): how it settled, and how long it took. */
  readonly read: (signal?: AbortSignal) => Promise<{ error?: Error; ms: number }>;
  /** The source's description, as its messages name it. */
  readonly where: string;
  /** The read requests the emulator has counted for this kind of source. */
  readonly requests: (aws: AwsEmulator) => number;
}

/**
 * What the SSM and Secrets Manager key sources share against the emulator: one attempt per read (the key cache
 * retries, not the SDK), a network fault in words and by its code, and a read the signal ends at once.
 */
export function itReadsOnceAndNamesFaults({ aws, read, where, requests }: KeyRead): void {
  it('makes one attempt: a 500 fails at once, retryable, and the SDK does not try again', async () => {
    aws().fail('InternalServerError');

    const { error } = await read();

    expect(error).toBeInstanceOf(RetryableKeyError);
    expect(error?.message).toBe(`reading ${where} failed: AWS answered InternalServerError, HTTP 500`);
    expect(requests(aws())).toBe(1);
  });

  it('says what a network fault was, in words and by its code', async () => {
    aws().fail('reset');

    const { error } = await read();

    expect(error).toBeInstanceOf(RetryableKeyError);
    expect(error?.message).toBe(`reading ${where} failed: the connection was reset (ECONNRESET)`);
  });

  it('stops when the signal aborts: TIMEOUT, at once', async () => {
    aws().fail('stall');

    const { error, ms } = await read(AbortSignal.timeout(100));

    expect(error).toBeInstanceOf(TimeoutError);
    expect(error?.message).toBe(`reading ${where} did not finish in time`);
    expect(ms).toBeLessThan(1_000);
  });
}

/** A key source class as a fresh import of its module gives it, for {@link itMakesItsClientOnce}. */
export interface KeySourceModule {
  /** The client configurations the module's SDK client was made with, in order (the test file's mock records them). */
  readonly configs: unknown[];
  /** Imports the module again, its SDK client not made yet, and gives a source of it for `id`. */
  readonly fresh: () => Promise<
    (id: string) => { prepare(): Promise<void>; fetch(signal: AbortSignal): Promise<string> }
  >;
  /** Two ids the emulator holds a key for, or does not: only the first is read. */
  readonly ids: readonly [string, string];
  readonly aws: () => AwsEmulator;
  readonly requests: (aws: AwsEmulator) => number;
}

/** A key source makes its SDK client with the shared settings when prepared, once for every id, and reads nothing. */
export function itMakesItsClientOnce({ configs, fresh, ids: [first, other], aws, requests }: KeySourceModule): void {
  it("makes the SDK's client with the shared settings, once for every key, without reading", async () => {
    // Prepare
    vi.resetModules();
    configs.length = 0;
    const source = await fresh();
    const before = configs.length;

    // Act
    await source(first).prepare();
    const prepared = configs.length;
    await source(other).prepare();
    await source(first).fetch(AbortSignal.timeout(5_000));

    // Assess
    expect([before, prepared]).toEqual([0, 1]);
    expect(configs).toEqual([
      {
        maxAttempts: 1,
        requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
        credentials: expect.any(Function),
      },
    ]);
    expect(requests(aws())).toBe(1);
  });
}
