import { describe, expect, it } from 'vitest';
import { Deadline } from '../../lambda/src/deadline.ts';
import { parseEvent } from '../../lambda/src/event.ts';
import { OrgCache } from '../../lambda/src/key/cache.ts';
import type { Org, OrgSource } from '../../lambda/src/key/source.ts';
import { callSalesforce, newTrace } from '../../lambda/src/salesforce-call.ts';
import type { HttpAnswer, SalesforceClient } from '../../lambda/src/salesforce-client.ts';
import { TokenStock } from '../../lambda/src/token-stock.ts';
import inboundCall from '../events/inbound-call.json' with { type: 'json' };
import { ACME_ORG } from '../support/acme-org.ts';

const ORG: Org = ACME_ORG;

/** What the in-memory Salesforce does with one request: answer, or fail the transport with an error code. */
type Step = { status: number; body?: unknown; headers?: Record<string, string> } | { fail: string };

interface Sent {
  readonly method: string;
  readonly resource: string;
  readonly body: unknown;
}

/** An in-memory Salesforce client: each request takes the next step; every request is kept. */
function inMemorySalesforce(...steps: Step[]) {
  const sent: Sent[] = [];
  const client = {
    async send(method: string, _base: string, resource: string, body: string | undefined): Promise<HttpAnswer> {
      sent.push({ method, resource, body: body === undefined ? undefined : JSON.parse(body) });
      const step = steps.shift() ?? { status: 200, body: {} };
      if ('fail' in step) throw Object.assign(new Error(step.fail), { code: step.fail });
      return { status: step.status, headers: step.headers ?? {}, body: JSON.stringify(step.body ?? {}) };
    },
  } as unknown as SalesforceClient;
  return { client, sent };
}

function deps(client: SalesforceClient) {
  // A fresh object per read, as a read of the key store gives: a 401 then gets a new key to try.
  const source: OrgSource = { description: 'an org in memory', load: async () => ({ ...ORG }) };
  const orgs = new OrgCache(source, { ttlMs: 60_000, sourceFor: () => source });
  return { orgs, client, tokens: new TokenStock({ mintAhead: false }), random: () => 0 };
}

const event = (methodName: string, extra: Record<string, unknown> = {}) => {
  const copy = structuredClone(inboundCall) as { Details: { Parameters: Record<string, unknown> } };
  Object.assign(copy.Details.Parameters, { methodName, ...extra });
  return copy;
};

function request(methodName: string, extra?: Record<string, unknown>) {
  const invocation = parseEvent(event(methodName, extra), {
    defaultFlowDevName: undefined,
    defaultFallbackQueue: undefined,
  });
  if (invocation.kind !== 'call') throw new Error('expected a call');
  return invocation.request;
}

async function outcome(methodName: string, steps: Step[], extra?: Record<string, unknown>, budgetMs = 5_000) {
  const { client, sent } = inMemorySalesforce(...steps);
  const trace = newTrace();
  try {
    const attributes = await callSalesforce(request(methodName, extra), deps(client), {
      deadline: Deadline.in(budgetMs),
      trace,
    });
    return { attributes, sent, trace, error: undefined };
  } catch (error) {
    return { attributes: undefined, sent, trace, error: error as Error & { code: string } };
  }
}

/** Parameters every method accepts: field values, a routing target and a callback number. */
const UPDATE = { fieldValues: { subject: 'x' }, routingTarget: 'Q1', customerCallbackNumber: '+12065550199' };
const MAY_EXIST = 'Salesforce may have created the VoiceCall: it was not sent again';

describe('Function: callSalesforce', () => {
  describe('Table: the request of each row', () => {
    it.each([
      ['createVoiceCall', 'POST', 'voiceCalls'],
      ['createTransferVC', 'POST', 'voiceCalls'],
      ['updateVoiceCall', 'PATCH', 'voiceCalls/4a573372-1f28-4e26-b97b-0c7f2b3d9e61'],
      ['sendMessage', 'POST', 'voiceCalls/4a573372-1f28-4e26-b97b-0c7f2b3d9e61/messages'],
      ['executeOmniFlow', 'PATCH', 'voiceCalls/4a573372-1f28-4e26-b97b-0c7f2b3d9e61/omniFlow'],
      ['cancelOmniFlowExecution', 'PATCH', 'voiceCalls/4a573372-1f28-4e26-b97b-0c7f2b3d9e61/clearRouting'],
      ['rerouteFlowExecution', 'PATCH', 'voiceCalls/4a573372-1f28-4e26-b97b-0c7f2b3d9e61/reroute'],
      ['routeVoiceCall', 'PATCH', 'voiceCalls/route/4a573372-1f28-4e26-b97b-0c7f2b3d9e61'],
      ['callbackExecution', 'POST', 'voiceCalls/4a573372-1f28-4e26-b97b-0c7f2b3d9e61/requestCallback'],
    ])('%s sends %s %s', async (methodName, method, resource) => {
      const { sent } = await outcome(
        methodName,
        [{ status: 201, body: { voiceCallId: '0LQ1', recordId: '0Ri1' } }],
        UPDATE,
      );

      expect(sent.map((s) => [s.method, s.resource])).toEqual([[method, resource]]);
    });

    it("adds the org's call center to the bodies that carry it, over any the event gave", async () => {
      const create = await outcome('createVoiceCall', [{ status: 201, body: { voiceCallId: '0LQ1' } }]);
      const update = await outcome('updateVoiceCall', [], {
        fieldValues: { subject: 'x', callCenterApiName: 'Other' },
      });
      const route = await outcome('executeOmniFlow', []);

      expect(create.sent[0]!.body).toMatchObject({
        callCenterApiName: 'AcmeCallCenter',
        vendorCallKey: expect.any(String),
      });
      expect(update.sent[0]!.body).toEqual({ subject: 'x', callCenterApiName: 'AcmeCallCenter' });
      expect(route.sent[0]!.body).not.toHaveProperty('callCenterApiName');
    });

    it('answers a create with voiceCallId and status OK', async () => {
      const { attributes } = await outcome('createVoiceCall', [
        { status: 201, body: { voiceCallId: '0LQ5e000000AbCd' } },
      ]);

      expect(attributes).toEqual({ voiceCallId: '0LQ5e000000AbCd', status: 'OK' });
    });

    it('refuses a 2xx create without a voiceCallId as BAD_ANSWER, saying the VoiceCall may exist', async () => {
      const { error, sent } = await outcome('createVoiceCall', [{ status: 200, body: { id: 'x' } }]);

      expect(error).toMatchObject({
        code: 'BAD_ANSWER',
        message: 'Salesforce answered 2xx without a voiceCallId: the VoiceCall may exist, but its id is unknown',
      });
      expect(sent).toHaveLength(1);
    });
  });

  describe('Rule: no request leaves with too little time for its answer', () => {
    it('sends nothing when less than 150 ms are left, even on the first attempt', async () => {
      const { error, sent } = await outcome('executeOmniFlow', [], undefined, 120);

      expect(sent).toEqual([]);
      expect(error).toMatchObject({
        code: 'TIMEOUT',
        message: expect.stringMatching(/^only \d+ ms were left before the deadline: Salesforce was not called$/),
      });
    });

    it('sends the first attempt with 150 ms left or more', async () => {
      const { sent } = await outcome('executeOmniFlow', [], undefined, 400);

      expect(sent).toHaveLength(1);
    });
  });

  describe('Rule: a create is never sent again once Salesforce may have read it', () => {
    it.each([
      [
        'a reset after the request was written',
        { fail: 'ECONNRESET' },
        'SALESFORCE_UNAVAILABLE',
        `could not reach Salesforce (ECONNRESET) after 1 attempt; ${MAY_EXIST}`,
      ],
      [
        'a socket closed under the request',
        { fail: 'UND_ERR_SOCKET' },
        'SALESFORCE_UNAVAILABLE',
        `could not reach Salesforce (UND_ERR_SOCKET) after 1 attempt; ${MAY_EXIST}`,
      ],
      [
        'a 502 from a proxy',
        { status: 502 },
        'SALESFORCE_UNAVAILABLE',
        `Salesforce answered 502 after 1 attempt; ${MAY_EXIST}`,
      ],
      [
        'a 504 from a proxy',
        { status: 504 },
        'SALESFORCE_UNAVAILABLE',
        `Salesforce answered 504 after 1 attempt; ${MAY_EXIST}`,
      ],
      [
        'no answer in time',
        { fail: 'UND_ERR_HEADERS_TIMEOUT' },
        'TIMEOUT',
        `Salesforce did not answer before the deadline; ${MAY_EXIST}`,
      ],
    ] as const)('%s: one request, and a message that the VoiceCall may exist', async (_label, step, code, message) => {
      const { error, sent } = await outcome('createVoiceCall', [
        step as Step,
        { status: 201, body: { voiceCallId: '0LQ2' } },
      ]);

      expect(sent).toHaveLength(1);
      expect(error).toMatchObject({ code, message });
    });

    it.each([
      ['a refused connection', { fail: 'ECONNREFUSED' }],
      ['a 429', { status: 429 }],
      ['a 503', { status: 503 }],
      ['a 401 (the key is read again)', { status: 401 }],
    ] as const)('retries a create after %s, which Salesforce did not act on', async (_label, step) => {
      const { attributes, sent } = await outcome('createVoiceCall', [
        step as Step,
        { status: 201, body: { voiceCallId: '0LQ3' } },
      ]);

      expect(sent).toHaveLength(2);
      expect(attributes?.voiceCallId).toBe('0LQ3');
    });

    it('answers a callback with recordId, and never resends it once Salesforce may have read it', async () => {
      const answered = await outcome(
        'callbackExecution',
        [{ status: 201, body: { recordId: '0Ri5e000000AbCd' } }],
        UPDATE,
      );
      const lost = await outcome('callbackExecution', [{ fail: 'ECONNRESET' }], UPDATE);

      expect(answered.attributes).toEqual({ recordId: '0Ri5e000000AbCd', status: 'OK' });
      expect(answered.sent[0]!.body).toEqual({ callbackNumber: '+12065550199' });
      expect(lost.sent).toHaveLength(1);
      expect(lost.error?.message).toBe(
        'could not reach Salesforce (ECONNRESET) after 1 attempt; Salesforce may have created the ContactRequest: it was not sent again',
      );
    });

    it('resends a route (a PATCH) once after a reset', async () => {
      const { attributes, sent } = await outcome('routeVoiceCall', [{ fail: 'ECONNRESET' }, { status: 200 }], UPDATE);

      expect(sent).toHaveLength(2);
      expect(attributes).toEqual({ status: 'OK' });
    });

    it('never resends a message after a reset either', async () => {
      const { error, sent } = await outcome('sendMessage', [{ fail: 'ECONNRESET' }], UPDATE);

      expect(sent).toHaveLength(1);
      expect(error?.message).toBe(
        'could not reach Salesforce (ECONNRESET) after 1 attempt; Salesforce may have created the message: it was not sent again',
      );
    });

    it('resends an update (a PATCH only repeats) once after a reset, as routing does', async () => {
      const { attributes, sent } = await outcome(
        'updateVoiceCall',
        [{ fail: 'ECONNRESET' }, { status: 200, body: {} }],
        UPDATE,
      );

      expect(sent).toHaveLength(2);
      expect(attributes).toEqual({ status: 'OK' });
    });

    it('gives up on an update after a second reset, with no note about records', async () => {
      const { error, sent } = await outcome(
        'updateVoiceCall',
        [{ fail: 'ECONNRESET' }, { fail: 'ECONNRESET' }],
        UPDATE,
      );

      expect(sent).toHaveLength(2);
      expect(error?.message).toBe('could not reach Salesforce (ECONNRESET) after 2 attempts');
    });
  });
});
