import { describe, expect, it } from 'vitest';
import { Deadline } from '../../lambda/src/deadline.ts';
import { BadEventError } from '../../lambda/src/errors.ts';
import type { CallRequest } from '../../lambda/src/event.ts';
import { OrgCache } from '../../lambda/src/key/cache.ts';
import type { Org, OrgSource } from '../../lambda/src/key/source.ts';
import { Logger } from '../../lambda/src/logger.ts';
import { callSalesforce, errorTexts, newTrace, statusError } from '../../lambda/src/salesforce-call.ts';
import type { HttpAnswer, SalesforceClient } from '../../lambda/src/salesforce-client.ts';
import type { TokenStock } from '../../lambda/src/token-stock.ts';
import { ACME_ORG } from '../support/acme-org.ts';

const { key: KEY, settings: SETTINGS } = ACME_ORG;

/** What the in-memory Salesforce does with one request: answer, throw (a transport failure), after `waitMs`. */
type Step = (HttpAnswer | { readonly fail: unknown }) & { readonly waitMs?: number; readonly advanceMs?: number };

const answer = (status: number, body: unknown = {}, headers: HttpAnswer['headers'] = {}): Step => ({
  status,
  headers,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const failing = (code: string | undefined, extra: Record<string, unknown> = {}): Step => ({
  fail: Object.assign(new Error(code ?? 'failure'), code === undefined ? {} : { code }, extra),
});

/** A request as parseEvent makes it, for `method`. */
const request = (method: CallRequest['method'], extra: Partial<CallRequest> = {}): CallRequest => ({
  method,
  callId: 'c-1',
  body: undefined,
  secretName: undefined,
  accessSecretName: undefined,
  ...extra,
});

interface Options {
  /** A clock the deadline runs on, which steps move by `advanceMs` (and the token stock by `signMs`). */
  readonly clock?: { now: number };
  readonly signMs?: number;
  readonly random?: () => number;
  /** Real time the key read and the signature take. */
  readonly waitMs?: { readonly key?: number; readonly sign?: number };
}

/** callSalesforce over an in-memory Salesforce taking `steps` in turn (then 200 `{}`), with its trace and DEBUG lines. */
function caller(steps: Step[], { clock, signMs = 0, random = () => 0, waitMs = {} }: Options = {}) {
  const sent: { resource: string; body: string | undefined }[] = [];
  const lines: Record<string, unknown>[] = [];
  const client = {
    async send(_method: string, _base: string, resource: string, body: string | undefined): Promise<HttpAnswer> {
      sent.push({ resource, body });
      const step = steps.shift() ?? answer(200);
      if (step.waitMs) await new Promise((resolve) => setTimeout(resolve, step.waitMs));
      if (clock && step.advanceMs) clock.now += step.advanceMs;
      if ('fail' in step) throw step.fail;
      return step;
    },
  } as unknown as SalesforceClient;
  let loads = 0;
  const source: OrgSource = {
    description: 'in memory',
    load: async () => {
      loads++;
      if (waitMs.key) await new Promise((resolve) => setTimeout(resolve, waitMs.key));
      return { settings: SETTINGS, key: KEY };
    },
  };
  const orgs = new OrgCache(source, { ttlMs: 60_000, sourceFor: () => source });
  const tokens = {
    take: async (org: Org) => {
      if (clock) clock.now += signMs;
      if (waitMs.sign) await new Promise((resolve) => setTimeout(resolve, waitMs.sign));
      return `token-for-${org.settings.orgId}`;
    },
  } as unknown as TokenStock;
  const logger = new Logger('DEBUG', (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  const deps = { orgs, client, tokens, random };
  const call = async (
    req: CallRequest,
    deadline = clock ? new Deadline(5_000, () => clock.now) : Deadline.in(5_000),
  ) => {
    const trace = newTrace();
    try {
      return { attributes: await callSalesforce(req, deps, { deadline, trace, log: logger }), trace, error: undefined };
    } catch (error) {
      return { attributes: undefined, trace, error: error as Error & { code: string } };
    }
  };
  return { call, sent, lines, loads: () => loads };
}

const debugLines = (lines: Record<string, unknown>[]) =>
  lines.map(({ message, timestamp: _t, level: _l, service: _s, ...fields }) => ({ message, ...fields }));

describe('Function: callSalesforce', () => {
  it('refuses a request for a method that makes no call', async () => {
    const { call } = caller([]);

    const { error } = await call(request('updateCache'));

    expect(error).toBeInstanceOf(TypeError);
    expect(error?.message).toBe('updateCache makes no call to Salesforce');
  });

  it('encodes the call id into the resource', async () => {
    const { call, sent } = caller([]);

    await call(request('cancelOmniFlowExecution', { callId: 'a/b c' }));

    expect(sent[0]!.resource).toBe('voiceCalls/a%2Fb%20c/clearRouting');
  });

  it('logs each attempt and each retry at DEBUG, with its outcome and why', async () => {
    // Prepare
    const reset = failing('ECONNRESET');
    const { call, lines } = caller([answer(401), reset, answer(200, { agent: 'a' })]);

    // Act
    const { attributes } = await call(request('executeOmniFlow', { body: {} }));

    // Assess
    expect(attributes).toMatchObject({ routingTarget: 'AGENT' });
    expect(debugLines(lines)).toEqual([
      { message: 'attempt', attempt: 1, ms: expect.any(Number), status: 401 },
      { message: 'retrying', afterMs: 0, reason: '401: reading the key again' },
      { message: 'attempt', attempt: 2, ms: expect.any(Number), failure: 'ECONNRESET' },
      { message: 'retrying', afterMs: 0, reason: 'connection failure (maybe-processed)' },
      { message: 'attempt', attempt: 3, ms: expect.any(Number), status: 200 },
    ]);
    for (const line of lines.filter(({ message }) => message === 'attempt')) expect(line.ms).toBeLessThan(5_000);
  });

  it("names a failure without a code by its name in the attempt's line", async () => {
    const { call, lines } = caller([{ fail: Object.assign(new Error('x'), { name: 'SocketError' }) }]);

    await call(request('executeOmniFlow'));

    expect(lines[0]).toMatchObject({ message: 'attempt', failure: 'SocketError' });
  });

  it('waits the Retry-After of a 429 rather than its backoff, its first value when it is repeated', async () => {
    const { call, lines } = caller([answer(429, {}, { 'retry-after': ['0', '9'] })], { random: () => 0.5 });

    await call(request('executeOmniFlow'));

    expect(lines[1]).toMatchObject({ message: 'retrying', afterMs: 0, reason: 'status 429' });
  });

  describe('Rule: the trace says what the call did', () => {
    it('counts a fetch of the key, though later attempts take the cached one, and the time in each step', async () => {
      const { call } = caller([{ ...answer(503), waitMs: 30 }, answer(200)]);
      const started = performance.now();

      const { trace } = await call(request('executeOmniFlow'));

      const elapsed = performance.now() - started;
      expect(trace).toMatchObject({ attempts: 2, keyFetched: true, orgId: SETTINGS.orgId, staleKey: undefined });
      expect(trace.retries).toEqual({ notSent: 1, maybeProcessed: 0 });
      expect(trace.ms.http).toBeGreaterThanOrEqual(25);
      expect(trace.ms.http).toBeLessThanOrEqual(elapsed);
      expect(trace.ms.key).toBeGreaterThanOrEqual(0);
      expect(trace.ms.key + trace.ms.sign + trace.ms.http).toBeLessThanOrEqual(elapsed);
    });

    it('times the key read and the signature apart', async () => {
      const { call } = caller([], { waitMs: { key: 20, sign: 30 } });

      const { trace } = await call(request('executeOmniFlow'));

      expect(trace.ms.key).toBeGreaterThanOrEqual(15);
      expect(trace.ms.sign).toBeGreaterThanOrEqual(25);
    });

    it('counts only the retries made: none for the attempt that gave up', async () => {
      const { call } = caller([answer(503), answer(503), answer(503)]);

      const { trace, error } = await call(request('executeOmniFlow'));

      expect(error?.message).toBe('Salesforce answered 503 after 3 attempts');
      expect(trace.retries).toEqual({ notSent: 2, maybeProcessed: 0 });
    });
  });

  describe('Rule: after a 401 the key is read again once; a second 401 is final', () => {
    it('says the token was refused, reading the key twice in all', async () => {
      const { call, loads } = caller([answer(401), answer(401, { errors: ['expired'] })]);

      const { error } = await call(request('executeOmniFlow'));

      expect(error).toMatchObject({ code: 'AUTH' });
      expect(error?.message).toBe(
        'Salesforce refused the token (401): expired. Check that the private key matches the certificate on the call center, SALESFORCE_ORG_ID and CALL_CENTER_API_NAME, and the clock',
      );
      expect(loads()).toBe(2);
    });

    it('does not read it again for a 401 that follows a re-read by less than 30 s, and says so', async () => {
      const { call, loads } = caller([answer(401), answer(200), answer(401)]);
      await call(request('executeOmniFlow'));

      const { error, trace } = await call(request('executeOmniFlow'));

      expect(error?.message).toBe(
        'Salesforce refused the token (401); the key was read again after a 401 less than 30 s ago and is not read again before then. Check that the private key matches the certificate on the call center, SALESFORCE_ORG_ID and CALL_CENTER_API_NAME, and the clock',
      );
      expect(trace.attempts).toBe(1);
      expect(loads()).toBe(2);
    });
  });

  describe('Rule: only a 2xx is a success', () => {
    it.each([
      [299, '{"agent":"a"}', 'AGENT'],
      [200, '  ', 'NONE'],
    ])('%i with %j', async (status, body, routingTarget) => {
      const { call } = caller([{ status, headers: {}, body }]);

      const { attributes } = await call(request('executeOmniFlow'));

      expect(attributes).toMatchObject({ status: 'OK', routingTarget });
    });

    it('takes a 300 as a redirect', async () => {
      const { call } = caller([answer(300)]);

      const { error } = await call(request('executeOmniFlow'));

      expect(error?.message).toBe(
        'Salesforce answered 300, a redirect, which is not followed: check SCRT_ENDPOINT_BASE',
      );
    });

    it('refuses a 2xx whose body is not JSON as BAD_ANSWER, keeping the parse error', async () => {
      const { call } = caller([answer(200, 'not json')]);

      const { error } = await call(request('executeOmniFlow'));

      expect(error).toMatchObject({
        code: 'BAD_ANSWER',
        message: 'Salesforce answered 2xx with a body that is not JSON',
      });
      expect(error?.cause).toBeInstanceOf(SyntaxError);
    });

    it('adds no note about records to a final 5xx of a create', async () => {
      const { call } = caller([answer(500)]);

      const { error } = await call(request('createVoiceCall', { body: {} }));

      expect(error?.message).toBe('Salesforce answered 500 after 1 attempt');
    });
  });

  describe('Rule: a transport failure is retried, or reported for what it was', () => {
    it("throws the client's own error as it is", async () => {
      const own = new BadEventError('from the client');
      const { call } = caller([{ fail: own }]);

      const { error } = await call(request('executeOmniFlow'));

      expect(error).toBe(own);
    });

    it.each<[string, CallRequest['method'], string]>([
      ['a routing call', 'executeOmniFlow', 'Salesforce did not answer before the deadline'],
      [
        'a create',
        'createVoiceCall',
        'Salesforce did not answer before the deadline; Salesforce may have created the VoiceCall: it was not sent again',
      ],
    ])('a timeout of %s is TIMEOUT, keeping the failure', async (_label, method, message) => {
      const timeout = failing('UND_ERR_HEADERS_TIMEOUT');
      const { call } = caller([timeout]);

      const { error } = await call(request(method, { body: {} }));

      expect(error).toMatchObject({ code: 'TIMEOUT', message });
      expect(error?.cause).toBe((timeout as { fail: unknown }).fail);
    });

    it('a connection refused as the deadline passes is TIMEOUT, with no note: nothing was sent', async () => {
      const clock = { now: 0 };
      const { call } = caller([{ ...failing('ECONNREFUSED'), advanceMs: 5_000 }], { clock });

      const { error } = await call(request('createVoiceCall', { body: {} }));

      expect(error).toMatchObject({ code: 'TIMEOUT', message: 'Salesforce did not answer before the deadline' });
    });

    it.each<[string, Step, string]>([
      [
        'an untrusted certificate',
        failing('CERT_HAS_EXPIRED'),
        "Salesforce's TLS certificate was not accepted (CERT_HAS_EXPIRED): check the host in SCRT_ENDPOINT_BASE",
      ],
      [
        'a host that does not resolve',
        failing('ENOTFOUND'),
        'the host in SCRT_ENDPOINT_BASE does not resolve (ENOTFOUND)',
      ],
      [
        'a code that only contains a TLS word',
        failing('E_CERT_X'),
        'could not reach Salesforce (E_CERT_X) after 1 attempt',
      ],
      [
        'a failure with neither code nor name',
        { fail: {} },
        'could not reach Salesforce (unknown error) after 1 attempt',
      ],
    ])('%s is SALESFORCE_UNAVAILABLE, keeping the failure', async (_label, step, message) => {
      const { call } = caller([step]);

      const { error } = await call(request('executeOmniFlow'));

      expect(error).toMatchObject({ code: 'SALESFORCE_UNAVAILABLE', message });
      expect(error?.cause).toBe((step as { fail: unknown }).fail);
    });

    it('says a create may exist after a reset, and counts both attempts', async () => {
      const { call } = caller([failing('ECONNREFUSED'), failing('ECONNRESET')]);

      const { error } = await call(request('createVoiceCall', { body: {} }));

      expect(error?.message).toBe(
        'could not reach Salesforce (ECONNRESET) after 2 attempts; Salesforce may have created the VoiceCall: it was not sent again',
      );
    });

    it.each<[string, Step[], string]>([
      ['a failure of no known kind', [failing('E_UNKNOWN')], 'could not reach Salesforce (E_UNKNOWN) after 1 attempt'],
      [
        'connections refused until no attempt is left',
        [failing('ECONNREFUSED'), failing('ECONNREFUSED'), failing('ECONNREFUSED')],
        'could not reach Salesforce (ECONNREFUSED) after 3 attempts',
      ],
    ])('adds no note about records to %s: Salesforce cannot have read it', async (_label, steps, message) => {
      const { call } = caller(steps);

      const { error } = await call(request('createVoiceCall', { body: {} }));

      expect(error?.message).toBe(message);
    });

    it('reads a transport failure that is not even an object', async () => {
      const { call, lines } = caller([{ fail: undefined }]);

      const { error } = await call(request('executeOmniFlow'));

      expect(error?.message).toBe('could not reach Salesforce (unknown error) after 1 attempt');
      expect(lines[0]).toMatchObject({ message: 'attempt' });
      expect(lines[0]).not.toHaveProperty('failure');
    });
  });

  describe('Rule: no attempt starts with less than 150 ms left', () => {
    it('starts one with exactly 150 ms left', async () => {
      const clock = { now: 0 };
      const { call, sent } = caller([], { clock });

      await call(request('executeOmniFlow'), new Deadline(150, () => clock.now));

      expect(sent).toHaveLength(1);
    });

    it('says "again" when an attempt was made before', async () => {
      const clock = { now: 0 };
      const { call, sent } = caller([answer(503)], { clock, signMs: 1_000 });

      const { error } = await call(request('executeOmniFlow'), new Deadline(2_100, () => clock.now));

      expect(sent).toHaveLength(1);
      expect(error).toMatchObject({
        code: 'TIMEOUT',
        message: 'only 100 ms were left before the deadline: Salesforce was not called again',
      });
    });
  });
});

describe('Function: statusError', () => {
  const error = (status: number, body: unknown = {}, headers: HttpAnswer['headers'] = {}, note?: string) =>
    statusError(answer(status, body, headers) as HttpAnswer, 1, note);

  it('joins the texts Salesforce gave', () => {
    expect(error(400, { errors: ['a', 'b'] }).message).toBe('Salesforce rejected the request (400): a; b');
  });

  it.each([
    [401, 'Salesforce refused the token (401). Check that the private key'],
    [500, 'Salesforce answered 500 after 1 attempt'],
  ])('adds nothing for %i without a note', (status, start) => {
    const { message } = error(status);

    expect(message.startsWith(start)).toBe(true);
    expect(message).not.toContain(';');
  });

  it.each([
    ['mailto:ops@acme.example', 'Salesforce answered 302, a redirect, which is not followed: check SCRT_ENDPOINT_BASE'],
    ['http://[::1', 'Salesforce answered 302, a redirect, which is not followed: check SCRT_ENDPOINT_BASE'],
  ])('names no host for a Location %j without a readable one', (location, message) => {
    expect(error(302, {}, { location }).message).toBe(message);
  });
});

describe('Function: errorTexts', () => {
  it.each<[string, string[]]>([
    ['null', []],
    ['{"errors": [null, "", "kept", {"message": ""}]}', ['kept']],
  ])('reads %s as %j', (body, texts) => {
    expect(errorTexts(body)).toEqual(texts);
  });
});
