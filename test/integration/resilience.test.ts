import { describe, expect, it, onTestFinished } from 'vitest';
import { replies } from '../emulators/salesforce.ts';
import { createCallCenterKeys } from '../emulators/test-ca.ts';
import { sampleEvent, useSandbox } from '../support/integration.ts';
import { KEY_PARAMETER, ORG_B_SECRET } from '../support/sandbox.ts';

const { sandbox, container } = useSandbox();
const call = (parameters: Record<string, unknown> = {}) => {
  const event = sampleEvent('inbound-call') as { Details: { Parameters: Record<string, unknown> } };
  Object.assign(event.Details.Parameters, parameters);
  return event;
};
const orgB = () => call({ secretName: ORG_B_SECRET });

/** Heals the AWS endpoint and restores the call center's key pair when the test ends, passed or failed. */
function restoreAfterwards() {
  onTestFinished(() => {
    const { aws, salesforce, keys } = sandbox();
    aws.heal();
    aws.parameters.set(KEY_PARAMETER, keys.privateKeyPem);
    salesforce.rotatePublicKey(keys.publicKeyPem);
  });
}

describe('Integration: nothing lost when AWS or Salesforce misbehave', () => {
  describe('key-store requests time out per attempt', () => {
    it('routes the first invocation when the first GetParameter never answers', async () => {
      restoreAfterwards();
      sandbox().aws.fail('stall');

      const lambda = await container();
      const outcome = await lambda.invoke(call());

      expect(outcome.result?.routingTarget).toBe('AGENT');
      expect(sandbox().aws.counts.getParameter).toBe(2);
    });

    it('routes a call whose per-call secret read stalls once, inside the invocation', async () => {
      restoreAfterwards();
      const lambda = await container();
      sandbox().aws.fail('stall');

      const outcome = await lambda.invoke(orgB());

      expect(outcome.result?.routingTarget).toBe('AGENT');
      expect(sandbox().aws.secretReads.get(ORG_B_SECRET)).toBe(2);
    });
  });

  describe('a cached key outlives a key-store outage', () => {
    it('keeps routing past the TTL while SSM fails, retrying it with backoff and warning', async () => {
      // Prepare: a warm container whose 1 s TTL ends inside an SSM outage
      restoreAfterwards();
      const lambda = await container({ KEY_CACHE_TTL_SECONDS: '1' });
      await lambda.invoke(call());
      sandbox().aws.outage(60_000);
      sandbox().aws.resetCounts();
      await new Promise((resolve) => setTimeout(resolve, 1_100));

      // Act
      const outcomes = [];
      for (let i = 0; i < 5; i++) outcomes.push(await lambda.invoke(call()));

      // Assess
      expect(outcomes.map((o) => o.result?.routingTarget)).toEqual(Array(5).fill('AGENT'));
      expect(sandbox().aws.counts.getParameter).toBeLessThanOrEqual(2);
      const stale = lambda
        .logs()
        .filter((l) => l.level === 'WARN' && l.message === 'routed with a key past its cache TTL');
      expect(stale).toHaveLength(5);
      expect(stale[0]!.staleKey).toMatch(/InternalServerError|still under way/);
    });

    it('takes the key again as soon as the store is back', async () => {
      restoreAfterwards();
      const lambda = await container({ KEY_CACHE_TTL_SECONDS: '1' });
      await lambda.invoke(call());
      sandbox().aws.fail('InternalServerError');
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await lambda.invoke(call());
      await new Promise((resolve) => setTimeout(resolve, 1_100));

      const outcome = await lambda.invoke(call());

      expect(outcome.result?.routingTarget).toBe('AGENT');
      expect(lambda.logs().at(-1)).toMatchObject({ level: 'INFO', message: 'routed' });
    });
  });

  describe('401s are coalesced and rate-limited', () => {
    it('reads the key once for a permanent 401, however many calls it refuses, and says why', async () => {
      restoreAfterwards();
      const lambda = await container();
      sandbox().salesforce.rotatePublicKey(createCallCenterKeys().publicKeyPem);
      sandbox().aws.resetCounts();

      const outcomes = [];
      for (let i = 0; i < 10; i++) outcomes.push(await lambda.invoke(call()));

      expect(outcomes.map((o) => o.error?.errorType)).toEqual(Array(10).fill('AUTH'));
      expect(sandbox().aws.counts.getParameter).toBe(1);
      expect(outcomes.at(-1)!.error!.errorMessage).toContain(
        'the key was read again after a 401 less than 30 s ago and is not read again before then',
      );
    });

    it('reads the key once for 50 overlapping calls after a rotation, and routes them all', async () => {
      restoreAfterwards();
      const lambda = await container();
      await lambda.invoke(call());
      const rotated = createCallCenterKeys();
      sandbox().salesforce.rotatePublicKey(rotated.publicKeyPem);
      sandbox().aws.parameters.set(KEY_PARAMETER, rotated.privateKeyPem);
      sandbox().aws.resetCounts();

      const outcomes = await Promise.all(Array.from({ length: 50 }, () => lambda.invoke(call())));

      expect(outcomes.filter((o) => o.result?.routingTarget === 'AGENT')).toHaveLength(50);
      expect(sandbox().aws.counts.getParameter).toBe(1);
    });
  });

  describe('answers are bounded', () => {
    it('reports an answer nested 5,000 levels deep as BAD_ANSWER', async () => {
      const lambda = await container();
      const deep = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
      sandbox().salesforce.script({ status: 200, body: `{"agent":${deep}}` });

      const outcome = await lambda.invoke(call());

      expect(outcome.error).toMatchObject({
        errorType: 'BAD_ANSWER',
        errorMessage: "Salesforce's answer is nested deeper than 32 levels",
      });
    });

    it('keeps an attributes-mode error answer under 32 KB and free of control characters', async () => {
      const lambda = await container({ ON_ERROR: 'attributes' });
      sandbox().salesforce.script(replies.errors(400, `bad\n\u0007${'x'.repeat(400)}`.repeat(100)));

      const outcome = await lambda.invoke(call({ methodName: `x${'\u0000'.repeat(10)}${'y'.repeat(40_000)}` }));

      expect(outcome.result?.errorType).toBe('BAD_EVENT');
      expect(Buffer.byteLength(JSON.stringify(outcome.result))).toBeLessThan(32 * 1024);
      expect(outcome.result!.errorMessage).not.toMatch(/[\p{Cc}]/u);
      expect(outcome.result!.errorMessage.length).toBeLessThan(300);
    });
  });

  describe('a PATCH Salesforce may have processed is retried at most once', () => {
    it('retries a connection reset after the request was sent once, then reports it', async () => {
      const lambda = await container();
      sandbox().salesforce.script(replies.reset(), replies.reset(), replies.agent());

      const outcome = await lambda.invoke(call());

      expect(outcome.error?.errorType).toBe('SALESFORCE_UNAVAILABLE');
      expect(sandbox().salesforce.requests).toHaveLength(2);
      expect(lambda.logs().at(-1)).toMatchObject({ retries: { notSent: 0, maybeProcessed: 1 } });
    });

    it.each([502, 504])('retries a %i once, then reports it', async (status) => {
      const lambda = await container();
      sandbox().salesforce.script(replies.status(status), replies.status(status), replies.agent());

      const outcome = await lambda.invoke(call());

      expect(outcome.error?.errorMessage).toContain(`Salesforce answered ${status} after 2 attempts`);
      expect(sandbox().salesforce.requests).toHaveLength(2);
    });

    it('retries 503s (never processed) up to the attempt limit and logs them as such', async () => {
      const lambda = await container();
      sandbox().salesforce.script(replies.status(503), replies.status(503), replies.agent());

      const outcome = await lambda.invoke(call());

      expect(outcome.result?.routingTarget).toBe('AGENT');
      expect(lambda.logs().at(-1)).toMatchObject({ retries: { notSent: 2, maybeProcessed: 0 } });
    });
  });

  describe("the flow block's timeout", () => {
    it('stops retrying when FLOW_BLOCK_TIMEOUT_SECONDS has passed, though Lambda allows longer', async () => {
      const lambda = await container({ FLOW_BLOCK_TIMEOUT_SECONDS: '2' });
      sandbox().salesforce.script(replies.stall());

      const outcome = await lambda.invoke(call(), { timeoutMs: 8_000 });

      expect(outcome.error?.errorType).toBe('TIMEOUT');
      expect(outcome.error?.errorMessage).toBe('Salesforce did not answer before the deadline');
      expect(outcome.durationMs).toBeLessThan(4_000);
    });
  });

  describe('error texts say what happened', () => {
    it("reports a proxy's HTML 403 by its status, not as a SyntaxError", async () => {
      restoreAfterwards();
      sandbox().aws.fail('ProxyForbidden');
      const lambda = await container({ KEY_CACHE_TTL_SECONDS: '0', PRIVATE_KEY_PARAM_NAME: '/connect/never-read' });
      sandbox().aws.fail('ProxyForbidden');

      const outcome = await lambda.invoke(call());

      expect(outcome.error?.errorMessage).toContain(
        'failed: AWS answered HTTP 403 with a body that is not an AWS answer (a proxy or firewall in the way?)',
      );
      expect(outcome.error?.errorMessage).not.toContain('SyntaxError');
    });

    it('reports a connection reset while reading the key as such, and retries it', async () => {
      restoreAfterwards();
      sandbox().aws.fail('reset');
      const lambda = await container({ LOG_LEVEL: 'DEBUG' });

      const outcome = await lambda.invoke(call());

      expect(outcome.result?.routingTarget).toBe('AGENT');
      const ready = lambda.logs().find((l) => l.message === 'container ready');
      expect(ready?.key).toBe('ready');
      expect(sandbox().aws.counts.getParameter).toBe(2);
    });
  });
});
