import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** What the entry handed the rest of init, and what each invocation went to. */
const seen = vi.hoisted(() => ({
  started: [] as { settings: unknown; connection: unknown }[],
  handled: [] as unknown[][],
  opened: [] as string[],
}));
vi.mock('../../lambda/src/container.ts', () => ({
  startContainer: async (settings: unknown, connection: unknown) => {
    seen.started.push({ settings, connection });
    return async (...args: unknown[]) => {
      seen.handled.push(args);
      return { status: 'OK' };
    };
  },
}));
vi.mock('../../lambda/src/early-connection.ts', () => ({
  openEarlyConnection: (endpointBase: string) => {
    seen.opened.push(endpointBase);
    return Promise.resolve(undefined);
  },
}));

const ENV = {
  SCRT_ENDPOINT_BASE: 'https://acme.my.salesforce-scrt.com/telephony/v1',
  SALESFORCE_ORG_ID: '00DKz000001AbCdEAA',
  CALL_CENTER_API_NAME: 'ConnectCallCenter',
  PRIVATE_KEY_PARAM_NAME: '/connect/key',
};

/** The entry as a container's init loads it, with this environment. */
async function loadEntry(env: Record<string, string | undefined>) {
  for (const name of [...Object.keys(ENV), 'SECRET_NAME']) vi.stubEnv(name, undefined);
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  seen.started.length = 0;
  seen.handled.length = 0;
  seen.opened.length = 0;
  vi.resetModules();
  return import('../../lambda/src/index.ts');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('Module: index (the entry)', () => {
  it('reads the settings, opens the connection to the configured host, and starts the container with both', async () => {
    const { handler } = await loadEntry(ENV);

    expect(seen.opened).toEqual([ENV.SCRT_ENDPOINT_BASE]);
    expect(seen.started).toHaveLength(1);
    expect(seen.started[0]!.settings).toMatchObject({
      home: { kind: 'env', settings: { orgId: ENV.SALESFORCE_ORG_ID } },
    });
    await expect(seen.started[0]!.connection).resolves.toBeUndefined();
    expect(seen.started[0]!.connection).toBeInstanceOf(Promise);
    expect(handler).toBeTypeOf('function');
  });

  it('opens nothing ahead when the host is in the contact-centre secret, not read yet', async () => {
    await loadEntry({ SECRET_NAME: 'sfdc/acme' });

    expect(seen.opened).toEqual([]);
    expect(seen.started[0]!.connection).toBeUndefined();
  });

  it('hands a bad setting to the container as the CONFIG error naming it, and opens nothing', async () => {
    await loadEntry({});

    expect(seen.opened).toEqual([]);
    expect(seen.started[0]!.settings).toMatchObject({
      code: 'CONFIG',
      message: expect.stringMatching(/^SCRT_ENDPOINT_BASE is not set/),
    });
    expect(seen.started[0]!.connection).toBeUndefined();
  });

  it('passes every invocation to the container', async () => {
    const { handler } = await loadEntry(ENV);
    const context = { awsRequestId: 'r-1' } as Context;

    await expect(handler({ a: 1 }, context)).resolves.toEqual({ status: 'OK' });

    expect(seen.handled).toEqual([[{ a: 1 }, context]]);
  });
});
