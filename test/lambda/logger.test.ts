import { afterEach, describe, expect, it, vi } from 'vitest';
import { Logger, numbersIn, redactNumbers, scrub } from '../../lambda/src/logger.ts';

function capture(level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR') {
  const lines: string[] = [];
  return { lines, logger: new Logger(level, (line) => lines.push(line)) };
}

describe('Class: Logger', () => {
  it('writes one JSON object per line with the base and given fields', () => {
    const { lines, logger } = capture('INFO');

    logger.with({ requestId: 'r-1' }).info('routed', { contactId: 'c-1', attempts: 1 });

    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'INFO',
      message: 'routed',
      service: 'connect-omniflow-bridge',
      requestId: 'r-1',
      contactId: 'c-1',
      attempts: 1,
    });
  });

  it('drops lines below its level', () => {
    const { lines, logger } = capture('WARN');

    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');

    expect(lines.map((line) => JSON.parse(line).level)).toEqual(['WARN', 'ERROR']);
  });

  it('redacts tokens and keys that reach it by mistake', () => {
    const { lines, logger } = capture('DEBUG');
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIwMEQifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

    logger.error('oops', {
      header: `Bearer ${jwt}`,
      token: jwt,
      pem: '-----BEGIN PRIVATE KEY-----\nMIIEv\n-----END PRIVATE KEY-----',
    });

    expect(lines[0]).not.toContain(jwt);
    expect(lines[0]).not.toContain('MIIEv');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      header: 'Bearer [redacted]',
      token: '[redacted]',
      pem: '[redacted]',
    });
  });
});

describe('Class: Logger, each secret alone in a line', () => {
  it.each([
    ['a PEM block', '-----BEGIN RSA PRIVATE KEY-----\nMIIEow', '[redacted]'],
    ['a session id after Bearer', 'Bearer 00Dxx!AQ4AQ.opaque', 'Bearer [redacted]'],
    ['a bearer token in lower case', 'bearer 00Dxx!AQ4AQ.opaque', 'Bearer [redacted]'],
    ['a JWT', 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIwMEQifQ.c2lnbmF0dXJl', '[redacted]'],
    ["a caller's number", 'Invalid number +4915112345678', 'Invalid number [redacted]'],
  ])('redacts %s, however deep it sits', (_what, text, written) => {
    const lines: string[] = [];

    new Logger('INFO', (line) => lines.push(line)).error('refused', { answer: { errors: [{ message: text }] } });

    expect(JSON.parse(lines[0]!).answer.errors[0].message).toBe(written);
  });

  it('writes a line with none of them as JSON, unchanged', () => {
    const lines: string[] = [];
    const fields = { contactId: 'c-1', ms: { http: 21.5 }, Latency: 1e21, path: 'a\\b "quoted"\n' };

    new Logger('INFO', (line) => lines.push(line), {}).info('routed', fields);

    const { timestamp, ...rest } = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(typeof timestamp).toBe('string');
    expect(rest).toEqual({ level: 'INFO', message: 'routed', ...fields });
    expect(lines[0]).toBe(`${JSON.stringify({ timestamp, level: 'INFO', message: 'routed', ...fields })}\n`);
  });
});

describe('Method: summary', () => {
  it('writes the summary line whatever the threshold, at its own level', () => {
    const lines: string[] = [];
    const logger = new Logger('ERROR', (line) => lines.push(line));

    logger.info('dropped');
    logger.summary('INFO', 'routed', { Calls: 1 });

    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'routed', Calls: 1 }),
    ]);
  });

  it("raises it to the summary floor (Lambda's own log level), which with() keeps", () => {
    const lines: string[] = [];
    const logger = new Logger('WARN', (line) => lines.push(line), undefined, 'WARN').with({ requestId: 'r' });

    logger.summary('INFO', 'routed', {});
    logger.summary('ERROR', 'not routed', {});

    expect(lines.map((line) => JSON.parse(line).level)).toEqual(['WARN', 'ERROR']);
  });
});

describe('Function: scrub', () => {
  it('leaves ordinary text alone', () => {
    const text =
      '{"contactId":"4a573372-1f28-4e26-b97b-0c7f2b3d9e61","agent":"arn:aws:connect:us-east-1:1:instance/x/agent/y"}';

    expect(scrub(text)).toBe(text);
  });

  it('redacts an opaque bearer token, not only a JWT-shaped one', () => {
    // A Salesforce session id: org id, "!", then an opaque string — nothing like a JWT.
    const session = '00DKz000001AbCd!AQ4AQFz8tVrL9mE2xQw3.Rk_7YpN0uHs5cTg1JdB6oWiZa';

    expect(scrub(`authorization: Bearer ${session} sent`)).toBe('authorization: Bearer [redacted] sent');
  });

  it('redacts a PEM block cut off before its end line', () => {
    expect(scrub('key: -----BEGIN RSA PRIVATE KEY-----\nMIIEow')).toBe('key: [redacted]');
  });

  it.each(['+12065550199', '+44 20 7946 0958', '+1-206-555-0199', '+4915123456'])(
    'redacts a telephone number (%s), however it is spaced',
    (number) => {
      expect(scrub(`Invalid callback number ${number}.`)).toBe('Invalid callback number [redacted].');
    },
  );

  it('leaves numbers that are not telephone numbers alone: ids, counts, a short +n', () => {
    const text = 'retry after 30 s; 00G111222333444; +3 attempts; 2026-12-04T18:00:00.000Z';

    expect(scrub(text)).toBe(text);
  });
});

describe('Class: Logger, its defaults and DEBUG', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('writes to stdout by default', () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });

    new Logger('INFO').info('hello');

    expect(written).toHaveLength(1);
    expect(JSON.parse(written[0]!)).toMatchObject({ level: 'INFO', message: 'hello' });
  });

  it('writes a summary line asked for at DEBUG at INFO, its floor by default', () => {
    const lines: string[] = [];

    new Logger('DEBUG', (line) => lines.push(line)).summary('DEBUG', 'done', {});

    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'INFO', message: 'done' });
  });

  it('writes DEBUG lines at DEBUG', () => {
    const lines: string[] = [];

    new Logger('DEBUG', (line) => lines.push(line)).debug('detail', { n: 1 });

    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'DEBUG', message: 'detail', n: 1 });
  });
});

describe('Function: scrub, at the edges of its patterns', () => {
  it('redacts a bearer token after two spaces', () => {
    expect(scrub('Authorization: Bearer  00Dxx!AQ4AQ.opaque')).toBe('Authorization: Bearer [redacted]');
  });

  it('redacts a whole PEM block with a label of several words, and keeps what follows it', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----';

    expect(scrub(`key ${pem} was refused`)).toBe('key [redacted] was refused');
  });
});

describe('Function: numbersIn', () => {
  it("takes the last seven digits of every telephone number a request's body holds, however deep", () => {
    const body = {
      vendorCallKey: '4a573372-1f28-4e26-b97b-0c7f2b3d9e61',
      to: '+18445791189',
      from: '+44 20 7946 0958',
      participants: [{ participantKey: '(206) 555-0199', type: 'END_USER' }],
      subject: 'call back on 2065550100 please',
      extension: '4021',
      attempts: 2065550111,
      note: null,
    };

    expect(numbersIn(body).sort()).toEqual(['5550199', '5791189', '9460958']);
  });

  it('takes a local number of exactly seven digits', () => {
    expect(numbersIn({ callbackNumber: '555-0199' })).toEqual(['5550199']);
  });

  it('finds none in a request without a body', () => {
    expect(numbersIn(undefined)).toEqual([]);
  });
});

describe('Function: redactNumbers', () => {
  it('redacts any one of the numbers sent, wherever it is', () => {
    const sent = numbersIn({ to: '+18445791189', callbackNumber: '+12065550199' });

    expect(redactNumbers('callbackNumber 2065550199 is invalid', sent)).toBe('callbackNumber [redacted] is invalid');
  });

  it('leaves the text as it is when the request sent no number', () => {
    expect(redactNumbers('line 2065550199 is busy', [])).toBe('line 2065550199 is busy');
  });
});
