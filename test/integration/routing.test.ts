import { describe, expect, it, onTestFinished } from 'vitest';
import { replies } from '../emulators/salesforce.ts';
import { CALL_CENTER_API_NAME, KEY_SECRET, ORG_ID } from '../support/sandbox.ts';
import { sampleEvent, useSandbox } from '../support/integration.ts';

const INSTANCE = 'arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555';
const { sandbox, container } = useSandbox();

describe('Integration: the built bundle routes calls through the emulated Salesforce', () => {
  it('routes an inbound call to an agent, sending the documented request', async () => {
    // Prepare
    const lambda = await container();
    sandbox().salesforce.script(replies.agent(`${INSTANCE}/agent/agent-1`));

    // Act
    const outcome = await lambda.invoke(sampleEvent('inbound-call'));

    // Assess
    expect(outcome.result).toEqual({
      status: 'OK',
      routingTarget: 'AGENT',
      agent: `${INSTANCE}/agent/agent-1`,
      queue: '',
      agentId: 'agent-1',
    });
    const [request] = sandbox().salesforce.requests;
    expect(request).toMatchObject({
      method: 'PATCH',
      path: '/telephony/v1/voiceCalls/4a573372-1f28-4e26-b97b-0c7f2b3d9e61/omniFlow',
      body: { dialedNumber: '+18445791189' },
      refused: undefined,
    });
    expect(request!.headers).toMatchObject({
      'content-type': 'application/json',
      accept: 'application/json',
      'telephony-provider-name': 'amazon-connect',
    });
    expect(request!.claims).toMatchObject({
      iss: ORG_ID,
      sub: CALL_CENTER_API_NAME,
      aud: 'https://scrt.salesforce.com',
    });
  });

  it('routes to a queue, and to nowhere', async () => {
    const lambda = await container();
    sandbox().salesforce.script(replies.queue(`${INSTANCE}/queue/q-9`), replies.none());

    const queued = await lambda.invoke(sampleEvent('inbound-call'));
    const nowhere = await lambda.invoke(sampleEvent('inbound-call'));

    expect(queued.result).toEqual({
      status: 'OK',
      routingTarget: 'QUEUE',
      agent: '',
      queue: `${INSTANCE}/queue/q-9`,
      queueId: 'q-9',
    });
    expect(nowhere.result).toEqual({ status: 'OK', routingTarget: 'NONE', agent: '', queue: '' });
  });

  it('flattens nested answers into string attributes', async () => {
    const lambda = await container();
    sandbox().salesforce.script(replies.nested());

    const { result } = await lambda.invoke(sampleEvent('inbound-call'));

    expect(result).toMatchObject({
      routingTarget: 'AGENT',
      agent_externalId: 'agent-7',
      agent_skills_0: 'billing',
      agent_skills_1: 'spanish',
      queue: '{"externalId":"q-1"}',
      queue_externalId: 'q-1',
    });
    expect(Object.values(result!).every((value) => typeof value === 'string')).toBe(true);
  });

  it('sends the flow, fallback queue and flow inputs given by the flow', async () => {
    const lambda = await container({ TELEPHONY_PROVIDER_NAME: 'acme-telephony' });

    await lambda.invoke(sampleEvent('inbound-call-with-flow-inputs'));

    const [request] = sandbox().salesforce.requests;
    expect(request!.callId).toBe('7f1c2b9e-5d4a-4c3b-9a8e-2f6d1e0c7b5a');
    expect(request!.body).toEqual({
      dialedNumber: '+18445791189',
      flowDevName: 'Route_VoiceCall',
      fallbackQueue: '00G111222333444',
      flowInputParameters: { Language: 'es', Segment: 'gold' },
    });
    expect(request!.headers['telephony-provider-name']).toBe('acme-telephony');
  });

  it('uses an explicit dialed number, and the DEFAULT_ settings when the flow sets none', async () => {
    const lambda = await container({
      DEFAULT_FLOW_DEV_NAME: 'Route_Default',
      DEFAULT_FALLBACK_QUEUE: '00G000000000001',
    });

    await lambda.invoke(sampleEvent('explicit-dialed-number'));

    expect(sandbox().salesforce.requests[0]!.body).toEqual({
      dialedNumber: '+18005550100',
      flowDevName: 'Route_Default',
      fallbackQueue: '00G000000000001',
    });
  });

  it("accepts the shape Salesforce's other Lambdas send (no ContactData)", async () => {
    const lambda = await container();

    const outcome = await lambda.invoke(sampleEvent('from-another-lambda'));

    expect(outcome.result?.status).toBe('OK');
    expect(sandbox().salesforce.requests[0]).toMatchObject({
      callId: 'b1c2d3e4-0000-4000-8000-123456789abc',
      body: { dialedNumber: '+18445791189' },
    });
  });

  it('routes a flow-based transfer by its own ContactId, without the dialed number', async () => {
    const lambda = await container();

    const { result } = await lambda.invoke(sampleEvent('transfer'));

    expect(result?.routingTarget).toBe('AGENT');
    expect(sandbox().salesforce.requests[0]).toMatchObject({
      callId: 'c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f',
      body: { flowDevName: 'Route_Transfer' },
      refused: undefined,
    });
    expect(sandbox().salesforce.requests[0]!.body).not.toHaveProperty('dialedNumber');
  });

  it('answers a keep-warm ping at once, touching neither SSM nor Salesforce after init', async () => {
    const lambda = await container({ PRIVATE_KEY_PARAM_NAME: '/does/not/exist' });
    sandbox().aws.resetCounts();
    sandbox().salesforce.reset();

    const outcome = await lambda.invoke(sampleEvent('keep-warm'));

    expect(outcome.result).toEqual({ status: 'WARM' });
    expect(sandbox().aws.counts.getParameter).toBe(0);
    expect(sandbox().salesforce.requests).toHaveLength(0);
  });

  describe('warm containers', () => {
    it('reads the key once and keeps one TLS connection across invocations', async () => {
      const lambda = await container();

      const outcomes = [];
      for (let i = 0; i < 5; i++) outcomes.push(await lambda.invoke(sampleEvent('inbound-call')));

      expect(outcomes.map((o) => o.result?.status)).toEqual(['OK', 'OK', 'OK', 'OK', 'OK']);
      expect(sandbox().aws.counts.getParameter).toBe(1);
      expect(sandbox().salesforce.tlsConnections).toBe(1);
      const jtis = sandbox().salesforce.requests.map((r) => r.claims?.jti);
      expect(new Set(jtis).size).toBe(5);
    });

    it('fetches the key again once the cache TTL has passed', async () => {
      const lambda = await container({ KEY_CACHE_TTL_SECONDS: '0' });

      await lambda.invoke(sampleEvent('inbound-call'));
      await lambda.invoke(sampleEvent('inbound-call'));

      expect(sandbox().aws.counts.getParameter).toBe(3);
    });

    it('reconnects by itself when the server dropped the idle connection', async () => {
      const lambda = await container();
      await lambda.invoke(sampleEvent('inbound-call'));
      sandbox().salesforce.dropConnections();
      await new Promise((resolve) => setTimeout(resolve, 50));

      const outcome = await lambda.invoke(sampleEvent('inbound-call'));

      expect(outcome.result?.status).toBe('OK');
      expect(sandbox().salesforce.tlsConnections).toBe(2);
    });
  });

  describe('key sources and formats', () => {
    it('reads the key from a Secrets Manager secret holding JSON', async () => {
      const lambda = await container({ PRIVATE_KEY_PARAM_NAME: undefined, PRIVATE_KEY_SECRET_ID: KEY_SECRET });

      const outcome = await lambda.invoke(sampleEvent('inbound-call'));

      expect(outcome.result?.status).toBe('OK');
      expect(sandbox().aws.counts).toMatchObject({ getSecretValue: 1, getParameter: 0 });
    });

    it('reads a secret given by ARN and holding a bare PEM', async () => {
      sandbox().aws.secrets.set('sfkey-bare', sandbox().keys.privateKeyPkcs1Pem);
      const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sfkey-bare-AbCdEf';
      const lambda = await container({ PRIVATE_KEY_PARAM_NAME: undefined, PRIVATE_KEY_SECRET_ID: arn });

      expect((await lambda.invoke(sampleEvent('inbound-call'))).result?.status).toBe('OK');
    });

    it.each([
      ['PKCS#1', () => sandbox().keys.privateKeyPkcs1Pem],
      ['PKCS#8 with newlines stored as \\n', () => sandbox().keys.privateKeyPem.replace(/\n/g, '\\n')],
    ])('signs with a %s key from an SSM parameter given by ARN', async (_label, stored) => {
      onTestFinished(() => void sandbox().aws.parameters.delete('/connect/other-format'));
      sandbox().aws.parameters.set('/connect/other-format', stored());
      const arn = 'arn:aws:ssm:us-east-1:123456789012:parameter/connect/other-format';
      const lambda = await container({ PRIVATE_KEY_PARAM_NAME: arn });

      const outcome = await lambda.invoke(sampleEvent('inbound-call'));

      expect(outcome.result?.status).toBe('OK');
      expect(sandbox().salesforce.requests[0]!.refused).toBeUndefined();
    });
  });

  it('writes one structured log line per invocation with the routing and timings', async () => {
    const lambda = await container();

    await lambda.invoke(sampleEvent('inbound-call'));

    const lines = lambda.logs().filter((line) => line.message === 'routed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      contactId: '4a573372-1f28-4e26-b97b-0c7f2b3d9e61',
      routingTarget: 'AGENT',
      attempts: 1,
      ms: { key: expect.any(Number), sign: expect.any(Number), http: expect.any(Number), total: expect.any(Number) },
    });
    expect(lines[0]!.requestId).toEqual(expect.any(String));
  });
});
