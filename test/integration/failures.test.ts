import { describe, expect, it, onTestFinished } from 'vitest';
import { createCallCenterKeys } from '../emulators/test-ca.ts';
import { replies } from '../emulators/salesforce.ts';
import { KEY_PARAMETER, ORG_B_SECRET } from '../support/sandbox.ts';
import { sampleEvent, useSandbox } from '../support/integration.ts';

const { sandbox, container } = useSandbox();
const call = (parameters: Record<string, string> = {}) => {
  const event = sampleEvent('inbound-call') as { Details: { Parameters: Record<string, string> } };
  Object.assign(event.Details.Parameters, parameters);
  return event;
};

describe('Integration: failures end in a clear category, inside the deadline', () => {
  describe('Salesforce answers', () => {
    it('reports an errors array as SALESFORCE_REJECTED with its texts, without retrying', async () => {
      const lambda = await container();
      sandbox().salesforce.script(replies.errors(400, 'Invalid flowDevName: Route_Nope', 'Check the dialed number'));

      const outcome = await lambda.invoke(call());

      expect(outcome.error).toEqual({
        errorType: 'SALESFORCE_REJECTED',
        errorMessage: 'Salesforce rejected the request (400): Invalid flowDevName: Route_Nope; Check the dialed number',
        stack:
          'SALESFORCE_REJECTED: Salesforce rejected the request (400): Invalid flowDevName: Route_Nope; Check the dialed number',
      });
      expect(sandbox().salesforce.requests).toHaveLength(1);
    });

    it('returns status=ERROR attributes instead of throwing when ON_ERROR=attributes', async () => {
      const lambda = await container({ ON_ERROR: 'attributes' });
      sandbox().salesforce.script(replies.errors(404, 'VoiceCall not found'));

      const outcome = await lambda.invoke(call());

      expect(outcome.result).toEqual({
        status: 'ERROR',
        routingTarget: 'NONE',
        agent: '',
        queue: '',
        errorType: 'SALESFORCE_REJECTED',
        errorMessage: 'Salesforce rejected the request (404): VoiceCall not found',
      });
    });

    it('refreshes the key after a 401 and retries once with a new token', async () => {
      const lambda = await container();
      sandbox().aws.resetCounts();
      sandbox().salesforce.script(replies.errors(401, 'INVALID_SESSION_ID'));

      const outcome = await lambda.invoke(call());

      expect(outcome.result?.status).toBe('OK');
      expect(sandbox().aws.counts.getParameter).toBe(1);
      const [first, second] = sandbox().salesforce.requests;
      expect(second!.claims!.jti).not.toBe(first!.claims!.jti);
    });

    it('picks up a rotated key pair without a redeploy', async () => {
      // Prepare: a warm container holding the old key, then an admin rotates the pair
      const lambda = await container();
      await lambda.invoke(call());
      const rotated = createCallCenterKeys();
      onTestFinished(() => {
        sandbox().salesforce.rotatePublicKey(sandbox().keys.publicKeyPem);
        sandbox().aws.parameters.set(KEY_PARAMETER, sandbox().keys.privateKeyPem);
      });
      sandbox().salesforce.rotatePublicKey(rotated.publicKeyPem);
      sandbox().aws.parameters.set(KEY_PARAMETER, rotated.privateKeyPem);

      // Act
      const outcome = await lambda.invoke(call());

      // Assess
      expect(outcome.result?.status).toBe('OK');
      const refusals = sandbox().salesforce.requests.map((r) => r.refused);
      expect(refusals[1]).toContain('token invalid');
      expect(refusals[2]).toBeUndefined();
    });

    it('reports AUTH when the key does not match the call center, after one refresh', async () => {
      sandbox().aws.parameters.set('/connect/wrong-key', createCallCenterKeys().privateKeyPem);
      const lambda = await container({ PRIVATE_KEY_PARAM_NAME: '/connect/wrong-key' });

      const outcome = await lambda.invoke(call());

      expect(outcome.error?.errorType).toBe('AUTH');
      expect(outcome.error?.errorMessage).toContain('Salesforce refused the token (401)');
      expect(outcome.error?.errorMessage).toContain('private key matches the certificate on the call center');
      expect(sandbox().salesforce.requests).toHaveLength(2);
    });

    it('honours Retry-After on 429 and then succeeds', async () => {
      const lambda = await container();
      sandbox().salesforce.script(replies.retryAfter(1));

      const outcome = await lambda.invoke(call());

      expect(outcome.result?.status).toBe('OK');
      expect(outcome.durationMs).toBeGreaterThanOrEqual(1000);
      expect(lambda.logs().find((l) => l.message === 'routed')).toMatchObject({ attempts: 2 });
    });

    it('gives up at once when Retry-After is beyond the deadline', async () => {
      const lambda = await container();
      sandbox().salesforce.script(replies.retryAfter(30));

      const outcome = await lambda.invoke(call(), { timeoutMs: 3000 });

      expect(outcome.error?.errorType).toBe('SALESFORCE_UNAVAILABLE');
      expect(outcome.error?.errorMessage).toBe('Salesforce answered 429 after 1 attempt: Too many requests');
      expect(outcome.durationMs).toBeLessThan(1000);
    });

    it.each([502, 503, 504])('retries %i with backoff and then succeeds', async (status) => {
      const lambda = await container();
      sandbox().salesforce.script(replies.status(status));

      const outcome = await lambda.invoke(call());

      expect(outcome.result?.status).toBe('OK');
      expect(sandbox().salesforce.requests).toHaveLength(2);
    });

    it('retries a 503 whose error page is larger than an answer may be, as a 503, and then succeeds', async () => {
      const lambda = await container();
      sandbox().salesforce.script({ status: 503, body: `<html>${'x'.repeat(300 * 1024)}</html>` });

      const outcome = await lambda.invoke(call());

      expect(outcome.result?.status).toBe('OK');
      expect(sandbox().salesforce.requests).toHaveLength(2);
    });

    it('reports SALESFORCE_UNAVAILABLE after three 503s', async () => {
      const lambda = await container();
      sandbox().salesforce.script(replies.status(503), replies.status(503), replies.status(503), replies.agent());

      const outcome = await lambda.invoke(call());

      expect(outcome.error).toMatchObject({
        errorType: 'SALESFORCE_UNAVAILABLE',
        errorMessage: 'Salesforce answered 503 after 3 attempts: HTTP 503',
      });
      expect(sandbox().salesforce.requests).toHaveLength(3);
    });

    it('does not retry a 500', async () => {
      const lambda = await container();
      sandbox().salesforce.script(replies.errors(500, 'Flow failed'));

      const outcome = await lambda.invoke(call());

      expect(outcome.error?.errorType).toBe('SALESFORCE_UNAVAILABLE');
      expect(sandbox().salesforce.requests).toHaveLength(1);
    });

    it('retries a connection reset and then succeeds', async () => {
      const lambda = await container();
      sandbox().salesforce.script(replies.reset());

      const outcome = await lambda.invoke(call());

      expect(outcome.result?.status).toBe('OK');
      expect(sandbox().salesforce.requests).toHaveLength(2);
    });

    it('reports BAD_ANSWER for a 2xx body that is not JSON', async () => {
      const lambda = await container();
      sandbox().salesforce.script(replies.malformed());

      const outcome = await lambda.invoke(call());

      expect(outcome.error).toMatchObject({
        errorType: 'BAD_ANSWER',
        errorMessage: 'Salesforce answered 2xx with a body that is not JSON',
      });
    });

    it('refuses an answer too large to be one, as BAD_ANSWER', async () => {
      const lambda = await container();
      sandbox().salesforce.script({ status: 200, body: { agent: 'x'.repeat(300 * 1024) } });

      const outcome = await lambda.invoke(call());

      expect(outcome.error).toMatchObject({
        errorType: 'BAD_ANSWER',
        errorMessage: "Salesforce's answer is larger than 262144 bytes",
      });
    });

    it('ends a stalled Salesforce in TIMEOUT before the Lambda deadline', async () => {
      const lambda = await container();
      sandbox().salesforce.script(replies.stall());

      const outcome = await lambda.invoke(call(), { timeoutMs: 2000 });

      expect(outcome.timedOut).toBeUndefined();
      expect(outcome.error).toMatchObject({
        errorType: 'TIMEOUT',
        errorMessage: 'Salesforce did not answer before the deadline',
      });
      // Settled before the container's own 2 s Lambda timeout fired (timedOut), after using its budget.
      expect(outcome.durationMs).toBeGreaterThan(1500);
    });

    it('keeps every backoff inside the deadline', async () => {
      const lambda = await container();
      sandbox().salesforce.script(replies.status(503), replies.stall());

      const outcome = await lambda.invoke(call(), { timeoutMs: 1500 });

      expect(outcome.timedOut).toBeUndefined();
      expect(outcome.error?.errorType).toBe('TIMEOUT');
    });
  });

  describe('the key', () => {
    it('reports KEY, naming the parameter, when it does not exist', async () => {
      const lambda = await container({ PRIVATE_KEY_PARAM_NAME: '/connect/missing' });

      const outcome = await lambda.invoke(call());

      expect(outcome.error).toMatchObject({
        errorType: 'KEY',
        errorMessage: 'SSM parameter /connect/missing (PRIVATE_KEY_PARAM_NAME) was not found',
      });
      expect(sandbox().salesforce.requests).toHaveLength(0);
    });

    it('reports KEY without echoing a stored value that is not a key', async () => {
      sandbox().aws.parameters.set('/connect/not-a-key', 'hunter2-not-a-key');
      const lambda = await container({ PRIVATE_KEY_PARAM_NAME: '/connect/not-a-key' });

      const outcome = await lambda.invoke(call());

      expect(outcome.error?.errorType).toBe('KEY');
      expect(outcome.error?.errorMessage).toContain('does not hold a PEM private key');
      expect(JSON.stringify(outcome)).not.toContain('hunter2');
      expect(lambda.stdout.join('\n')).not.toContain('hunter2');
    });

    it('retries a throttled key read and routes the call', async () => {
      const lambda = await container();
      sandbox().aws.fail('ThrottlingException', 'ThrottlingException');

      const outcome = await lambda.invoke(call({ secretName: ORG_B_SECRET }));

      expect(outcome.result?.status).toBe('OK');
      expect(sandbox().aws.secretReads.get(ORG_B_SECRET)).toBe(3);
    });

    it('does not keep a failed fetch: the next invocation reads the key again', async () => {
      onTestFinished(() => void sandbox().aws.parameters.delete('/connect/late'));
      const lambda = await container({ PRIVATE_KEY_PARAM_NAME: '/connect/late' });
      const first = await lambda.invoke(call());
      sandbox().aws.parameters.set('/connect/late', sandbox().keys.privateKeyPem);

      const second = await lambda.invoke(call());

      expect(first.error?.errorType).toBe('KEY');
      expect(second.result?.status).toBe('OK');
    });

    it('reports KEY when the function may not read the secret', async () => {
      const lambda = await container();
      sandbox().aws.fail('AccessDeniedException');

      const outcome = await lambda.invoke(call({ secretName: ORG_B_SECRET }));

      expect(outcome.error?.errorMessage).toBe(
        `the function is not allowed to read Secrets Manager secret ${ORG_B_SECRET} (secretName in the event) (AccessDeniedException)`,
      );
    });
  });

  describe('the init-phase warm-up', () => {
    it('does not break the container when the key read fails during init: the first call reads it itself', async () => {
      sandbox().aws.fail('AccessDeniedException');
      const lambda = await container();

      const outcome = await lambda.invoke(call());

      expect(outcome.result?.status).toBe('OK');
      expect(sandbox().aws.counts.getParameter).toBe(2);
      expect(lambda.logs()[0]).toMatchObject({ message: 'container ready', connection: 'open' });
      expect(String(lambda.logs()[0]!.key)).toContain('AccessDeniedException');
    });

    it('survives a reset of the idle connection opened during init, and connects by itself', async () => {
      const lambda = await container();
      await new Promise((resolve) => setTimeout(resolve, 20));
      sandbox().salesforce.dropConnections({ reset: true });
      await new Promise((resolve) => setTimeout(resolve, 50));

      const outcome = await lambda.invoke(call(), { timeoutMs: 3000 });

      expect(outcome.result?.status).toBe('OK');
      expect(sandbox().salesforce.tlsConnections).toBe(2);
      expect(lambda.stderr.join('\n')).not.toContain('ECONNRESET');
    });

    it('connects by itself when the connection opened during init was dropped before the first call', async () => {
      const lambda = await container();
      sandbox().salesforce.dropConnections();
      await new Promise((resolve) => setTimeout(resolve, 50));

      const outcome = await lambda.invoke(call());

      expect(outcome.result?.status).toBe('OK');
      expect(sandbox().salesforce.tlsConnections).toBe(2);
    });
  });

  describe('settings and events', () => {
    it('fails every invocation with CONFIG naming the variable, without crashing the container', async () => {
      const lambda = await container({ SALESFORCE_ORG_ID: undefined });

      const outcomes = [await lambda.invoke(call()), await lambda.invoke(call())];

      const message = 'SALESFORCE_ORG_ID is not set (or set SECRET_NAME to the contact-centre secret)';
      for (const outcome of outcomes) {
        expect(outcome.error).toEqual({
          errorType: 'CONFIG',
          errorMessage: message,
          stack: `CONFIG: ${message}`,
        });
      }
      expect(lambda.logs()[0]).toMatchObject({
        level: 'ERROR',
        errorType: 'CONFIG',
        errorMessage: message,
      });
      expect(sandbox().aws.counts.getParameter).toBe(0);
    });

    it('reports CONFIG as attributes when ON_ERROR=attributes', async () => {
      const lambda = await container({
        SCRT_ENDPOINT_BASE: 'http://insecure.example/telephony/v1',
        ON_ERROR: 'attributes',
      });

      const outcome = await lambda.invoke(call());

      expect(outcome.result).toMatchObject({
        status: 'ERROR',
        errorType: 'CONFIG',
        errorMessage: 'SCRT_ENDPOINT_BASE must use https',
      });
    });

    it('refuses a contact id that could address another resource, sending nothing', async () => {
      const lambda = await container();
      const event = call();
      (event.Details as { Parameters: Record<string, string> }).Parameters.contactId =
        '../../services/data/v60.0/query';

      const outcome = await lambda.invoke(event);

      expect(outcome.error).toMatchObject({
        errorType: 'BAD_EVENT',
        errorMessage: 'Details.Parameters.contactId is not a plain id (letters, digits and dashes only)',
      });
      expect(sandbox().salesforce.requests).toHaveLength(0);
    });

    it("refuses another function's methodName clearly, naming those it serves", async () => {
      const lambda = await container();
      const event = call();
      (event.Details as { Parameters: Record<string, string> }).Parameters.methodName = 'getVoicemailGreeting';

      const outcome = await lambda.invoke(event);

      expect(outcome.error?.errorType).toBe('BAD_EVENT');
      expect(outcome.error?.errorMessage).toBe(
        'Details.Parameters.methodName "getVoicemailGreeting" is not a method this function serves: executeOmniFlow, cancelOmniFlowExecution, rerouteFlowExecution, createVoiceCall, createTransferVC, updateVoiceCall, sendMessage, routeVoiceCall, callbackExecution, updateCache',
      );
      expect(sandbox().salesforce.requests).toHaveLength(0);
    });
  });

  describe('TLS', () => {
    it('refuses a Salesforce whose certificate it does not trust (no NODE_EXTRA_CA_CERTS)', async () => {
      const lambda = await container({ NODE_EXTRA_CA_CERTS: undefined });

      const outcome = await lambda.invoke(call());

      expect(outcome.error?.errorType).toBe('SALESFORCE_UNAVAILABLE');
      expect(outcome.error?.errorMessage).toBe(
        "Salesforce's TLS certificate was not accepted (UNABLE_TO_VERIFY_LEAF_SIGNATURE): check the host in SCRT_ENDPOINT_BASE",
      );
      expect(sandbox().salesforce.requests).toHaveLength(0);
    });
  });

  it('logs every attempt and the reason for each retry at DEBUG, and only the summary at INFO', async () => {
    const debug = await container({ LOG_LEVEL: 'DEBUG' });
    const info = await container();
    sandbox().salesforce.script(replies.status(503), replies.errors(401, 'expired'), replies.agent(), replies.agent());

    await debug.invoke(call());
    await info.invoke(call());

    const steps = debug.logs().filter((line) => line.message === 'attempt' || line.message === 'retrying');
    expect(steps.map((line) => [line.message, line.status ?? line.reason])).toEqual([
      ['attempt', 503],
      ['retrying', 'status 503'],
      ['attempt', 401],
      ['retrying', '401: reading the key again'],
      ['attempt', 200],
    ]);
    expect(steps.every((line) => line.requestId === steps[0]!.requestId)).toBe(true);
    expect(info.logs().map((line) => line.message)).toEqual(['container ready', 'routed']);
  });

  it('logs a failure with its category and never the token, the key or the caller', async () => {
    const lambda = await container({ LOG_LEVEL: 'DEBUG' });
    sandbox().salesforce.script(replies.errors(401, 'bad'), replies.errors(401, 'bad'));

    await lambda.invoke(call());

    const failure = lambda.logs().find((line) => line.message === 'not routed');
    expect(failure).toMatchObject({
      level: 'ERROR',
      errorType: 'AUTH',
      attempts: 2,
      contactId: '4a573372-1f28-4e26-b97b-0c7f2b3d9e61',
    });
  });
});
