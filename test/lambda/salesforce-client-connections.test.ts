import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Deadline } from '../../lambda/src/deadline.ts';
import { CONNECTING, classifyTransportError } from '../../lambda/src/retry.ts';
import { MAX_ANSWER_BYTES, SalesforceClient } from '../../lambda/src/salesforce-client.ts';

/** The options of every connector undici's own builder made. */
const connectors = vi.hoisted(() => [] as unknown[]);
vi.mock('undici/lib/core/connect.js', async (importOriginal) => {
  const real = await importOriginal<{ default: (options: object) => unknown }>();
  return {
    default: (options: object) => {
      connectors.push(options);
      return real.default(options);
    },
  };
});

/** One request as the server read it: its head (request line and headers) and its body. */
interface Received {
  readonly head: string;
  readonly body: string;
}

/** What the server answers each request with; by default 200 `{"agent":"a"}`. */
let answer = (socket: Socket) =>
  void socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 13\r\n\r\n{"agent":"a"}');

let server: Server;
let port: number;
const received: Received[] = [];
const accepted: Socket[] = [];

beforeAll(async () => {
  server = createServer((socket) => {
    accepted.push(socket);
    let buffered = '';
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffered.slice(0, end);
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      received.push({ head, body: buffered.slice(end + 4, end + 4 + length) });
      buffered = buffered.slice(end + 4 + length);
      answer(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterEach(() => {
  received.length = 0;
  for (const socket of accepted.splice(0)) socket.destroy();
  answer = (socket) =>
    void socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 13\r\n\r\n{"agent":"a"}');
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const base = (host = 'acme.my.salesforce-scrt.com') => `https://${host}/telephony/v1`;

/** A TCP connection to the server, once open. */
async function openSocket(): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

/** A client whose pools connect to the server (noting each connection they open), whatever the host. */
function client(maxHosts?: number) {
  const opened: string[] = [];
  const instance = new SalesforceClient({ telephonyProviderName: 'amazon-connect', maxHosts }, (options, callback) => {
    opened.push(options.hostname);
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => callback(null, socket));
    socket.once('error', (error) => callback(error, null));
  });
  const send = (endpointBase = base(), body: { json?: string } = { json: '{"a":1}' }, budgetMs = 2_000) =>
    instance.send('PATCH', endpointBase, 'voiceCalls/c%2F1/omniFlow', body.json, 'the-token', Deadline.in(budgetMs));
  return { instance, opened, send };
}

describe('Class: SalesforceClient', () => {
  describe('Method: send', () => {
    it('sends the method, the path under the endpoint base, the token, the JSON headers and the body', async () => {
      // Prepare
      const { instance } = client();

      // Act
      const answer = await instance.send(
        'POST',
        base(),
        'voiceCalls/c%2F1/messages',
        '{"a":1}',
        'the-token',
        Deadline.in(2_000),
      );
      await instance.close();

      // Assess
      expect(answer).toMatchObject({
        status: 200,
        body: '{"agent":"a"}',
        headers: { 'content-type': 'application/json' },
      });
      const [{ head, body }] = received as [Received];
      const [requestLine, ...headers] = head.split('\r\n');
      expect(requestLine).toBe('POST /telephony/v1/voiceCalls/c%2F1/messages HTTP/1.1');
      expect(headers).toEqual(
        expect.arrayContaining([
          'host: acme.my.salesforce-scrt.com',
          'authorization: Bearer the-token',
          'accept: application/json',
          'content-type: application/json',
          'telephony-provider-name: amazon-connect',
        ]),
      );
      expect(body).toBe('{"a":1}');
    });

    it('sends no body when the row has none, the Content-Type still', async () => {
      const { instance, send } = client();

      await send(base(), {});
      await instance.close();

      expect(received[0]!.body).toBe('');
      expect(received[0]!.head).toContain('content-type: application/json');
    });

    it(`reads an answer of ${MAX_ANSWER_BYTES} bytes, refuses a 2xx one byte more as BAD_ANSWER, and gives any other status with no body`, async () => {
      // Prepare
      const { instance, send } = client();
      const sized = (status: number, bytes: number) => (socket: Socket) =>
        void socket.write(`HTTP/1.1 ${status} X\r\ncontent-length: ${bytes}\r\n\r\n${'a'.repeat(bytes)}`);

      // Act
      answer = sized(200, MAX_ANSWER_BYTES);
      const largest = await send();
      answer = sized(200, MAX_ANSWER_BYTES + 1);
      const tooLarge = await send().catch((error: unknown) => error);
      answer = sized(503, MAX_ANSWER_BYTES + 1);
      const tooLargeUnavailable = await send();
      await instance.close();

      // Assess
      expect(largest.body).toHaveLength(MAX_ANSWER_BYTES);
      expect(tooLarge).toMatchObject({
        code: 'BAD_ANSWER',
        message: "Salesforce's answer is larger than 262144 bytes",
      });
      expect(tooLargeUnavailable).toMatchObject({ status: 503, body: '' });
    });

    it('marks a failure to connect as one before anything was sent, whatever its code', async () => {
      const instance = new SalesforceClient({ telephonyProviderName: 'x' }, (_options, callback) =>
        process.nextTick(callback, Object.assign(new Error('reset while connecting'), { code: 'ECONNRESET' }), null),
      );

      const error = await instance.send('PATCH', base(), 'r', '{}', 't', Deadline.in(1_000)).catch((e: unknown) => e);
      await instance.close();

      expect(error).toMatchObject({ code: 'ECONNRESET', [CONNECTING]: true });
      expect(classifyTransportError(error)).toBe('not-sent');
    });

    it('waits for the answer until the deadline, not longer', async () => {
      const { instance, send } = client();
      answer = () => undefined;
      const started = performance.now();

      const outcome = await send(base(), {}, 300).then(
        () => 'answered',
        () => 'failed',
      );
      await instance.close();

      expect(outcome).toBe('failed');
      expect(performance.now() - started).toBeLessThan(1_500);
    });
  });

  describe('Rule: a failure undici could not read as HTTP is named as such, any other is thrown as it came', () => {
    /** A client whose every connection fails with `error`, and what `send` rejects with. */
    async function failure(error: Error): Promise<unknown> {
      const instance = new SalesforceClient({ telephonyProviderName: 'x' }, (_options, callback) =>
        process.nextTick(callback, error, null),
      );
      const thrown = await instance.send('PATCH', base(), 'r', '{}', 't', Deadline.in(1_000)).catch((e: unknown) => e);
      await instance.close();
      return thrown;
    }

    it('throws a connection closed before any answer as undici names it', async () => {
      const { instance, send } = client();
      answer = (socket) => void socket.destroy();

      const thrown = await send().catch((e: unknown) => e);
      await instance.close();

      expect(thrown).toMatchObject({ code: 'UND_ERR_SOCKET' });
      expect(thrown).not.toMatchObject({ code: 'SALESFORCE_UNAVAILABLE' });
    });

    it('throws a failure without a code as it is', async () => {
      const error = new Error('no code');

      expect(await failure(error)).toBe(error);
    });

    it.each([
      [
        'a parser code and a reason in brackets at its end',
        'HPE_INVALID_STATUS',
        'Parse Error (Invalid status)',
        'Invalid status',
      ],
      ['a parser code and no reason', 'HPE_INVALID_STATUS', 'Parse Error', 'HPE_INVALID_STATUS'],
      ['a parser code and brackets inside the message', 'HPE_X', 'Parse Error (x) at 3', 'HPE_X'],
    ])('names %s', async (_label, code, message, reason) => {
      const error = Object.assign(new Error(message), { code });

      const thrown = await failure(error);

      expect(thrown).toMatchObject({
        code: 'SALESFORCE_UNAVAILABLE',
        message: `Salesforce's answer is not HTTP/1.1 (${reason}); Salesforce may have processed the request: it was not sent again. Check that SCRT_ENDPOINT_BASE names the org's telephony API`,
      });
      expect((thrown as Error).cause).toBe(error);
    });

    it.each([200, 299])('reads a %i cut off as processed, not as its status, keeping the cause', async (status) => {
      const { instance, send } = client();
      answer = (socket) => {
        socket.write(`HTTP/1.1 ${status} X\r\ncontent-length: 100\r\n\r\n{"a"`);
        setTimeout(() => socket.destroy(), 20);
      };

      const thrown = await send().catch((e: unknown) => e);
      await instance.close();

      expect(thrown).toMatchObject({ code: 'BAD_ANSWER' });
      expect((thrown as Error).cause).toMatchObject({ code: 'UND_ERR_SOCKET' });
    });
  });

  describe('Rule: the answer may take the whole deadline', () => {
    it('waits for headers that come 1.1 s later (undici checks that timeout on a half-second tick)', async () => {
      const { instance, send } = client();
      const write = answer;
      answer = (socket) => void setTimeout(() => write(socket), 1_100);

      const answered = await send();
      await instance.close();

      expect(answered.status).toBe(200);
    });
  });

  describe('Rule: undici connects in 2 s at most', () => {
    it("gives undici's connector a timeout of 2 s, unless a connector is given", () => {
      connectors.length = 0;

      new SalesforceClient({ telephonyProviderName: 'x' });
      new SalesforceClient({ telephonyProviderName: 'x' }, (_options, callback) => callback(new Error('x'), null));

      expect(connectors).toEqual([{ timeout: 2_000 }]);
    });
  });

  describe('Method: adopt', () => {
    it("takes an open connection as the host's first: the first request goes out over it", async () => {
      // Prepare
      const { instance, opened, send } = client();
      const socket = await openSocket();

      // Act
      const adopted = instance.adopt(base(), socket);
      await send();
      await instance.close();

      // Assess
      expect(adopted).toBe(true);
      expect(opened).toEqual([]);
      expect(received).toHaveLength(1);
    });

    it('refuses, and closes, a connection that is not open yet', async () => {
      const { instance, opened, send } = client();
      const socket = connect(port, '127.0.0.1');

      const adopted = instance.adopt(base(), socket);
      await send();
      await instance.close();

      expect(adopted).toBe(false);
      expect(socket.destroyed).toBe(true);
      expect(opened).toEqual(['acme.my.salesforce-scrt.com']);
    });

    it('refuses a connection already closed', async () => {
      const { instance, opened, send } = client();
      const socket = await openSocket();
      socket.destroy();

      const adopted = instance.adopt(base(), socket);
      await send();
      await instance.close();

      expect(adopted).toBe(false);
      expect(opened).toHaveLength(1);
    });

    it('refuses a second connection while the first waits, closing the second only', async () => {
      const { instance } = client();
      const [first, second] = [await openSocket(), await openSocket()];

      const adopted = [instance.adopt(base(), first), instance.adopt(base(), second)];

      expect(adopted).toEqual([true, false]);
      expect([first.destroyed, second.destroyed]).toEqual([false, true]);
      await instance.close();
      expect(first.destroyed).toBe(true);
    });

    it('opens another when the one taken closed before the first request', async () => {
      const { instance, opened, send } = client();
      const socket = await openSocket();
      instance.adopt(base(), socket);
      socket.destroy();

      await send();
      await instance.close();

      expect(opened).toEqual(['acme.my.salesforce-scrt.com']);
      expect(received).toHaveLength(1);
    });

    it('closes a waiting connection with its host when the host is pushed out (maxHosts)', async () => {
      const { instance, send } = client(1);
      const socket = await openSocket();
      instance.adopt(base('a.example'), socket);

      await send(base('b.example'));

      expect(socket.destroyed).toBe(true);
      await instance.close();
    });
  });

  describe('Method: inMemory', () => {
    it('answers every request 200 {} without a network', async () => {
      const instance = SalesforceClient.inMemory({ telephonyProviderName: 'x' });

      const answer = await instance.send('PATCH', base(), 'voiceCalls/x/omniFlow', '{}', 't', Deadline.in(1_000));
      await instance.close();

      expect(answer).toMatchObject({ status: 200, body: '{}' });
      expect(received).toEqual([]);
    });
  });

  describe('Method: warmHttpPath', () => {
    it('runs a PATCH with a body through an in-memory client, answered 200, then closes it; no network', async () => {
      // Prepare
      const results: unknown[] = [];
      const closed: string[] = [];
      const inMemory = SalesforceClient.inMemory;
      vi.spyOn(SalesforceClient, 'inMemory').mockImplementation((options) => {
        const made = inMemory(options);
        const { send, close } = made;
        made.send = async (...args) => {
          const result = await send.apply(made, args).catch((error: unknown) => error);
          results.push(result);
          if (result instanceof Error) throw result;
          return result as Awaited<ReturnType<typeof send>>;
        };
        made.close = async () => {
          closed.push('closed');
          return close.apply(made);
        };
        return made;
      });

      // Act
      await expect(SalesforceClient.warmHttpPath()).resolves.toBeUndefined();

      // Assess
      expect(results).toEqual([expect.objectContaining({ status: 200, body: '{}' })]);
      expect(closed).toEqual(['closed']);
      expect(received).toEqual([]);
      vi.restoreAllMocks();
    });
  });

  describe('Method: close', () => {
    it('closes every host; the client still serves afterwards, with new connections', async () => {
      const { instance, opened, send } = client();
      await send();

      await instance.close();
      await send();
      await instance.close();

      expect(opened).toEqual(['acme.my.salesforce-scrt.com', 'acme.my.salesforce-scrt.com']);
      expect(received).toHaveLength(2);
    });
  });
});
