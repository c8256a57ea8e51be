import { describe, expect, it } from 'vitest';
import { operationOf } from '../../lambda/src/operations.ts';

describe('Table: the summary lines of the two families', () => {
  it.each([
    ['executeOmniFlow', { done: 'routed', failed: 'not routed', what: 'routing the call' }],
    ['createVoiceCall', { done: 'done', failed: 'failed', what: 'serving the call' }],
  ] as const)('%s', (method, messages) => {
    expect(operationOf(method).messages).toEqual(messages);
  });
});
