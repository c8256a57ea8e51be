import { generateKeyPairSync } from 'node:crypto';
import { channel } from 'node:diagnostics_channel';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Bridge, type WarmUpOptions } from '../../lambda/src/bridge.ts';
import { readConfig } from '../../lambda/src/config.ts';
import { INVOKED_DURING_INIT_MS, startContainer, underWay } from '../../lambda/src/container.ts';
import { ConfigError } from '../../lambda/src/errors.ts';
import { OrgCache } from '../../lambda/src/key/cache.ts';
import { AwsEmulator } from '../emulators/aws.ts';

const PARAMETER = '/connect/private-key';
const CONTEXT = { awsRequestId: 'r-1', getRemainingTimeInMillis: () => 5_000 } as unknown as Context;
const event = (methodName?: string) => ({
  Details: {
    ContactData: { ContactId: 'c-1', SystemEndpoint: { Address: '+10000000000' } },
    Parameters: methodName === undefined ? {} : { methodName },
  },
});

/** Every line the function writes to stdout, parsed; the writes themselves go nowhere. */
function stdoutLines(): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
    return true;
  });
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('Function: startContainer', () => {
  describe('Rule: with a bad setting the container starts, and every invocation fails with the CONFIG error', () => {
    const problem = () =>
      new ConfigError('SCRT_ENDPOINT_BASE is not set (or set SECRET_NAME to the contact-centre secret)');

    it('says so once at init', async () => {
      const lines = stdoutLines();

      await startContainer(problem());

      expect(lines).toEqual([
        expect.objectContaining({
          level: 'ERROR',
          message: 'configuration invalid: every invocation will fail',
          errorType: 'CONFIG',
          errorMessage: problem().message,
        }),
      ]);
    });

    it('throws it with a one-line stack, logged with its request id and metrics under the summary of the method', async () => {
      // Prepare
      const lines = stdoutLines();
      const handle = await startContainer(problem());
      lines.length = 0;

      // Act
      const thrown = await handle(event('executeOmniFlow'), CONTEXT).catch((error: unknown) => error);

      // Assess
      expect(thrown).toMatchObject({ code: 'CONFIG', message: problem().message });
      expect((thrown as Error).stack).toBe(`CONFIG: ${problem().message}`);
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'ERROR',
          message: 'not routed',
          requestId: 'r-1',
          errorType: 'CONFIG',
          errorMessage: problem().message,
          Method: 'executeOmniFlow',
          Outcome: 'CONFIG',
          Calls: 1,
          Errors: 1,
          Latency: 0,
          SalesforceLatency: 0,
          KeyFetches: 0,
          Retries: 0,
        }),
      ]);
    });

    it.each<[string, string | undefined, string]>([
      ['a VoiceCall method', 'createVoiceCall', 'failed'],
      ['a method it does not serve', 'nonsense', 'failed'],
      ['no method (executeOmniFlow)', undefined, 'not routed'],
    ])("names %s's failure as its row does", async (_label, methodName, message) => {
      const lines = stdoutLines();
      const handle = await startContainer(problem());
      lines.length = 0;

      await handle(event(methodName), CONTEXT).catch(() => undefined);

      expect(lines[0]).toMatchObject({
        message,
        Method: methodName === 'nonsense' ? 'unknown' : (methodName ?? 'executeOmniFlow'),
      });
    });

    it('answers error attributes instead with ON_ERROR=attributes, read as the setting is (any case, blanks)', async () => {
      vi.stubEnv('ON_ERROR', ' Attributes ');
      stdoutLines();
      const handle = await startContainer(problem());

      const answer = await handle(event('executeOmniFlow'), undefined as unknown as Context);

      expect(answer).toEqual({
        status: 'ERROR',
        routingTarget: 'NONE',
        agent: '',
        queue: '',
        errorType: 'CONFIG',
        errorMessage: problem().message,
      });
    });

    it('throws without ON_ERROR', async () => {
      vi.stubEnv('ON_ERROR', undefined);
      stdoutLines();
      const handle = await startContainer(problem());

      await expect(handle(event(), CONTEXT)).rejects.toMatchObject({ code: 'CONFIG' });
    });
  });

  describe('Rule: a configured container reads its own org once, warms the bridge up with it, and serves with it', () => {
    let aws: AwsEmulator;
    let salesforce: Server;
    let port: number;
    const accepted: Socket[] = [];
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();

    beforeAll(async () => {
      aws = await AwsEmulator.start();
      aws.parameters.set(PARAMETER, pem);
      salesforce = createServer((socket) => void accepted.push(socket.resume()));
      await new Promise<void>((resolve) => salesforce.listen(0, '127.0.0.1', resolve));
      port = (salesforce.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await aws?.close();
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => salesforce?.close(resolve));
    });

    /** The configuration, with the emulator's environment for the SDK. */
    function settings() {
      for (const [name, value] of Object.entries(aws.env)) vi.stubEnv(name, value);
      vi.stubEnv('AWS_PROFILE', undefined);
      return readConfig({
        SCRT_ENDPOINT_BASE: `https://127.0.0.1:${port}/telephony/v1`,
        SALESFORCE_ORG_ID: '00DKz000001AbCdEAA',
        CALL_CENTER_API_NAME: 'ConnectCallCenter',
        PRIVATE_KEY_PARAM_NAME: PARAMETER,
      });
    }

    /** A TCP connection to the local stand-in for Salesforce, once open. */
    async function openSocket(): Promise<Socket> {
      const socket = connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      return socket;
    }

    it("prepares the key store, then reads the org within init's 3 s, and hands the bridge that read and the connection", async () => {
      // Prepare
      const steps: string[] = [];
      vi.spyOn(OrgCache.prototype, 'prepareHome').mockImplementation(async () => void steps.push('prepare'));
      const get = vi.spyOn(OrgCache.prototype, 'get');
      const warmUp = vi.spyOn(Bridge.prototype, 'warmUp');
      const lines = stdoutLines();
      const socket = await openSocket();
      aws.resetCounts();

      // Act
      await startContainer(settings(), Promise.resolve(socket));

      // Assess
      const [secretName, deadline] = get.mock.calls[0]!;
      expect(steps).toEqual(['prepare']);
      expect(secretName).toBeUndefined();
      expect(deadline.remaining()).toBeGreaterThan(2_000);
      expect(deadline.remaining()).toBeLessThanOrEqual(3_000);
      const [options] = warmUp.mock.calls[0] as [WarmUpOptions];
      expect(options.deadline).toBe(deadline);
      expect(options.home).toBe(get.mock.results[0]!.value);
      await expect(options.connection).resolves.toBe(socket);
      expect(warmUp.mock.contexts[0]).toBeInstanceOf(Bridge);
      expect((warmUp.mock.contexts[0] as Bridge).orgs).toBe(get.mock.contexts[0]);
      expect(lines.find((line) => line.message === 'container ready')).toMatchObject({
        key: 'ready',
        connection: 'open',
        rehearsal: 'routed in memory (NONE)',
      });
      expect(aws.counts.getParameter).toBe(1);
    });

    it('starts even when preparing the key store fails: the read reports it', async () => {
      vi.spyOn(OrgCache.prototype, 'prepareHome').mockRejectedValue(new Error('no SDK'));
      stdoutLines();

      await expect(startContainer(settings(), openSocket())).resolves.toBeTypeOf('function');
    });

    it("counts init against the first invocation's block timeout when it waited for init, and only then", async () => {
      // Prepare
      stdoutLines();
      const serve = await startContainer(settings(), openSocket());
      const handle = vi.spyOn(Bridge.prototype, 'handle').mockResolvedValue({ status: 'OK' });

      // Act
      const startedAt = performance.now();
      await serve(event(), CONTEXT);
      await serve(event(), CONTEXT);

      // Assess
      const spent = handle.mock.calls.map(([, , spentMs]) => spentMs);
      expect(spent[0]).toBeGreaterThanOrEqual(startedAt);
      expect(spent[1]).toBe(0);
      expect(handle.mock.calls[0]!.slice(0, 2)).toEqual([event(), CONTEXT]);
    });

    it(`counts nothing against a first invocation that came more than ${INVOKED_DURING_INIT_MS} ms after init`, async () => {
      stdoutLines();
      const serve = await startContainer(settings(), openSocket());
      const handle = vi.spyOn(Bridge.prototype, 'handle').mockResolvedValue({ status: 'OK' });

      await new Promise((resolve) => setTimeout(resolve, INVOKED_DURING_INIT_MS + 20));
      await serve(event(), CONTEXT);

      expect(handle.mock.calls[0]![2]).toBe(0);
    });
  });
});

describe('Function: underWay', () => {
  const REQUEST_START = 'http.client.request.start';
  /** Resolves to `name` after `ms`: timers fire in the order they expire, whatever the load. */
  const after = (ms: number, name = `${ms} ms`) => new Promise((resolve) => setTimeout(() => resolve(name), ms));
  const never = () => new Promise<never>(() => {});
  const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

  it("settles as soon as an HTTP request starts (the key read's, during init)", async () => {
    const settled = underWay(never()).then(() => 'under way');

    channel(REQUEST_START).publish({});

    await expect(Promise.race([settled, after(40)])).resolves.toBe('under way');
  });

  it.each([
    ['succeeds', () => Promise.resolve('org')],
    ['fails', () => Promise.reject(new Error('no key'))],
  ])('settles as soon as the read %s', async (_label, read) => {
    const settled = underWay(read()).then(() => 'over');

    await expect(Promise.race([settled, after(40)])).resolves.toBe('over');
  });

  it('settles after 50 ms at most, when neither happens', async () => {
    const settled = underWay(never()).then(() => 'gave up waiting');

    const first = await Promise.race([settled, after(40)]);
    const second = await Promise.race([settled, after(2_000)]);

    expect([first, second]).toEqual(['40 ms', 'gave up waiting']);
  });

  it('stops listening, and drops its timer, once settled', async () => {
    const before = timers();

    await underWay(Promise.resolve());

    expect(channel(REQUEST_START).hasSubscribers).toBe(false);
    expect(timers()).toBe(before);
  });

  it('settles a turn of the event loop later, so the request gets under way', async () => {
    let turned = false;
    setImmediate(() => (turned = true));

    await underWay(Promise.resolve());

    expect(turned).toBe(true);
  });
});
