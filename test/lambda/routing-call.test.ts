import { describe, expect, it } from 'vitest';
import { errorTexts, statusError } from '../../lambda/src/routing-call.ts';

const answer = (status: number, body: unknown) => ({
  status,
  headers: {},
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('Function: errorTexts', () => {
  it.each<[string, unknown, string[]]>([
    ['an errors array of strings', { errors: ['one', 'two'] }, ['one', 'two']],
    [
      'an errors array of objects',
      { errors: [{ message: 'bad queue', errorCode: 'INVALID' }, { errorCode: 'X' }] },
      ['bad queue'],
    ],
    [
      "Salesforce's REST shape (a bare array)",
      [{ message: 'Session expired', errorCode: 'INVALID_SESSION_ID' }],
      ['Session expired'],
    ],
    ['HTML', '<html>502 Bad Gateway</html>', []],
    ['an empty body', '', []],
    ['errors that is not an array', { errors: 'oops' }, []],
  ])('reads %s', (_label, body, texts) => {
    expect(errorTexts(answer(400, body).body)).toEqual(texts);
  });

  it('keeps at most five texts of at most 300 characters', () => {
    const texts = errorTexts(JSON.stringify({ errors: Array.from({ length: 8 }, (_, i) => `${i}`.repeat(400)) }));

    expect(texts).toHaveLength(5);
    expect(texts[0]).toHaveLength(301);
    expect(texts[0]!.endsWith('…')).toBe(true);
  });
});

describe('Function: statusError', () => {
  it.each<[number, string, string]>([
    [401, 'AUTH', 'Salesforce refused the token (401): e'],
    [403, 'AUTH', 'Salesforce refused the token (403): e'],
    [400, 'SALESFORCE_REJECTED', 'Salesforce rejected the request (400): e'],
    [404, 'SALESFORCE_REJECTED', 'Salesforce rejected the request (404): e'],
    [429, 'SALESFORCE_UNAVAILABLE', 'Salesforce answered 429 after 2 attempts: e'],
    [500, 'SALESFORCE_UNAVAILABLE', 'Salesforce answered 500 after 2 attempts: e'],
  ])('%i → %s', (status, code, message) => {
    const error = statusError(answer(status, { errors: ['e'] }), 2) as Error & { code: string };

    expect(error.code).toBe(code);
    expect(error.message.startsWith(message)).toBe(true);
  });

  it('carries the texts and the status on SALESFORCE_REJECTED', () => {
    expect(statusError(answer(422, { errors: ['a', 'b'] }), 1)).toMatchObject({ status: 422, errors: ['a', 'b'] });
  });
});
