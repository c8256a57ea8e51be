import { afterAll, afterEach, beforeAll, vi } from 'vitest';
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
