import { describe, expect, it } from 'vitest';
import { Deadline } from '../../lambda/src/deadline.ts';
import { BadAnswerError } from '../../lambda/src/errors.ts';
import type { CallRequest } from '../../lambda/src/event.ts';
import { OrgCache } from '../../lambda/src/key/cache.ts';
import type { Org, OrgSource } from '../../lambda/src/key/source.ts';
import { numbersIn } from '../../lambda/src/logger.ts';
import { callSalesforce, errorTexts, statusError } from '../../lambda/src/salesforce-call.ts';
import type { HttpAnswer, SalesforceClient } from '../../lambda/src/salesforce-client.ts';
import { TokenStock } from '../../lambda/src/token-stock.ts';
import { ACME_ORG } from '../support/acme-org.ts';

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

/** A token as Salesforce might echo one back: a signed JWT's three parts. */
const JWT =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiIwMERLejAwMDAwMUFiQ2RFQUEiLCJzdWIiOiJBY21lIn0.c2lnbmF0dXJlLXBhcnQtb2YtdGhlLXRva2Vu';
const isWellFormed = (text: string) => (text as string & { isWellFormed(): boolean }).isWellFormed();

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
    expect(texts[0]).toHaveLength(300);
    expect(texts[0]!.endsWith('…')).toBe(true);
  });

  it('never cuts an emoji in two at the 300th character', () => {
    const [text] = errorTexts(JSON.stringify({ errors: [`${'x'.repeat(298)}😀😀`] }));

    expect(text).toBe(`${'x'.repeat(298)}…`);
    expect(isWellFormed(text!)).toBe(true);
  });

  describe('Rule: a token or a number Salesforce echoes back never comes out', () => {
    it.each([
      [
        'an Authorization header',
        `Invalid header Authorization: Bearer ${JWT}`,
        'Invalid header Authorization: Bearer [redacted]',
      ],
      ['a bare JWT', `token ${JWT} has expired`, 'token [redacted] has expired'],
      ['a bearer token that is not a JWT', 'got bearer 00Dxx!AQ4AQFyZ.opaque', 'got Bearer [redacted]'],
      ["the caller's number", 'no VoiceCall for +1 206 555 0199', 'no VoiceCall for [redacted]'],
    ])('redacts %s', (_label, text, redacted) => {
      expect(errorTexts(JSON.stringify({ errors: [text] }))).toEqual([redacted]);
    });

    describe('the numbers the request sent, however Salesforce writes them', () => {
      /** What a callback request for the caller's number sends. */
      const sent = numbersIn({ callbackNumber: '+12065550199' });

      it.each([
        ['keyed in, without its +', 'callbackNumber 2065550199 is invalid', 'callbackNumber [redacted] is invalid'],
        ['with its country code, no +', 'callback to 12065550199 refused', 'callback to [redacted] refused'],
        [
          'national, grouped',
          'Caller (206) 555-0199 / 206.555.0199 / 206-555-0199 not allowed',
          'Caller [redacted] / [redacted] / [redacted] not allowed',
        ],
        ['local', 'no line 555-0199', 'no line [redacted]'],
        ['followed by a letter', 'number 1 206 555 0199x is not callable', 'number [redacted]x is not callable'],
        ['with a + and parentheses', 'from +1 (206) 555-0199', 'from +[redacted]'],
      ])('redacts one written %s', (_label, text, redacted) => {
        expect(errorTexts(JSON.stringify({ errors: [text] }), sent)).toEqual([redacted]);
      });

      it.each([
        ["Salesforce's ErrorId", 'include this ErrorId if you contact support: 1852097437-71234 (1589214823)'],
        ['another number', 'line 2065550100 is busy'],
        ['a record id', 'VoiceCall 0LQ5g000000AbCdGAK not found'],
        ['a date and time', 'startTime 2026-12-04 18:00:00 is in the future'],
        ['a size', 'Apex heap size too large: 6291456'],
        ['an address', 'login from IP 203.0.113.195'],
      ])('keeps %s as it is', (_label, text) => {
        expect(errorTexts(JSON.stringify({ errors: [text] }), sent)).toEqual([text]);
      });

      it('keeps them out of the error a 400 becomes', () => {
        const error = statusError(
          answer(400, { errors: ['callbackNumber 2065550199 is invalid'] }),
          1,
          undefined,
          sent,
        );

        expect(error.message).toBe('Salesforce rejected the request (400): callbackNumber [redacted] is invalid');
      });
    });

    it('redacts a JWT that straddles the 300th character, before cutting', () => {
      const [text] = errorTexts(JSON.stringify({ errors: [`${'x'.repeat(250)} ${JWT}`] }));

      expect(text).toBe(`${'x'.repeat(250)} [redacted]`);
      expect(text).not.toContain('eyJ');
    });

    it('keeps the token out of the error a 400 becomes', () => {
      const error = statusError(answer(400, { errors: [`Authorization: Bearer ${JWT}`] }), 1);

      expect(error.message).toBe('Salesforce rejected the request (400): Authorization: Bearer [redacted]');
      expect(JSON.stringify(error)).not.toContain(JWT.split('.')[1]);
    });
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

  describe('Rule: a redirect says SCRT_ENDPOINT_BASE names the wrong place, and where it points, never the URL', () => {
    it.each<[number, string | undefined, string]>([
      [
        302,
        'https://login.salesforce.com/?startURL=%2Fsecret&token=abc',
        'Salesforce answered 302, a redirect to login.salesforce.com, which is not followed: check SCRT_ENDPOINT_BASE',
      ],
      [
        307,
        'https://user:pass@acme.my.salesforce-scrt.com:8443/telephony/v2/x?sid=1',
        'Salesforce answered 307, a redirect to acme.my.salesforce-scrt.com:8443, which is not followed: check SCRT_ENDPOINT_BASE',
      ],
      [
        301,
        '//other.example/path',
        'Salesforce answered 301, a redirect to other.example, which is not followed: check SCRT_ENDPOINT_BASE',
      ],
      [
        308,
        '/telephony/v2?x=1',
        'Salesforce answered 308, a redirect to another path, which is not followed: check SCRT_ENDPOINT_BASE',
      ],
      [303, undefined, 'Salesforce answered 303, a redirect, which is not followed: check SCRT_ENDPOINT_BASE'],
    ])('%i to %s → SALESFORCE_UNAVAILABLE', (status, location, message) => {
      const error = statusError(answer(status, '', location ? { location } : {}), 1);

      expect(error).toMatchObject({ code: 'SALESFORCE_UNAVAILABLE', message });
    });
  });
});

const ORG: Org = ACME_ORG;

/** A routing request of the simplest kind: omniFlow for one call, as `parseEvent` makes it. */
const ROUTE: CallRequest = {
  method: 'executeOmniFlow',
  callId: '4a573372-1f28-4e26-b97b-0c7f2b3d9e61',
  body: { dialedNumber: '+18005550100' },
  secretName: undefined,
  accessSecretName: undefined,
};

/** Calls Salesforce once through an in-memory client whose every request takes the next of `answers`. */
async function call(...answers: (HttpAnswer | Error)[]) {
  let loads = 0;
  let sent = 0;
  const source: OrgSource = {
    description: 'an org in memory',
    load: async () => {
      loads++;
      return { ...ORG };
    },
  };
  const client = {
    async send(): Promise<HttpAnswer> {
      sent++;
      const next = answers.shift() ?? answer(200, {});
      if (next instanceof Error) throw next;
      return next;
    },
  } as unknown as SalesforceClient;
  const deps = {
    orgs: new OrgCache(source, { ttlMs: 60_000, sourceFor: () => source }),
    client,
    tokens: new TokenStock({ mintAhead: false }),
    random: () => 0,
  };
  try {
    const attributes = await callSalesforce(ROUTE, deps, { deadline: Deadline.in(5_000) });
    return { attributes, error: undefined, loads, sent };
  } catch (error) {
    return { attributes: undefined, error: error as Error & { code: string }, loads, sent };
  }
}

describe('Function: callSalesforce', () => {
  it('reads the key again after a 401, and not after a 403: a 403 is about permissions, not a rotated key', async () => {
    const unauthorized = await call(answer(401, { errors: ['INVALID_SESSION_ID'] }), answer(200, {}));
    const forbidden = await call(answer(403, { errors: ['Insufficient access'] }), answer(200, {}));

    expect([unauthorized.loads, unauthorized.sent, unauthorized.attributes?.status]).toEqual([2, 2, 'OK']);
    expect([forbidden.loads, forbidden.sent]).toEqual([1, 1]);
    expect(forbidden.error).toMatchObject({
      code: 'AUTH',
      message:
        "Salesforce refused the token (403): Insufficient access; the key was not read again: a 403 is about permissions, not the key. Check SALESFORCE_ORG_ID, CALL_CENTER_API_NAME and the call center's set-up in Salesforce",
    });
  });

  it('sends a redirect nowhere else and does not send it again', async () => {
    const { error, sent } = await call(answer(302, '', { location: 'https://login.salesforce.com/' }));

    expect(sent).toBe(1);
    expect(error?.code).toBe('SALESFORCE_UNAVAILABLE');
  });

  it("never sends again after the client's own error: Salesforce answered, and its answer could not be read", async () => {
    const { error, sent } = await call(new BadAnswerError('Salesforce answered 200, but its answer was cut off'));

    expect(sent).toBe(1);
    expect(error?.code).toBe('BAD_ANSWER');
  });

  it('names an error that has no code by its name, not "unknown error"', async () => {
    const odd = Object.assign(new Error('strange'), { name: 'StrangeError' });

    const { error } = await call(odd);

    expect(error?.message).toBe('could not reach Salesforce (StrangeError) after 1 attempt');
  });
});
