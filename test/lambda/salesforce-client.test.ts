import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Deadline } from '../../lambda/src/deadline.ts';
import { MAX_HOSTS, SalesforceClient } from '../../lambda/src/salesforce-client.ts';
import { WarmUpSocket } from '../../lambda/src/warm-up-socket.ts';

/** What the raw server does once a request's headers have arrived: writes bytes, then maybe closes or resets. */
type Answer = (socket: Socket) => void;

const OK_HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n';

/** Answers, named for what Salesforce (or something in its place) sent. */
const answers = {
  cutAfter10Bytes: (head: string) => (socket: Socket) => {
    socket.write(`${head}{"agent":"`);
    setTimeout(() => socket.destroy(), 20);
  },
  resetAfter10Bytes: (socket: Socket) => {
    socket.write(`${OK_HEAD}{"agent":"`);
    setTimeout(() => socket.resetAndDestroy(), 20);
  },
  chunkedCut: (socket: Socket) => {
    socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{"age\r\n');
    setTimeout(() => socket.destroy(), 20);
  },
  stalledBody: (socket: Socket) => void socket.write(`${OK_HEAD}{"agent":"`),
  raw: (bytes: string) => (socket: Socket) => void socket.write(bytes),
  continueThen: (then: string | undefined) => (socket: Socket) => {
    socket.write('HTTP/1.1 100 Continue\r\n\r\n');
    setTimeout(() => (then === undefined ? socket.resetAndDestroy() : socket.write(then)), 20);
  },
} satisfies Record<string, Answer | ((...args: never[]) => Answer)>;

const AGENT_ANSWER = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 13\r\n\r\n{"agent":"a"}';
const NOT_SENT_AGAIN = 'Salesforce may have processed the request: it was not sent again';
const CHECK_ENDPOINT = ". Check that SCRT_ENDPOINT_BASE names the org's telephony API";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/**
 * A TCP server that answers every request with `answer`, and a client whose connections all go to it: undici's parser
 * sees exactly the bytes written, as it would from a TLS connection.
 */
async function rawSalesforce(answer: Answer) {
  const server = createServer((socket) => {
    let head = '';
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      head = '';
      answer(socket);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const client = new SalesforceClient({ telephonyProviderName: 'amazon-connect' }, (_options, callback) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => callback(null, socket));
    socket.once('error', (error) => callback(error, null));
  });
  return {
    send: async (budgetMs = 2_000) => {
      try {
        return await client.send(
          'PATCH',
          'https://acme.my.salesforce-scrt.com/telephony/v1',
          'voiceCalls/x/omniFlow',
          '{}',
          'token',
          Deadline.in(budgetMs),
        );
      } finally {
        await client.close();
      }
    },
  };
}

describe('Class: SalesforceClient', () => {
  describe('Method: send', () => {
    describe('Rule: a 2xx cut off was processed by Salesforce: an error saying so, which is never sent again', () => {
      it.each<[string, Answer, string]>([
        ['closed after 10 of 100 bytes', answers.cutAfter10Bytes(OK_HEAD), 'UND_ERR_SOCKET'],
        ['reset after 10 of 100 bytes', answers.resetAfter10Bytes, 'ECONNRESET'],
        ['closed inside a chunked body', answers.chunkedCut, 'UND_ERR_SOCKET'],
      ])('%s → BAD_ANSWER', async (_label, answer, code) => {
        const salesforce = await rawSalesforce(answer);

        await expect(salesforce.send()).rejects.toMatchObject({
          code: 'BAD_ANSWER',
          message: `Salesforce answered 200, but its answer was cut off (${code}): it processed the request, which was not sent again`,
        });
      });

      it('a body that does not arrive before the deadline → TIMEOUT saying Salesforce answered', async () => {
        const salesforce = await rawSalesforce(answers.stalledBody);

        await expect(salesforce.send(300)).rejects.toMatchObject({
          code: 'TIMEOUT',
          message:
            'Salesforce answered 200, but the rest of its answer did not arrive before the deadline: it processed the request, which was not sent again',
        });
      });
    });

    it.each([400, 401, 503])('takes a cut-off %i as that status, with an empty body', async (status) => {
      const head = `HTTP/1.1 ${status} X\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n`;
      const salesforce = await rawSalesforce(answers.cutAfter10Bytes(head));

      const answer = await salesforce.send();

      expect([answer.status, answer.body]).toEqual([status, '']);
    });

    describe('Rule: an answer that is not readable HTTP/1.1 is SALESFORCE_UNAVAILABLE, never sent again', () => {
      it.each<[string, Answer, string]>([
        [
          'an unsolicited 100 Continue, then the answer',
          answers.continueThen(AGENT_ANSWER),
          `Salesforce's answer was cut off after an unsolicited 100 Continue (UND_ERR_SOCKET); ${NOT_SENT_AGAIN}`,
        ],
        [
          'an unsolicited 100 Continue, then a reset',
          answers.continueThen(undefined),
          `Salesforce's answer was cut off after an unsolicited 100 Continue (UND_ERR_SOCKET); ${NOT_SENT_AGAIN}`,
        ],
        [
          'a protocol switch nobody asked for',
          answers.raw('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n'),
          `Salesforce's answer switched protocols (101) unasked (UND_ERR_SOCKET); ${NOT_SENT_AGAIN}`,
        ],
        [
          'a status line that is not HTTP',
          answers.raw('HELLO THERE\r\n\r\n'),
          `Salesforce's answer is not HTTP/1.1 (Expected HTTP/, RTSP/ or ICE/); ${NOT_SENT_AGAIN}${CHECK_ENDPOINT}`,
        ],
        [
          'a status that is not a number',
          answers.raw('HTTP/1.1 2OO OK\r\n\r\n'),
          `Salesforce's answer is not HTTP/1.1 (Invalid status code); ${NOT_SENT_AGAIN}${CHECK_ENDPOINT}`,
        ],
        [
          'headers over 16 KiB',
          answers.raw(`HTTP/1.1 200 OK\r\nx-padding: ${'a'.repeat(20_000)}\r\ncontent-length: 2\r\n\r\n{}`),
          `Salesforce's answer has headers larger than 16384 bytes (UND_ERR_HEADERS_OVERFLOW); ${NOT_SENT_AGAIN}${CHECK_ENDPOINT}`,
        ],
      ])('%s', async (_label, answer, message) => {
        const salesforce = await rawSalesforce(answer);

        await expect(salesforce.send()).rejects.toMatchObject({ code: 'SALESFORCE_UNAVAILABLE', message });
      });

      it('reads past the interim answers undici does accept (103 Early Hints)', async () => {
        const salesforce = await rawSalesforce(
          answers.raw(`HTTP/1.1 103 Early Hints\r\nlink: </x>\r\n\r\n${AGENT_ANSWER}`),
        );

        const answer = await salesforce.send();

        expect([answer.status, answer.body]).toEqual([200, '{"agent":"a"}']);
      });
    });
  });

  describe('Rule: past maxHosts, the least recently used host is closed', () => {
    /** A client whose every connection is an in-memory Salesforce, noting the host of each connection it opens. */
    function inMemoryClient(maxHosts?: number) {
      const opened: string[] = [];
      const client = new SalesforceClient(
        { telephonyProviderName: 'amazon-connect', maxHosts },
        (options, callback) => {
          opened.push(options.hostname);
          process.nextTick(callback, null, new WarmUpSocket() as unknown as Socket);
        },
      );
      // undici reuses a connection a full event-loop turn after its answer: the wait lets each host keep its one.
      const send = async (host: string) => {
        const base = `https://${host}/telephony/v1`;
        await client.send('PATCH', base, 'voiceCalls/x/omniFlow', '{}', 'token', Deadline.in(1_000));
        await new Promise((resolve) => setTimeout(resolve, 5));
      };
      return { client, opened, send };
    }

    it('keeps a host used again over one used less recently, though it was opened first', async () => {
      // Prepare: a and b open, then a is used again
      const { client, opened, send } = inMemoryClient(2);
      await send('a.example');
      await send('b.example');
      await send('a.example');

      // Act: c closes the least recently used (b), and a goes on over its open connection
      await send('c.example');
      await send('a.example');
      await send('b.example');
      await client.close();

      // Assess
      expect(opened).toEqual(['a.example', 'b.example', 'c.example', 'b.example']);
    });

    it(`keeps ${MAX_HOSTS} hosts open by default`, async () => {
      const { client, opened, send } = inMemoryClient();
      const hosts = Array.from({ length: MAX_HOSTS + 1 }, (_, i) => `org${i}.example`);

      for (const host of hosts.slice(0, MAX_HOSTS)) await send(host);
      await send(hosts[0]!);
      await send(hosts[MAX_HOSTS]!);
      await send(hosts[0]!);
      await send(hosts[1]!);
      await client.close();

      expect(opened).toEqual([...hosts, hosts[1]]);
    });

    it.each([0, -1, 1.5, Number.NaN])('refuses maxHosts %s', (maxHosts) => {
      expect(() => new SalesforceClient({ telephonyProviderName: 'x', maxHosts })).toThrow(
        new TypeError(`maxHosts must be a positive integer, not ${maxHosts}`),
      );
    });
  });
});
