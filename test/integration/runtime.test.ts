import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sampleEvent, useSandbox } from '../support/integration.ts';
import { NODE24_PACKAGE } from '../support/node-runtime.ts';

const { container } = useSandbox();

describe('Integration: each project runs the bundle under the Node it names', () => {
  it('starts containers under Node 24 in the node24 project and the machine’s Node in host', async ({
    task,
    annotate,
  }) => {
    const lambda = await container();

    const outcome = await lambda.invoke(sampleEvent('inbound-call'));

    await annotate(`container ran ${lambda.runtime} Node ${lambda.nodeVersion}`);
    expect(lambda.runtime).toBe(task.file.projectName);
    if (lambda.runtime === 'node24') expect(lambda.nodeVersion).toMatch(/^v24\./);
    else expect(lambda.nodeVersion).toBe(process.version);
    expect(outcome.result?.status).toBe('OK');
  });

  it('runs the tests themselves under the machine’s Node: Node 24 is in test/ric, and no `node` is linked into the project’s node_modules/.bin', () => {
    expect(process.execPath).not.toContain(`node_modules/${NODE24_PACKAGE}/`);
    expect(existsSync(new URL('../../node_modules/.bin/node', import.meta.url))).toBe(false);
  });
});
