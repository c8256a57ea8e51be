import { createPrivateKey, type KeyObject, randomUUID } from 'node:crypto';
import { request } from 'node:https';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { replies, SalesforceEmulator } from './salesforce.ts';
import { createCallCenterKeys, createTestTls, type TestTls } from './test-ca.ts';

const ORG_ID = '00DKz000001AbCdEAA';
const CALL_CENTER = 'ConnectCallCenter';
const CONTACT_ID = '6c795594-3b1a-4a48-b9d2-2e9f4d5b1a83';
const VOICE_CALLS = '/telephony/v1/voiceCalls';

let tls: TestTls;
let privateKey: KeyObject;
let salesforce: SalesforceEmulator;

beforeAll(async () => {
  tls = await createTestTls();
  const keys = createCallCenterKeys();
  privateKey = createPrivateKey(keys.privateKeyPem);
  salesforce = await SalesforceEmulator.start({
    tls: { key: tls.serverKeyPem, cert: tls.serverCertPem },
    publicKeyPem: keys.publicKeyPem,
    orgId: ORG_ID,
    callCenterApiName: CALL_CENTER,
  });
});
afterAll(async () => {
  await salesforce?.close();
});
beforeEach(() => {
  salesforce.reset();
});

/** A token as the bridge mints it: RS256, the org's claims, 2 minutes, a fresh jti. */
function token(key = privateKey): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuer(ORG_ID)
    .setSubject(CALL_CENTER)
    .setAudience('https://scrt.salesforce.com')
    .setIssuedAt()
    .setExpirationTime('2m')
    .setJti(randomUUID())
    .sign(key);
}

/** A create body as the contract gives it; `undefined` in `overrides` removes a field. */
function createBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    callCenterApiName: CALL_CENTER,
    vendorCallKey: CONTACT_ID,
    to: '+18445791189',
    from: '+12065550199',
    initiationMethod: 'Inbound',
    startTime: new Date().toISOString(),
    callSubtype: 'PSTN',
    callAttributes: '{"Reason":"Billing"}',
    participants: [{ participantKey: '+12065550199', type: 'END_USER' }],
    ...overrides,
  };
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * Sends one request with the bridge's headers (a fresh valid token, JSON, Telephony-Provider-Name); a header set to
 * undefined in `headers` is left out.
 */
async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string | undefined> = {},
): Promise<Answer> {
  const all = {
    authorization: `Bearer ${await token()}`,
    'content-type': 'application/json',
    'telephony-provider-name': 'amazon-connect',
    ...headers,
  };
  const sent = Object.fromEntries(Object.entries(all).filter((entry): entry is [string, string] => !!entry[1]));
  return new Promise((resolve, reject) => {
    const req = request(`${salesforce.endpointBase.replace('/telephony/v1', '')}${path}`, {
      method,
      headers: sent,
      ca: tls.caPem,
      agent: false,
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode!, body: text === '' ? '' : JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('Class: SalesforceEmulator', () => {
  describe('Route: POST voiceCalls (createVoiceCall, createTransferVC)', () => {
    it('answers 201 with a fresh voiceCallId per create, and keeps every VoiceCall created', async () => {
      // Act
      const first = await call('POST', VOICE_CALLS, createBody());
      const second = await call('POST', VOICE_CALLS, createBody());
      const transfer = await call(
        'POST',
        VOICE_CALLS,
        createBody({ initiationMethod: 'Transfer', parentVoiceCallId: CONTACT_ID, vendorCallKey: 'transfer-leg-1' }),
      );

      // Assess
      const ids = [first, second, transfer].map((answer) => (answer.body as { voiceCallId: string }).voiceCallId);
      expect([first.status, second.status, transfer.status]).toEqual([201, 201, 201]);
      for (const id of ids) expect(id).toMatch(/^0LQ[A-Za-z0-9]{15}$/);
      expect(new Set(ids).size).toBe(3);
      expect(salesforce.voiceCalls).toEqual([
        { vendorCallKey: CONTACT_ID, initiationMethod: 'Inbound', voiceCallId: ids[0], answered: true },
        { vendorCallKey: CONTACT_ID, initiationMethod: 'Inbound', voiceCallId: ids[1], answered: true },
        { vendorCallKey: 'transfer-leg-1', initiationMethod: 'Transfer', voiceCallId: ids[2], answered: true },
      ]);
      expect(salesforce.requests.map((r) => [r.operation, r.callId, r.refused])).toEqual([
        ['createVoiceCall', CONTACT_ID, undefined],
        ['createVoiceCall', CONTACT_ID, undefined],
        ['createTransferVC', 'transfer-leg-1', undefined],
      ]);
    });

    it('accepts a WebRTC create without callAttributes', async () => {
      const answer = await call('POST', VOICE_CALLS, createBody({ callSubtype: 'WebRTC', callAttributes: undefined }));

      expect(answer.status).toBe(201);
      expect(salesforce.voiceCalls).toHaveLength(1);
    });

    it.each([
      ['no `to`', { to: undefined }, 'to is required'],
      ['an empty `to`', { to: '' }, 'to is required'],
      ['another call center', { callCenterApiName: 'OtherCallCenter' }, `callCenterApiName must be ${CALL_CENTER}`],
      ['a vendorCallKey that is not a plain id', { vendorCallKey: 'a/b' }, 'vendorCallKey must be a plain id'],
      ['a startTime that is not ISO 8601', { startTime: '23/11/2026 10:00' }, 'startTime must be an ISO 8601'],
      ['no participants', { participants: [] }, 'participants must be a non-empty array'],
      ['callAttributes as an object', { callAttributes: { Reason: 'x' } }, 'callAttributes must be a string holding'],
      ['callAttributes holding an array', { callAttributes: '["x"]' }, 'callAttributes must be a string holding'],
      ['an unknown initiationMethod', { initiationMethod: 'Outbound' }, 'initiationMethod must be Inbound or Transfer'],
      ['an inbound call without callSubtype', { callSubtype: undefined }, 'callSubtype must be PSTN or WebRTC'],
      ['a transfer without parentVoiceCallId', { initiationMethod: 'Transfer' }, 'parentVoiceCallId is required'],
    ])('refuses a create with %s (400), and creates nothing', async (_, overrides, problem) => {
      // Act
      const answer = await call('POST', VOICE_CALLS, createBody(overrides));

      // Assess
      expect(answer.status).toBe(400);
      expect((answer.body as { errors: string[] }).errors[0]).toContain(problem);
      expect(salesforce.requests[0]!.refused).toContain(problem);
      expect(salesforce.voiceCalls).toEqual([]);
    });

    it('refuses a create without Telephony-Provider-Name or with another Content-Type', async () => {
      const noProvider = await call('POST', VOICE_CALLS, createBody(), { 'telephony-provider-name': undefined });
      const text = await call('POST', VOICE_CALLS, createBody(), { 'content-type': 'text/plain' });

      expect([noProvider.status, text.status]).toEqual([400, 400]);
      expect(salesforce.requests.map((r) => r.refused)).toEqual([
        'Telephony-Provider-Name header missing',
        'Content-Type must be application/json',
      ]);
      expect(salesforce.voiceCalls).toEqual([]);
    });

    it('keeps no VoiceCall for a scripted failure, and the scripted id for a scripted success', async () => {
      // Prepare
      salesforce.script(replies.errors(500, 'boom'), replies.status(503), replies.created('0LQKz0000099999AAA'));

      // Act
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await call('POST', VOICE_CALLS, createBody())).status);

      // Assess
      expect(statuses).toEqual([500, 503, 201]);
      expect(salesforce.voiceCalls).toEqual([
        { vendorCallKey: CONTACT_ID, initiationMethod: 'Inbound', voiceCallId: '0LQKz0000099999AAA', answered: true },
      ]);
    });

    it('keeps the VoiceCall of a create whose answer was lost to a reset: Salesforce had processed it', async () => {
      salesforce.script(replies.reset());

      await expect(call('POST', VOICE_CALLS, createBody())).rejects.toThrow();

      expect(salesforce.voiceCalls).toHaveLength(1);
      expect(salesforce.voiceCalls[0]).toMatchObject({ vendorCallKey: CONTACT_ID, answered: false });
      expect(salesforce.voiceCalls[0]!.voiceCallId).toMatch(/^0LQ[A-Za-z0-9]{15}$/);
    });
  });

  describe('Routes: updateVoiceCall and messages (fieldValues plus callCenterApiName)', () => {
    it.each([
      ['PATCH', `${VOICE_CALLS}/${CONTACT_ID}`, 'updateVoiceCall', { endTime: '2026-11-23T10:07:45.000Z' }],
      ['POST', `${VOICE_CALLS}/${CONTACT_ID}/messages`, 'messages', { content: 'hi', senderType: 'END_USER' }],
    ])('%s %s answers 200 {} as %s', async (method, path, operation, fields) => {
      const answer = await call(method, path, { ...fields, callCenterApiName: CALL_CENTER });

      expect(answer).toEqual({ status: 200, body: {} });
      expect(salesforce.requests[0]).toMatchObject({ operation, callId: CONTACT_ID, refused: undefined });
    });

    it.each([
      ['only callCenterApiName', { callCenterApiName: CALL_CENTER }, 'nothing to update'],
      ['no callCenterApiName', { endTime: '2026-11-23T10:07:45.000Z' }, `callCenterApiName must be ${CALL_CENTER}`],
      ['not an object', ['endTime'], 'a JSON body is required'],
    ])('refuses a body with %s (400)', async (_, body, problem) => {
      const update = await call('PATCH', `${VOICE_CALLS}/${CONTACT_ID}`, body);
      const message = await call('POST', `${VOICE_CALLS}/${CONTACT_ID}/messages`, body);

      expect([update.status, message.status]).toEqual([400, 400]);
      expect(salesforce.requests.map((r) => r.refused)).toEqual([
        expect.stringContaining(problem),
        expect.stringContaining(problem),
      ]);
    });
  });

  describe('Routes: route and requestCallback (Unified Routing)', () => {
    it('PATCH voiceCalls/route/{id} answers 200 {} to a routingTarget, and refuses a body without one', async () => {
      const routed = await call('PATCH', `${VOICE_CALLS}/route/${CONTACT_ID}`, { routingTarget: '300Kz000000AbCdEAA' });
      const refused = await call('PATCH', `${VOICE_CALLS}/route/${CONTACT_ID}`, { fallbackQueue: '00G1' });

      expect(routed).toEqual({ status: 200, body: {} });
      expect(refused.status).toBe(400);
      expect(salesforce.requests.map((r) => [r.operation, r.callId, r.refused])).toEqual([
        ['route', CONTACT_ID, undefined],
        ['route', CONTACT_ID, 'routingTarget is required'],
      ]);
    });

    it('POST voiceCalls/{id}/requestCallback answers 201 with a recordId, without Telephony-Provider-Name', async () => {
      const answer = await call(
        'POST',
        `${VOICE_CALLS}/${CONTACT_ID}/requestCallback`,
        { callbackNumber: '+12065550199' },
        { 'telephony-provider-name': undefined },
      );

      expect(answer.status).toBe(201);
      const { recordId } = answer.body as { recordId: string };
      expect(recordId).toMatch(/^0Ri[A-Za-z0-9]{15}$/);
      expect(salesforce.callbackRequests).toEqual([
        { callId: CONTACT_ID, callbackNumber: '+12065550199', recordId, answered: true },
      ]);
    });

    it('refuses requestCallback without a callbackNumber (400), and keeps no request', async () => {
      const answer = await call('POST', `${VOICE_CALLS}/${CONTACT_ID}/requestCallback`, { vendorCallKey: CONTACT_ID });

      expect(answer.status).toBe(400);
      expect(salesforce.requests[0]!.refused).toBe('callbackNumber is required');
      expect(salesforce.callbackRequests).toEqual([]);
    });
  });

  describe('Routes: the routing family', () => {
    it('needs Telephony-Provider-Name on omniFlow but not on clearRouting or reroute', async () => {
      const noProvider = { 'telephony-provider-name': undefined };

      const omniFlow = await call('PATCH', `${VOICE_CALLS}/${CONTACT_ID}/omniFlow`, { dialedNumber: '+1' }, noProvider);
      const clear = await call('PATCH', `${VOICE_CALLS}/${CONTACT_ID}/clearRouting`, undefined, noProvider);
      const reroute = await call('PATCH', `${VOICE_CALLS}/${CONTACT_ID}/reroute`, undefined, noProvider);

      expect([omniFlow.status, clear.status, reroute.status]).toEqual([400, 200, 200]);
      expect(salesforce.requests.map((r) => [r.operation, r.refused])).toEqual([
        ['omniFlow', 'Telephony-Provider-Name header missing'],
        ['clearRouting', undefined],
        ['reroute', undefined],
      ]);
    });

    it('answers omniFlow with the fallback reply, and a new route with its own default', async () => {
      const omniFlow = await call('PATCH', `${VOICE_CALLS}/${CONTACT_ID}/omniFlow`, { dialedNumber: '+18445791189' });
      const update = await call('PATCH', `${VOICE_CALLS}/${CONTACT_ID}`, { callCenterApiName: CALL_CENTER, x: '1' });

      expect(omniFlow.body).toEqual({ agent: expect.stringContaining('/agent/') });
      expect(update.body).toEqual({});
    });
  });

  describe('Method and path', () => {
    it.each([
      ['PATCH', VOICE_CALLS],
      ['GET', `${VOICE_CALLS}/${CONTACT_ID}/omniFlow`],
      ['POST', `${VOICE_CALLS}/${CONTACT_ID}`],
      ['PATCH', `${VOICE_CALLS}/${CONTACT_ID}/messages`],
      ['POST', `${VOICE_CALLS}/route/${CONTACT_ID}`],
      ['PATCH', `${VOICE_CALLS}/${CONTACT_ID}/requestCallback`],
    ])('refuses %s %s with 405 and an errors array', async (method, path) => {
      const answer = await call(method, path, method === 'GET' ? undefined : createBody());

      expect(answer).toEqual({ status: 405, body: { errors: [`method ${method} not allowed`] } });
      expect(salesforce.voiceCalls).toEqual([]);
    });

    it('answers 404 for a path no route has, and for a call id that is not a plain id', async () => {
      const unknown = await call('PATCH', `${VOICE_CALLS}/${CONTACT_ID}/transfer`, {});
      const badId = await call('PATCH', `${VOICE_CALLS}/a%2Fb`, { callCenterApiName: CALL_CENTER, x: '1' });

      expect([unknown.status, badId.status]).toEqual([404, 404]);
      expect(salesforce.requests.map((r) => [r.operation, r.refused])).toEqual([
        [undefined, 'no such resource'],
        [undefined, 'no such resource'],
      ]);
    });
  });

  describe('The token, on every route', () => {
    it('refuses a token signed with another key (401), and creates nothing', async () => {
      const otherKey = createPrivateKey(createCallCenterKeys().privateKeyPem);

      const answer = await call('POST', VOICE_CALLS, createBody(), {
        authorization: `Bearer ${await token(otherKey)}`,
      });

      expect(answer.status).toBe(401);
      expect(salesforce.requests[0]!.refused).toMatch(/^token invalid: /);
      expect(salesforce.voiceCalls).toEqual([]);
    });

    it('refuses a token used before (401)', async () => {
      const used = await token();
      const first = await call(
        'PATCH',
        `${VOICE_CALLS}/route/${CONTACT_ID}`,
        { routingTarget: 'x' },
        {
          authorization: `Bearer ${used}`,
        },
      );
      const again = await call(
        'POST',
        `${VOICE_CALLS}/${CONTACT_ID}/requestCallback`,
        { callbackNumber: '+1' },
        {
          authorization: `Bearer ${used}`,
        },
      );

      expect([first.status, again.status]).toEqual([200, 401]);
      expect(salesforce.requests[1]!.refused).toBe('token jti was used before');
    });

    it('refuses a request without a token (401)', async () => {
      const answer = await call(
        'PATCH',
        `${VOICE_CALLS}/${CONTACT_ID}`,
        { callCenterApiName: CALL_CENTER, x: '1' },
        {
          authorization: undefined,
        },
      );

      expect(answer).toEqual({ status: 401, body: { errors: ['token missing'] } });
    });
  });

  describe('Method: reset', () => {
    it('forgets the VoiceCalls and callback requests created', async () => {
      await call('POST', VOICE_CALLS, createBody());
      await call('POST', `${VOICE_CALLS}/${CONTACT_ID}/requestCallback`, { callbackNumber: '+12065550199' });

      salesforce.reset();

      expect([salesforce.voiceCalls, salesforce.callbackRequests, salesforce.requests]).toEqual([[], [], []]);
    });
  });
});
