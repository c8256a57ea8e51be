import type { AddressInfo } from 'node:net';
import { type ConnectionOptions, createServer, type Server, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { openEarlyConnection } from '../../lambda/src/early-connection.ts';
import { createTestTls, type TestTls } from '../emulators/test-ca.ts';
import type * as Tls from 'node:tls';

/**
 * `node:tls` as the function sees it, but trusting the test CA (the function trusts it through NODE_EXTRA_CA_CERTS,
 * which only a new process reads), and noting every connection's options and socket set-up.
 */
const seen = vi.hoisted(() => ({
  ca: '',
  options: [] as Record<string, unknown>[],
  setUp: [] as string[],
}));
vi.mock('node:tls', async (importOriginal) => {
  const real = await importOriginal<typeof Tls>();
  const connect = (options: ConnectionOptions) => {
    seen.options.push({ ...options });
    const socket = real.connect({ ...options, ca: [seen.ca] });
    const { setNoDelay, setKeepAlive } = socket;
    socket.setNoDelay = (noDelay?: boolean) => {
      seen.setUp.push(`setNoDelay(${noDelay})`);
      return setNoDelay.call(socket, noDelay);
    };
    socket.setKeepAlive = (enable?: boolean, delay?: number) => {
      seen.setUp.push(`setKeepAlive(${enable}, ${delay})`);
      return setKeepAlive.call(socket, enable, delay);
    };
    return socket;
  };
  return { ...real, connect };
});

let tls: TestTls;
let server: Server;
let port: number;
/** The server's side of each connection: the name the client asked for (SNI) and the protocol agreed (ALPN). */
const handshakes: { servername: string | false; alpn: string | false }[] = [];

beforeAll(async () => {
  tls = await createTestTls();
  seen.ca = tls.caPem;
  server = createServer({ key: tls.serverKeyPem, cert: tls.serverCertPem, ALPNProtocols: ['http/1.1'] }, (socket) => {
    const secure = socket as TLSSocket & { servername?: string | false | null };
    handshakes.push({ servername: secure.servername ?? false, alpn: secure.alpnProtocol ?? false });
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
beforeEach(() => {
  seen.options.length = 0;
  seen.setUp.length = 0;
  handshakes.length = 0;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

describe('Function: openEarlyConnection', () => {
  describe('Rule: a finished handshake gives the socket, set up as undici sets up its own', () => {
    it('connects to an IP address: no SNI, ALPN http/1.1, no Nagle, TCP keep-alive after 60 s', async () => {
      // Act
      const socket = await openEarlyConnection(`https://127.0.0.1:${port}/telephony/v1`);

      // Assess
      expect(socket?.readyState).toBe('open');
      expect(socket?.alpnProtocol).toBe('http/1.1');
      expect(seen.options).toEqual([{ host: '127.0.0.1', port, servername: undefined, ALPNProtocols: ['http/1.1'] }]);
      expect(seen.setUp).toEqual(['setNoDelay(true)', 'setKeepAlive(true, 60000)']);
      await expect.poll(() => handshakes).toEqual([{ servername: false, alpn: 'http/1.1' }]);
      socket?.destroy();
    });

    it('names a host by SNI', async () => {
      const socket = await openEarlyConnection(`https://localhost:${port}/telephony/v1`);

      expect(socket?.readyState).toBe('open');
      expect(seen.options[0]).toMatchObject({ host: 'localhost', servername: 'localhost' });
      await expect.poll(() => handshakes).toEqual([{ servername: 'localhost', alpn: 'http/1.1' }]);
      socket?.destroy();
    });

    it('keeps the socket open past its timeout: the timer ends with the handshake', async () => {
      const socket = await openEarlyConnection(`https://127.0.0.1:${port}/telephony/v1`, 100);
      await new Promise((resolve) => setTimeout(resolve, 250));

      expect(socket?.destroyed).toBe(false);
      socket?.destroy();
    });
  });

  describe('Rule: nothing of it is left running once it has settled', () => {
    it('clears its timer when the connection is refused', async () => {
      // Prepare
      const set = vi.spyOn(globalThis, 'setTimeout');
      const cleared = vi.spyOn(globalThis, 'clearTimeout');

      // Act
      const socket = await openEarlyConnection('https://127.0.0.1:1/telephony/v1', 4_321);

      // Assess
      const timer = set.mock.results[set.mock.calls.findIndex(([, ms]) => ms === 4_321)]?.value as unknown;
      expect(socket).toBeUndefined();
      expect(timer).toBeDefined();
      await expect.poll(() => cleared.mock.calls.some(([cancelled]) => cancelled === timer)).toBe(true);
      vi.restoreAllMocks();
    });
  });

  describe('Rule: the host and port come from the URL', () => {
    it('takes an IPv6 address without its brackets, as an address (no SNI)', async () => {
      const socket = await openEarlyConnection('https://[::1]:1/telephony/v1', 1_000);

      expect(socket).toBeUndefined();
      expect(seen.options).toEqual([{ host: '::1', port: 1, servername: undefined, ALPNProtocols: ['http/1.1'] }]);
    });

    it('uses port 443 when the URL names none', async () => {
      const socket = await openEarlyConnection('https://127.0.0.1/telephony/v1', 1_000);

      expect(socket).toBeUndefined();
      expect(seen.options[0]).toMatchObject({ host: '127.0.0.1', port: 443 });
    });
  });
});
