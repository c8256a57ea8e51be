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

    expect(verdict(outcome, LOG)).toEqual({
      line: 'routed to AGENT aaaaaaaa-0000-1111-2222-333333333333 in 24 ms (Salesforce 12 ms)',
      served: true,
    });
  });

  it('names a queue that is not a Connect ARN as Salesforce gave it, and counts attempts past the first', () => {
    const outcome = {
      durationMs: 410,
      result: { status: 'OK', routingTarget: 'QUEUE', agent: '', queue: 'BasicQueue' },
    };

    expect(verdict(outcome, { ...LOG, attempts: 3 })).toEqual({
      line: 'routed to QUEUE BasicQueue in 410 ms (Salesforce 12 ms, 3 attempts)',
      served: true,
    });
  });

  it('cuts a long target to fit the line', () => {
    const outcome = { durationMs: 5, result: { status: 'OK', routingTarget: 'AGENT', agent: 'x'.repeat(300) } };

    expect(verdict(outcome, LOG).line).toBe(`routed to AGENT ${'x'.repeat(99)}… in 5 ms (Salesforce 12 ms)`);
  });

  it('says what Connect does on each failure, none of them served', () => {
    const thrown = {
      durationMs: 30,
      error: { errorType: 'AUTH', errorMessage: 'Salesforce refused the token (401)', stack: 'AUTH: …' },
    };
    const asAttributes = { durationMs: 30, result: { status: 'ERROR', errorType: 'AUTH', routingTarget: 'NONE' } };

    expect(verdict(thrown, LOG)).toEqual({
      line: "failed: AUTH in 30 ms (Salesforce 12 ms) → Connect takes the block's Error branch",
      served: false,
    });
    expect(verdict(asAttributes, LOG)).toEqual({
      line: "failed: AUTH in 30 ms (Salesforce 12 ms) → Connect gets status=ERROR on the block's success branch",
      served: false,
    });
    expect(verdict({ durationMs: 8000, timedOut: true })).toEqual({
      line: "no answer within the function timeout: Lambda ends the invocation → Connect takes the block's Error branch",
      served: false,
    });
  });

  it('counts a routing call that Salesforce routed nowhere as not served', () => {
    const outcome = { durationMs: 20, result: { status: 'OK', routingTarget: 'NONE', agent: '', queue: '' } };

    expect(verdict(outcome, LOG)).toEqual({
      line: 'not routed: Salesforce named no agent or queue, in 20 ms (Salesforce 12 ms) → the flow goes on with routingTarget NONE',
      served: false,
    });
  });

  it('labels a keep-warm ping, and reports the other methods by name, served when they answered OK', () => {
    expect(verdict({ durationMs: 0.4, result: { status: 'WARM' } })).toEqual({
      line: 'keep-warm ping answered in 0 ms: nothing routed, Salesforce not called',
      served: true,
    });
    expect(
      verdict({ durationMs: 15, result: { status: 'OK' } }, { ...LOG, Method: 'cancelOmniFlowExecution' }),
    ).toEqual({ line: 'cancelOmniFlowExecution answered status OK in 15 ms (Salesforce 12 ms)', served: true });
    expect(verdict({ durationMs: 15, result: { status: 'OK', voiceCallId: '0LQKz000000AbCdEAA' } }, LOG).served).toBe(
      true,
    );
    expect(verdict({ durationMs: 15, result: { status: 'OK', recordId: '0RiKz000000AbCdEAA' } }, LOG).served).toBe(
      true,
    );
  });

  it('does not count an answer without status OK as served', () => {
    expect(verdict({ durationMs: 15, result: {} }, { ...LOG, Method: 'updateVoiceCall' })).toEqual({
      line: 'updateVoiceCall answered status undefined in 15 ms (Salesforce 12 ms)',
      served: false,
    });
  });
});
