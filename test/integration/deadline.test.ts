import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { replies } from '../emulators/salesforce.ts';
import { expectCleanLogs, sampleEvent, useSandbox } from '../support/integration.ts';
import { LambdaContainer } from '../support/lambda-container.ts';

const { sandbox, container } = useSandbox();
const CLOCK_STEP = fileURLToPath(new URL('../support/clock-step.mjs', import.meta.url));

describe("Integration: the invocation's deadline is Connect's", () => {
  it("counts a cold start's init against the block: nothing reaches Salesforce after Connect gave up", async () => {
    // Prepare: a 4 s block; the key store stalls through init (3 s) and once more, as the probe found it
    onTestFinished(() => sandbox().aws.heal());
    sandbox().aws.fail('stall', 'stall', 'stall');
    const invokedAt = performance.now(); // Connect invokes; Lambda starts the container for it

    // Act
    const lambda = await container({ FLOW_BLOCK_TIMEOUT_SECONDS: '4' });
    const outcome = await lambda.invoke(sampleEvent('inbound-call'));
    const settledAt = performance.now();

    // Assess
    expect(lambda.initMs).toBeGreaterThan(2_500);
    expect(outcome.error?.errorType).toBe('TIMEOUT');
    expect(settledAt - invokedAt).toBeLessThan(4_000);
    const late = sandbox().salesforce.requests.filter((request) => request.receivedAt - invokedAt >= 4_000);
    expect(late).toEqual([]);
  });

  it('gives a first call that did not wait for init the whole block (a container started ahead)', async () => {
    const lambda = await container({ FLOW_BLOCK_TIMEOUT_SECONDS: '2' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    sandbox().salesforce.script({ ...replies.agent(), delayMs: 1_200 });

    const outcome = await lambda.invoke(sampleEvent('inbound-call'));

    expect(outcome.result?.routingTarget).toBe('AGENT');
  });

  it('keeps to its deadline when the wall clock steps back 30 s mid-call: nothing is sent after it settled', async () => {
    // Prepare: a 2 s block; Salesforce answers 503 slowly, and the clock steps back while the first answer is awaited
    const lambda = await LambdaContainer.start({
      env: sandbox().env({ FLOW_BLOCK_TIMEOUT_SECONDS: '2', CLOCK_STEP_MS: '-30000', CLOCK_STEP_AFTER_MS: '400' }),
      nodeFlags: ['--import', CLOCK_STEP],
    });
    onTestFinished(async () => {
      await lambda.stop();
      expectCleanLogs(lambda, sandbox());
    });
    const slow503 = { ...replies.status(503), delayMs: 1_000 };
    sandbox().salesforce.script(slow503, slow503, slow503);

    // Act
    const outcome = await lambda.invoke(sampleEvent('inbound-call'));
    const settledAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 2_500));

    // Assess
    expect(outcome.error?.errorType).toMatch(/^(TIMEOUT|SALESFORCE_UNAVAILABLE)$/);
    expect(outcome.durationMs).toBeLessThan(2_000);
    const sentAfter = sandbox().salesforce.requests.filter((request) => request.receivedAt > settledAt);
    expect(sentAfter).toEqual([]);
    expect(sandbox().salesforce.requests.length).toBeLessThanOrEqual(2);
  });
});
