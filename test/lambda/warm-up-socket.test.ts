import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Deadline } from '../../lambda/src/deadline.ts';
import { SalesforceClient } from '../../lambda/src/salesforce-client.ts';
import { WarmUpSocket } from '../../lambda/src/warm-up-socket.ts';

const read = (socket: WarmUpSocket) => (socket.read() as Buffer | null)?.toString('latin1') ?? '';

describe('Class: WarmUpSocket', () => {
  it('answers a request once its headers and its whole body have been written, in any pieces', () => {
    // Prepare
    const socket = new WarmUpSocket();
    socket.pause();

    // Act
    socket.write('PATCH /telephony/v1/voiceCalls/x/omniFlow HTTP/1.1\r\nhost: h\r\ncontent-');
    socket.write('length: 7\r\n\r\n{"a"');
    const early = read(socket);
    socket.write(':1}');

    // Assess
    expect(early).toBe('');
    expect(read(socket)).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n\{\}$/);
  });

  it('answers each of several requests on one connection', () => {
    const socket = new WarmUpSocket();
    socket.pause();

    socket.write('PATCH /a HTTP/1.1\r\ncontent-length: 2\r\n\r\n{}PATCH /b HTTP/1.1\r\ncontent-length: 0\r\n\r\n');

    expect(read(socket).match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
  });

  it("carries the Salesforce client's real request path end to end, with no network", async () => {
    // Prepare
    const opened: string[] = [];
    const client = new SalesforceClient({ telephonyProviderName: 'amazon-connect' }, (options, callback) => {
      opened.push(`${options.protocol}//${options.hostname}`);
      process.nextTick(callback, null, new WarmUpSocket() as unknown as Socket);
    });

    // Act
    const answer = await client.send(
      'PATCH',
      'https://warm-up.invalid/telephony/v1',
      'voiceCalls/x/omniFlow',
      '{}',
      'token',
      Deadline.in(1_000),
    );
    await client.close();

    // Assess
    expect([answer.status, answer.body]).toEqual([200, '{}']);
    expect(opened).toEqual(['https://warm-up.invalid']);
  });
});
