import { describe, expect, it, onTestFinished } from 'vitest';
import { replies } from '../emulators/salesforce.ts';
import { createCallCenterKeys } from '../emulators/test-ca.ts';
import { sampleEvent, useSandbox } from '../support/integration.ts';

const { sandbox, container } = useSandbox();
const call = () => sampleEvent('inbound-call');

// Behaviours a mutation sample found unguarded (issue 12): each test here fails when its one behaviour breaks.
describe('Integration: behaviours the README promises, each pinned by the built bundle', () => {
  it('reads the key exactly once more after a 401, even when a 503 follows it', async () => {
    // Prepare: a warm container, its key read during init
    const lambda = await container();
    sandbox().aws.resetCounts();
    sandbox().salesforce.script(replies.errors(401, 'INVALID_SESSION_ID'), replies.status(503), replies.agent());

    // Act
    const outcome = await lambda.invoke(call());

    // Assess
    expect(outcome.result?.status).toBe('OK');
    expect(sandbox().salesforce.requests).toHaveLength(3);
    expect(sandbox().aws.counts.getParameter).toBe(1);
  });

  it('retries a key read the AWS endpoint answered with a 5xx', async () => {
    // The container's first read (no key cached yet, so no stale key to fall back on) meets the 500.
    sandbox().aws.fail('InternalServerError');
    const lambda = await container();

    const outcome = await lambda.invoke(call());

    expect(lambda.logs()[0]).toMatchObject({ message: 'container ready', key: 'ready' });
    expect(sandbox().aws.counts.getParameter).toBe(2);
    expect(outcome.result?.status).toBe('OK');
  });

  it('refuses a 1024-bit key as KEY, naming its size and the cure, and sends nothing', async () => {
    // Prepare: jose will not sign RS256 with it, so once read as valid it failed every call as INTERNAL
    sandbox().aws.parameters.set('/connect/short-key', createCallCenterKeys(1024).privateKeyPem);
    onTestFinished(() => void sandbox().aws.parameters.delete('/connect/short-key'));
    const lambda = await container({ PRIVATE_KEY_PARAM_NAME: '/connect/short-key' });

    // Act
    const outcome = await lambda.invoke(call());

    // Assess
    expect(outcome.error).toMatchObject({
      errorType: 'KEY',
      errorMessage:
        'SSM parameter /connect/short-key (PRIVATE_KEY_PARAM_NAME) holds a 1024-bit RSA key; Salesforce needs at least 2048 bits: rotate to a 2048-bit (or 4096-bit) key pair and put its certificate on the call center',
    });
    expect(sandbox().salesforce.requests).toHaveLength(0);
    expect(lambda.logs().find((line) => line.message === 'not routed')).toMatchObject({ errorType: 'KEY' });
  });
});
