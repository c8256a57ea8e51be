import { describe, expect, it } from 'vitest';
import { verdict } from './verdict.ts';

const AGENT_ARN =
  'arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555/agent/aaaaaaaa-0000-1111-2222-333333333333';
const LOG = { Method: 'executeOmniFlow', attempts: 1, ms: { http: 11.6 } };

describe('Function: verdict', () => {
  it('names the agent by its id, with the invocation and Salesforce times rounded', () => {
    const outcome = {
      durationMs: 23.5,
      result: {
        status: 'OK',
        routingTarget: 'AGENT',
        agent: AGENT_ARN,
        agentId: 'aaaaaaaa-0000-1111-2222-333333333333',
      },
    };

    expect(verdict(outcome, LOG)).toBe(
      'routed to AGENT aaaaaaaa-0000-1111-2222-333333333333 in 24 ms (Salesforce 12 ms)',
    );
  });

  it('names a queue that is not a Connect ARN as Salesforce gave it, and counts attempts past the first', () => {
    const outcome = {
      durationMs: 410,
      result: { status: 'OK', routingTarget: 'QUEUE', agent: '', queue: 'BasicQueue' },
    };

    expect(verdict(outcome, { ...LOG, attempts: 3 })).toBe(
      'routed to QUEUE BasicQueue in 410 ms (Salesforce 12 ms, 3 attempts)',
    );
  });

  it('cuts a long target to fit the line', () => {
    const outcome = { durationMs: 5, result: { status: 'OK', routingTarget: 'AGENT', agent: 'x'.repeat(300) } };

    expect(verdict(outcome, LOG)).toBe(`routed to AGENT ${'x'.repeat(99)}… in 5 ms (Salesforce 12 ms)`);
  });

  it('says what Connect does on each failure', () => {
    const thrown = {
      durationMs: 30,
      error: { errorType: 'AUTH', errorMessage: 'Salesforce refused the token (401)', stack: 'AUTH: …' },
    };
    const asAttributes = { durationMs: 30, result: { status: 'ERROR', errorType: 'AUTH', routingTarget: 'NONE' } };

    expect(verdict(thrown, LOG)).toBe(
      "failed: AUTH in 30 ms (Salesforce 12 ms) → Connect takes the block's Error branch",
    );
    expect(verdict(asAttributes, LOG)).toBe(
      "failed: AUTH in 30 ms (Salesforce 12 ms) → Connect gets status=ERROR on the block's success branch",
    );
    expect(verdict({ durationMs: 8000, timedOut: true })).toBe(
      "no answer within the function timeout: Lambda ends the invocation → Connect takes the block's Error branch",
    );
  });

  it('labels a keep-warm ping, and reports the other routing methods by name', () => {
    expect(verdict({ durationMs: 0.4, result: { status: 'WARM' } })).toBe(
      'keep-warm ping answered in 0 ms: nothing routed, Salesforce not called',
    );
    expect(verdict({ durationMs: 15, result: { status: 'OK' } }, { ...LOG, Method: 'cancelOmniFlowExecution' })).toBe(
      'cancelOmniFlowExecution answered status OK in 15 ms (Salesforce 12 ms)',
    );
  });
});
