import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay on 127.0.0.1 that adds network latency in front of a local server: every chunk waits half the round
 * trip in each direction (one timer delay, so order is kept), and a new connection's first bytes wait one more
 * round trip, as a TCP handshake would. TLS passes through untouched, so handshakes pay their real round trips.
 */
export class LatencyRelay {
  /** Connections accepted so far. */
  connections = 0;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  private constructor(
    private readonly targetPort: number,
    readonly rttMs: number,
  ) {
    this.#server = createServer((client) => this.#relay(client));
  }

  static async start(targetPort: number, rttMs: number): Promise<LatencyRelay> {
    const relay = new LatencyRelay(targetPort, rttMs);
    await new Promise<void>((resolve) => relay.#server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #relay(client: Socket): void {
    this.connections++;
    const upstream = connect(this.targetPort, '127.0.0.1');
    const half = this.rttMs / 2;
    // Timers of one duration fire in the order they were set, so every chunk of a direction waits exactly `half`;
    // the handshake round trip is modelled by holding the client's first bytes back until it has passed.
    let held: Buffer[] | undefined = [];
    setTimeout(() => {
      for (const chunk of held ?? []) setTimeout(() => upstream.write(chunk), half);
      held = undefined;
    }, this.rttMs);
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      if (held) held.push(chunk);
      else setTimeout(() => upstream.write(chunk), half);
    });
    upstream.on('data', (chunk) => setTimeout(() => client.write(chunk), half));
    client.on('end', () => setTimeout(() => upstream.end(), half));
    upstream.on('end', () => setTimeout(() => client.end(), half));
  }
}
