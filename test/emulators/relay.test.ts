import { createServer, connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatencyRelay } from './relay.ts';

describe('Class: LatencyRelay', () => {
  const echo = createServer((socket) => socket.pipe(socket));
  let relay: LatencyRelay;

  beforeAll(async () => {
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    relay = await LatencyRelay.start((echo.address() as AddressInfo).port, 40);
  });
  afterAll(async () => {
    await relay.close();
    echo.close();
  });

  it('adds the handshake round trip to the first exchange, one round trip to later ones, and keeps the bytes in order', async () => {
    // Prepare
    const socket = connect(relay.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const until = (bytes: number) =>
      new Promise<void>((resolve) => {
        const check = () => (Buffer.concat(received).length >= bytes ? resolve() : setTimeout(check, 1));
        check();
      });

    // Act
    let started = performance.now();
    socket.write('first');
    await until(5);
    const firstMs = performance.now() - started;
    started = performance.now();
    for (let i = 0; i < 50; i++) socket.write(String(i % 10));
    await until(55);
    const laterMs = performance.now() - started;
    socket.destroy();

    // Assess
    expect(firstMs).toBeGreaterThanOrEqual(78);
    expect(laterMs).toBeGreaterThanOrEqual(38);
    expect(Buffer.concat(received).toString()).toBe(`first${Array.from({ length: 50 }, (_, i) => i % 10).join('')}`);
    expect(relay.connections).toBe(1);
  });
});
