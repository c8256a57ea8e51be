import { describe, expect, it } from 'vitest';
import { replies } from '../emulators/salesforce.ts';
import { sampleEvent, useSandbox } from '../support/integration.ts';

const { sandbox, container } = useSandbox();
const QUEUE_ARN =
  'arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555/queue/qqqqqqqq-0000-1111-2222-333333333333';
const NOT_SENT_AGAIN = 'Salesforce may have processed the request: it was not sent again';

describe('Integration: answers that are cut off, unreadable, redirected or echo the token', () => {
  describe('Rule: an answer Salesforce sent after processing the request is never answered by sending it again', () => {
    it('reports a 2xx cut off as BAD_ANSWER, saying Salesforce processed it, after one request', async () => {
      const lambda = await container();
      sandbox().salesforce.script(replies.cut(200));

      const outcome = await lambda.invoke(sampleEvent('inbound-call'));

      expect(outcome.error?.errorType).toBe('BAD_ANSWER');
      expect(outcome.error?.errorMessage).toBe(
        'Salesforce answered 200, but its answer was cut off (UND_ERR_SOCKET): it processed the request, which was not sent again',
      );
      expect(sandbox().salesforce.requests).toHaveLength(1);
    });

    it('creates one VoiceCall when the 201 is cut off', async () => {
      const lambda = await container();
      sandbox().salesforce.script(replies.cut(201));

      const outcome = await lambda.invoke(sampleEvent('create-voice-call'));

      expect(outcome.error?.errorType).toBe('BAD_ANSWER');
      expect(sandbox().salesforce.voiceCalls).toHaveLength(1);
      expect(sandbox().salesforce.requests).toHaveLength(1);
    });

    it('takes a 503 cut off as a 503: retried, then routed', async () => {
      const lambda = await container();
      sandbox().salesforce.script(replies.cut(503));

      const outcome = await lambda.invoke(sampleEvent('inbound-call'));

      expect(outcome.result?.status).toBe('OK');
      expect(sandbox().salesforce.requests).toHaveLength(2);
    });

    it('reports an unsolicited 100 Continue as SALESFORCE_UNAVAILABLE, after one request', async () => {
      const lambda = await container();
      sandbox().salesforce.script(replies.continueThen(replies.agent()));

      const outcome = await lambda.invoke(sampleEvent('inbound-call'));

      expect(outcome.error?.errorType).toBe('SALESFORCE_UNAVAILABLE');
      expect(outcome.error?.errorMessage).toBe(
        `Salesforce's answer was cut off after an unsolicited 100 Continue (UND_ERR_SOCKET); ${NOT_SENT_AGAIN}`,
      );
      expect(sandbox().salesforce.requests).toHaveLength(1);
    });
  });

  describe('Rule: an answer that is not Salesforce telephony API says what came and names SCRT_ENDPOINT_BASE', () => {
    it.each([
      [
        'a garbage status line',
        replies.raw('HELLO THERE\r\n\r\n'),
        `Salesforce's answer is not HTTP/1.1 (Expected HTTP/, RTSP/ or ICE/); ${NOT_SENT_AGAIN}. Check that SCRT_ENDPOINT_BASE names the org's telephony API`,
      ],
      [
        'headers over 16 KiB',
        { status: 200, body: {}, headers: { 'x-padding': 'a'.repeat(20_000) } },
        `Salesforce's answer has headers larger than 16384 bytes (UND_ERR_HEADERS_OVERFLOW); ${NOT_SENT_AGAIN}. Check that SCRT_ENDPOINT_BASE names the org's telephony API`,
      ],
      [
        'a redirect (naming its host, never its query)',
        { status: 302, headers: { location: 'https://login.salesforce.com/?startURL=%2Fx&sid=00Dx!secret' } },
        'Salesforce answered 302, a redirect to login.salesforce.com, which is not followed: check SCRT_ENDPOINT_BASE',
      ],
    ])('%s → SALESFORCE_UNAVAILABLE after one request', async (_label, reply, message) => {
      const lambda = await container();
      sandbox().salesforce.script(reply);

      const outcome = await lambda.invoke(sampleEvent('inbound-call'));

      expect(outcome.error).toMatchObject({ errorType: 'SALESFORCE_UNAVAILABLE', errorMessage: message });
      expect(sandbox().salesforce.requests).toHaveLength(1);
    });
  });

  describe('Rule: a token Salesforce echoes back never reaches errorMessage', () => {
    it.each([['throw'], ['attributes']])('with ON_ERROR=%s', async (onError) => {
      const lambda = await container({ ON_ERROR: onError });
      sandbox().salesforce.script(replies.echoAuthorization(400));

      const outcome = await lambda.invoke(sampleEvent('inbound-call'));

      const message =
        'Salesforce rejected the request (400): Invalid token: Bearer [redacted]; Token [redacted] was refused';
      expect(outcome.error?.errorMessage ?? outcome.result?.errorMessage).toBe(message);
      const [token] = sandbox().salesforce.tokens;
      expect(token).toMatch(/^eyJ/);
      expect(JSON.stringify(outcome)).not.toContain(token!.split('.')[2]);
    });
  });

  it('routes to the queue when the agent names nobody ({}), with agent ""', async () => {
    const lambda = await container();
    sandbox().salesforce.script({ status: 200, body: { agent: {}, queue: QUEUE_ARN } });

    const outcome = await lambda.invoke(sampleEvent('inbound-call'));

    expect(outcome.result).toMatchObject({ routingTarget: 'QUEUE', agent: '', queue: QUEUE_ARN });
  });

  it('reports a 403 as AUTH without reading the key again: a 403 is about permissions, not a rotated key', async () => {
    const lambda = await container();
    sandbox().aws.resetCounts();
    sandbox().salesforce.script(replies.errors(403, 'Insufficient access'));

    const outcome = await lambda.invoke(sampleEvent('inbound-call'));

    expect(outcome.error?.errorType).toBe('AUTH');
    expect(outcome.error?.errorMessage).toContain('Salesforce refused the token (403): Insufficient access');
    expect(sandbox().aws.counts.getParameter).toBe(0);
    expect(sandbox().salesforce.requests).toHaveLength(1);
  });
});
