import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { LambdaContainer } from './lambda-container.ts';
import { Sandbox } from './sandbox.ts';

/** The caller's number in the sample events: it must never appear in a log line. */
export const CALLER_NUMBER = '+12065550199';

/** Reads a sample event from `test/events/`. */
export function sampleEvent(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../events/${name}.json`, import.meta.url), 'utf8'));
}

/**
 * Starts one {@link Sandbox} for a test file and gives each test fresh containers of the built bundle. After every
 * test it stops them, resets the emulators (scripts, requests, queued faults and outages, counters) — first, so a failed check
 * cannot leave them dirty for the next test — and then checks what the containers logged: no JWT an emulator
 * received, no private key, no caller number. Keys and parameters a test changes it restores itself (`onTestFinished`).
 */
export function useSandbox(): {
  sandbox: () => Sandbox;
  container: (env?: Record<string, string | undefined>) => Promise<LambdaContainer>;
} {
  let sandbox: Sandbox | undefined;
  const running: LambdaContainer[] = [];

  beforeAll(async () => {
    sandbox = await Sandbox.start();
  });
  afterEach(async () => {
    const containers = running.splice(0);
    const tokens: string[] = [];
    try {
      await Promise.all(containers.map((c) => c.stop()));
    } finally {
      tokens.push(...sandbox!.tokens);
      sandbox!.reset();
      sandbox!.aws.heal();
    }
    for (const container of containers) expectCleanLogs(container, sandbox!, tokens);
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  return {
    sandbox: () => sandbox!,
    container: async (env = {}) => {
      const container = await LambdaContainer.start({ env: sandbox!.env(env) });
      running.push(container);
      return container;
    },
  };
}

/** Fails when a log line holds a token, key material or the caller's number. */
export function expectCleanLogs(
  container: Pick<LambdaContainer, 'stdout' | 'stderr'>,
  sandbox: Sandbox,
  tokens = sandbox.tokens,
): void {
  const text = [...container.stdout, ...container.stderr].join('\n');
  for (const token of tokens) expect(text).not.toContain(token);
  expect(text).not.toContain('PRIVATE KEY');
  expect(text).not.toContain(sandbox.keys.privateKeyPem.split('\n')[1]!);
  expect(text).not.toContain(sandbox.keysB.privateKeyPem.split('\n')[1]!);
  expect(text).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+/);
  expect(text).not.toContain(CALLER_NUMBER);
  expect(text.toLowerCase()).not.toContain('authorization');
}
