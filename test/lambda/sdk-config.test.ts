import { afterEach, describe, expect, it, vi } from 'vitest';
import { environmentCredentials, lazyClient } from '../../lambda/src/key/sdk-config.ts';

const KEYS = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'session' };

describe('Function: environmentCredentials', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("hands the clients the execution role's keys from the environment, read by the SDK's fromEnv", async () => {
    // Prepare
    for (const [name, value] of Object.entries(KEYS)) vi.stubEnv(name, value);

    // Act
    const provider = environmentCredentials(KEYS);

    // Assess
    await expect(provider?.()).resolves.toMatchObject({
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'session',
    });
  });

  it.each<[string, Record<string, string>]>([
    ['no keys', {}],
    ['an access key id alone', { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE' }],
    ['a secret key alone', { AWS_SECRET_ACCESS_KEY: 'secret' }],
    ['keys and a profile (the profile wins in the SDK chain too)', { ...KEYS, AWS_PROFILE: 'dev' }],
  ])("leaves the SDK's own chain to the clients with %s", (_label, env) => {
    expect(environmentCredentials(env)).toBeUndefined();
  });
});

describe('Function: lazyClient', () => {
  it('makes the client on first use only, and shares it', async () => {
    // Prepare
    const load = vi.fn(async () => ({ client: 'made' }));
    const client = lazyClient(load);
    const before = load.mock.calls.length;

    // Act
    const [first, second] = await Promise.all([client(), client()]);
    const third = await client();

    // Assess
    expect(before).toBe(0);
    expect(load).toHaveBeenCalledTimes(1);
    expect(first).toBe(second);
    expect(third).toBe(first);
  });

  it('does not try a failed load again', async () => {
    const load = vi.fn(async () => Promise.reject(new Error('no SDK')));
    const client = lazyClient(load);

    await expect(client()).rejects.toThrow('no SDK');
    await expect(client()).rejects.toThrow('no SDK');
    expect(load).toHaveBeenCalledTimes(1);
  });
});
