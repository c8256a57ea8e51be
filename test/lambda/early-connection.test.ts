import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openEarlyConnection } from '../../lambda/src/early-connection.ts';

const servers: Server[] = [];
const accepted: Socket[] = [];
let closedByClient = 0;

/** A TCP server on loopback that accepts connections and never says a word (no TLS handshake). */
async function silentServer(): Promise<number> {
  const server = createServer((socket) => {
    accepted.push(socket);
    socket.resume().on('close', () => closedByClient++);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

afterEach(async () => {
  closedByClient = 0;
  for (const socket of accepted.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('Function: openEarlyConnection', () => {
  it('resolves to nothing, without throwing, when the host refuses the connection', async () => {
    // Prepare: a port that was free a moment ago
    const port = await silentServer();
    await new Promise((resolve) => servers.pop()!.close(resolve));

    // Act
    const socket = await openEarlyConnection(`https://127.0.0.1:${port}/telephony/v1`, 2_000);

    // Assess
    expect(socket).toBeUndefined();
  });

  it('gives up after its timeout when the handshake does not finish, closing the socket', async () => {
    const port = await silentServer();

    const socket = await openEarlyConnection(`https://127.0.0.1:${port}/telephony/v1`, 200);

    expect(socket).toBeUndefined();
    expect(accepted).toHaveLength(1);
    await expect.poll(() => closedByClient).toBe(1);
  });

  it('resolves to nothing when the server is not speaking TLS', async () => {
    const server = createServer((socket) => {
      accepted.push(socket);
      socket.resume().end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

    const socket = await openEarlyConnection(
      `https://127.0.0.1:${(server.address() as AddressInfo).port}/telephony/v1`,
    );

    expect(socket).toBeUndefined();
  });
});
