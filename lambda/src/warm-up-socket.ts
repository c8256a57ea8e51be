import { Duplex } from 'node:stream';

const HEADERS_END = '\r\n\r\n';
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;
const ANSWER =
  'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nkeep-alive: timeout=5\r\n\r\n{}';

/**
 * An in-memory stand-in for a connection to Salesforce, used only to warm up the HTTP client during init: it answers
 * every HTTP/1.1 request written to it with `200 {}`. Running a request through it compiles undici's HTTP parser and
 * runs its request path and ours once, without the network and without a listening server (whose first `listen`
 * alone loads Node's cluster and child-process modules).
 */
export class WarmUpSocket extends Duplex {
  #received = '';

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#received += chunk.toString('latin1');
    for (;;) {
      const end = this.#received.indexOf(HEADERS_END);
      if (end < 0) break;
      const length = Number(CONTENT_LENGTH.exec(this.#received.slice(0, end + 2))?.[1] ?? 0);
      const size = end + HEADERS_END.length + length;
      if (this.#received.length < size) break;
      this.#received = this.#received.slice(size);
      this.push(ANSWER, 'latin1');
    }
    callback();
  }

  override _read(): void {}

  /** Sockets can be (un)referenced; undici unreferences an idle one. */
  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }
}
