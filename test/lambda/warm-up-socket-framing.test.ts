import { describe, expect, it } from 'vitest';
import { WarmUpSocket } from '../../lambda/src/warm-up-socket.ts';

/** What the socket has answered so far, as text. */
const read = (socket: WarmUpSocket) => (socket.read() as Buffer | null)?.toString('latin1') ?? '';
const answers = (text: string) => text.match(/HTTP\/1\.1 200 OK/g)?.length ?? 0;

/** A paused socket, so its answers wait to be read. */
function socket(): WarmUpSocket {
  const created = new WarmUpSocket();
  created.pause();
  return created;
}

describe('Class: WarmUpSocket', () => {
  describe('Method: _write', () => {
    it('answers a request without a body, one without a Content-Length, then the next', () => {
      const warm = socket();

      warm.write('PATCH /a HTTP/1.1\r\nhost: h\r\n\r\nPATCH /b HTTP/1.1\r\ncontent-length: 2\r\n\r\n{}');

      expect(answers(read(warm))).toBe(2);
    });

    it("reads each request's Content-Length from its own head only", () => {
      const warm = socket();

      warm.write(`PATCH /a HTTP/1.1\r\n\r\nPATCH /b HTTP/1.1\r\ncontent-length: 60\r\n\r\n${'x'.repeat(60)}`);

      expect(answers(read(warm))).toBe(2);
    });

    it('reads a Content-Length of several digits, written without a blank', () => {
      const warm = socket();

      warm.write(`PATCH /a HTTP/1.1\r\ncontent-length:12\r\n\r\n${'x'.repeat(11)}`);
      const early = read(warm);
      warm.write('x');

      expect(early).toBe('');
      expect(answers(read(warm))).toBe(1);
    });

    it('answers a request whose head is empty', () => {
      const warm = socket();

      warm.write('\r\n\r\n');

      expect(answers(read(warm))).toBe(1);
    });
  });

  describe('Methods: ref and unref', () => {
    it('return the socket, as a net.Socket does', () => {
      const warm = new WarmUpSocket();

      expect([warm.ref(), warm.unref()]).toEqual([warm, warm]);
    });
  });
});
