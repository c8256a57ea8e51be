import { describe, expect, it } from 'vitest';
import type { Flow, FlowAction } from '../../infra/contact-flow.ts';
import { callEvent, lambdaEvent, NO_INPUT, runFlow } from './flow-walker.ts';

const END: FlowAction = { Identifier: 'end', Type: 'DisconnectParticipant', Parameters: {}, Transitions: {} };
const error = (type: string, next = 'end') => ({ ErrorType: type, NextAction: next });
const key = (operand: string, next: string) => ({
  NextAction: next,
  Condition: { Operator: 'Equals', Operands: [operand] },
});
const say = (id: string, parameters: Record<string, unknown>, next = 'end'): FlowAction => ({
  Identifier: id,
  Type: 'MessageParticipant',
  Parameters: parameters,
  Transitions: { NextAction: next, Errors: [error('NoMatchingError', next)] },
});
const flowOf = (...actions: FlowAction[]): Flow => ({
  Version: '2019-10-30',
  StartAction: actions[0]!.Identifier,
  Actions: [...actions, END],
});

/** A menu: 1 → one, 2 → two; its errors each to an action named after them. */
const MENU = flowOf(
  {
    Identifier: 'menu',
    Type: 'GetParticipantInput',
    Parameters: { Text: 'Press 1 or 2.', StoreInput: 'False', InputTimeLimitSeconds: '5' },
    Transitions: {
      NextAction: 'NoMatchingCondition',
      Conditions: [key('1', 'one'), key('2', 'two')],
      Errors: ['InputTimeLimitExceeded', 'NoMatchingCondition', 'NoMatchingError'].map((e) => error(e, e)),
    },
  },
  ...['one', 'two', 'InputTimeLimitExceeded', 'NoMatchingCondition', 'NoMatchingError'].map((id) =>
    say(id, { Text: id }),
  ),
);

/** Stores a US number, keeps it in a flow attribute and reads it back. */
const STORE = flowOf(
  {
    Identifier: 'store',
    Type: 'GetParticipantInput',
    Parameters: {
      Text: 'Your number?',
      StoreInput: 'True',
      InputTimeLimitSeconds: '8',
      InputValidation: { PhoneNumberValidation: { NumberFormat: 'Local', CountryCode: 'US' } },
    },
    Transitions: { NextAction: 'keep', Errors: [error('InvalidPhoneNumber', 'invalid'), error('NoMatchingError')] },
  },
  {
    Identifier: 'keep',
    Type: 'UpdateFlowAttributes',
    Parameters: { FlowAttributes: { number: { Value: '$.StoredCustomerInput' } } },
    Transitions: { NextAction: 'read-back' },
  },
  say('read-back', {
    SSML: '<speak>You keyed $.FlowAttributes.number, calling from $.CustomerEndpoint.Address.</speak>',
  }),
  say('invalid', { Text: 'invalid' }),
);

describe('Function: runFlow', () => {
  describe('Get customer input, as a menu', () => {
    it.each([
      ['1', 'one'],
      ['2', 'two'],
      ['9', 'NoMatchingCondition'],
      [NO_INPUT, 'InputTimeLimitExceeded'],
    ])('takes the caller’s key %s to %s', (entry, next) => {
      const run = runFlow(MENU, { attributes: {}, lambda: [], input: [entry] });

      expect(run.path).toEqual(['menu', next, 'end']);
      expect(run.prompts).toEqual(['Press 1 or 2.', next]);
    });

    it('throws when the caller was given nothing more to key in', () => {
      expect(() => runFlow(MENU, { attributes: {}, lambda: [] })).toThrow(
        'menu waits for the caller, who was given nothing more to key in',
      );
    });
  });

  describe('Get customer input, stored with a phone number validation', () => {
    it('stores a valid local number in E.164, into a flow attribute the prompts can read', () => {
      const run = runFlow(STORE, {
        attributes: {},
        lambda: [],
        input: ['4255550123'],
        customerNumber: '+12065550199',
      });

      expect(run.flowAttributes).toEqual({ number: '+14255550123' });
      expect(run.prompts.at(-1)).toBe('<speak>You keyed +14255550123, calling from +12065550199.</speak>');
      expect(run.attributes).toEqual({});
    });

    it.each(['555', '0255550123', '14255550123'])('takes the InvalidPhoneNumber branch for %s', (entry) => {
      expect(runFlow(STORE, { attributes: {}, lambda: [], input: [entry] }).path).toEqual(['store', 'invalid', 'end']);
    });

    it('stores Timeout on silence, as Store customer input does', () => {
      const run = runFlow(STORE, { attributes: {}, lambda: [], input: [NO_INPUT], customerNumber: '+12065550199' });

      expect(run.flowAttributes).toEqual({ number: 'Timeout' });
    });

    it('throws when a prompt reads the caller’s number and the contact has none', () => {
      expect(() => runFlow(STORE, { attributes: {}, lambda: [], input: ['4255550123'] })).toThrow(
        '$.CustomerEndpoint.Address: the contact has no caller number',
      );
    });
  });

  describe('Flow attributes', () => {
    it('are not carried into a flow entered with Transfer to flow', () => {
      const entry = flowOf(
        {
          Identifier: 'set',
          Type: 'UpdateFlowAttributes',
          Parameters: { FlowAttributes: { number: { Value: '+14255550123' } } },
          Transitions: { NextAction: 'enter' },
        },
        {
          Identifier: 'enter',
          Type: 'TransferToFlow',
          Parameters: { ContactFlowId: 'sub' },
          Transitions: { NextAction: 'end', Errors: [error('NoMatchingError')] },
        },
      );
      const sub = flowOf(say('read', { Text: 'Calling $.FlowAttributes.number' }));

      expect(() => runFlow(entry, { attributes: {}, lambda: [], subflows: { sub } })).toThrow(
        'the flow reads $.FlowAttributes.number, which this flow has not set',
      );
    });
  });
});

describe('Function: lambdaEvent', () => {
  it('resolves the caller’s number from the contact, and callEvent replays a walked call as is', () => {
    const flow = flowOf({
      Identifier: 'invoke',
      Type: 'InvokeLambdaFunction',
      Parameters: { LambdaInvocationAttributes: { methodName: 'm', number: '$.CustomerEndpoint.Address' } },
      Transitions: { NextAction: 'end', Errors: [error('NoMatchingError')] },
    });
    const contactData = { Attributes: {}, CustomerEndpoint: { Address: '+12065550199' } };

    const event = lambdaEvent(flow, contactData);

    expect(event).toEqual({
      Name: 'ContactFlowEvent',
      Details: { ContactData: contactData, Parameters: { methodName: 'm', number: '+12065550199' } },
    });
    expect(callEvent({ methodName: 'm', number: '+12065550199' }, contactData)).toEqual(event);
  });
});
