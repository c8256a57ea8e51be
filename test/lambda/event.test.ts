import { describe, expect, it } from 'vitest';
import { BadEventError } from '../../lambda/src/errors.ts';
import { type Invocation, parseEvent, type RequestDefaults } from '../../lambda/src/event.ts';
import inboundCall from '../events/inbound-call.json' with { type: 'json' };

const NO_DEFAULTS: RequestDefaults = { defaultFlowDevName: undefined, defaultFallbackQueue: undefined };
const CONTACT_ID = '4a573372-1f28-4e26-b97b-0c7f2b3d9e61';

function connectEvent(parameters: Record<string, unknown>, contactData: Record<string, unknown> = {}) {
  return {
    Details: {
      ContactData: {
        ContactId: CONTACT_ID,
        CustomerEndpoint: { Address: '+12065550199', Type: 'TELEPHONE_NUMBER' },
        SystemEndpoint: { Address: '+18445791189', Type: 'TELEPHONE_NUMBER' },
        ...contactData,
      },
      Parameters: parameters,
    },
    Name: 'ContactFlowEvent',
  };
}

function route(invocation: Invocation) {
  if (invocation.kind !== 'route') throw new Error(`expected a route, got ${invocation.kind}`);
  return invocation.request;
}

function badEvent(event: unknown, defaults = NO_DEFAULTS): string {
  try {
    parseEvent(event, defaults);
  } catch (error) {
    expect(error).toBeInstanceOf(BadEventError);
    return (error as Error).message;
  }
  throw new Error('parseEvent accepted the event');
}

describe('Function: parseEvent', () => {
  describe('a Connect flow invocation', () => {
    it('takes the ContactId and the dialed number from ContactData, never the caller number', () => {
      const request = route(parseEvent(inboundCall, NO_DEFAULTS));

      expect(request).toEqual({ callId: CONTACT_ID, body: { dialedNumber: '+18445791189' } });
      expect(JSON.stringify(request)).not.toContain('+12065550199');
    });

    it('lets explicit parameters win over ContactData and defaults', () => {
      const request = route(
        parseEvent(connectEvent({ dialedNumber: '+15550001111', flowDevName: 'Route_VIP', fallbackQueue: '00G999' }), {
          defaultFlowDevName: 'Route_VoiceCall',
          defaultFallbackQueue: '00G111222333444',
        }),
      );

      expect(request.body).toEqual({ dialedNumber: '+15550001111', flowDevName: 'Route_VIP', fallbackQueue: '00G999' });
    });

    it('uses the DEFAULT_ settings when the flow gives no flow or queue', () => {
      const request = route(
        parseEvent(connectEvent({}), {
          defaultFlowDevName: 'Route_VoiceCall',
          defaultFallbackQueue: '00G111222333444',
        }),
      );

      expect(request.body).toEqual({
        dialedNumber: '+18445791189',
        flowDevName: 'Route_VoiceCall',
        fallbackQueue: '00G111222333444',
      });
    });

    it('omits blank optional parameters instead of sending empty strings', () => {
      const request = route(parseEvent(connectEvent({ flowDevName: '  ', fallbackQueue: '' }), NO_DEFAULTS));

      expect(request.body).toEqual({ dialedNumber: '+18445791189' });
    });

    it('collects flowInput-<Name> parameters over a flowInputParameters JSON object', () => {
      const request = route(
        parseEvent(
          connectEvent({
            'flowInput-Language': 'es',
            'flowInput-Priority': '2',
            flowInputParameters: '{"Language":"en","Segment":"gold","Score":7,"Vip":true}',
          }),
          NO_DEFAULTS,
        ),
      );

      expect(request.body.flowInputParameters).toEqual({
        Language: 'es',
        Priority: '2',
        Segment: 'gold',
        Score: '7',
        Vip: 'true',
      });
    });

    it('accepts methodName absent or executeOmniFlow', () => {
      expect(route(parseEvent(connectEvent({}), NO_DEFAULTS)).callId).toBe(CONTACT_ID);
      expect(route(parseEvent(connectEvent({ methodName: 'executeOmniFlow' }), NO_DEFAULTS)).callId).toBe(CONTACT_ID);
    });
  });

  describe("the shape Salesforce's other Lambdas send", () => {
    it('takes contactId and fieldValues.dialedNumber from Parameters, with no ContactData', () => {
      const event = {
        Details: {
          Parameters: {
            methodName: 'executeOmniFlow',
            contactId: 'b1c2d3e4-0000-4000-8000-123456789abc',
            fieldValues: { dialedNumber: '+18445791189' },
          },
        },
      };

      expect(parseEvent(event, NO_DEFAULTS)).toEqual({
        kind: 'route',
        request: { callId: 'b1c2d3e4-0000-4000-8000-123456789abc', body: { dialedNumber: '+18445791189' } },
      });
    });

    it('prefers Parameters.contactId over ContactData.ContactId', () => {
      const request = route(parseEvent(connectEvent({ contactId: '0LQ5e000000AbCd' }), NO_DEFAULTS));

      expect(request.callId).toBe('0LQ5e000000AbCd');
    });
  });

  it('recognises a keep-warm ping', () => {
    expect(parseEvent({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} }, NO_DEFAULTS)).toEqual({
      kind: 'keep-warm',
    });
  });

  describe('refusals (nothing is sent)', () => {
    it.each([
      ['the event is not a JSON object', null, 'the event is not a JSON object'],
      ['the event is not a JSON object', [], 'the event is not a JSON object'],
      ['the event is not a JSON object', 'executeOmniFlow', 'the event is not a JSON object'],
      ['the event has no Details object', {}, 'the event has no Details object'],
      [
        'Details.Parameters must be an object',
        { Details: { Parameters: 'x' } },
        'Details.Parameters must be an object',
      ],
      [
        'Details.Parameters.methodName must be executeOmniFlow',
        connectEvent({ methodName: 'createVoiceCall' }),
        'Details.Parameters.methodName must be executeOmniFlow',
      ],
      ['no call id', connectEvent({}, { ContactId: undefined }), 'no call id'],
      [
        'Details.ContactData.ContactId is not a plain id',
        connectEvent({}, { ContactId: '../../../query?q=SELECT' }),
        'Details.ContactData.ContactId is not a plain id',
      ],
      [
        'Details.Parameters.contactId is not a plain id',
        connectEvent({ contactId: 'abc/omniFlow#' }),
        'Details.Parameters.contactId is not a plain id',
      ],
      [
        'Details.Parameters.contactId is not a plain id',
        connectEvent({ contactId: 'a%2F..' }),
        'Details.Parameters.contactId is not a plain id',
      ],
      [
        'Details.Parameters.contactId is not a plain id',
        connectEvent({ contactId: 'x'.repeat(129) }),
        'Details.Parameters.contactId is not a plain id',
      ],
      [
        'Details.Parameters.contactId must be a string',
        connectEvent({ contactId: 42 }),
        'Details.Parameters.contactId must be a string',
      ],
      ['no dialed number', connectEvent({}, { SystemEndpoint: undefined }), 'no dialed number'],
      ['no dialed number', connectEvent({}, { SystemEndpoint: { Address: '' } }), 'no dialed number'],
      [
        'Details.Parameters.fieldValues must be an object',
        connectEvent({ fieldValues: 'x' }),
        'Details.Parameters.fieldValues must be an object',
      ],
      [
        'Details.Parameters.flowInputParameters is not valid JSON',
        connectEvent({ flowInputParameters: '{oops' }),
        'Details.Parameters.flowInputParameters is not valid JSON',
      ],
      [
        'Details.Parameters.flowInputParameters must be a JSON object',
        connectEvent({ flowInputParameters: '[1,2]' }),
        'Details.Parameters.flowInputParameters must be a JSON object',
      ],
      [
        'flow input Nested must be a string, number or boolean',
        connectEvent({ flowInputParameters: '{"Nested":{"a":1}}' }),
        'flow input Nested must be a string, number or boolean',
      ],
      [
        'Details.Parameters.flowInput-: flow input names must be Salesforce variable names',
        connectEvent({ 'flowInput-': 'x' }),
        'Details.Parameters.flowInput-: flow input names must be Salesforce variable names',
      ],
      [
        'Details.Parameters.flowInput-__proto__: flow input names',
        connectEvent({ 'flowInput-__proto__': 'x' }),
        'Details.Parameters.flowInput-__proto__: flow input names',
      ],
      [
        'flow input names must be Salesforce variable names',
        connectEvent({ flowInputParameters: '{"__proto__":{"polluted":"yes"}}' }),
        'flow input names must be Salesforce variable names',
      ],
      [
        'Details.Parameters.flowDevName is longer than 1024 characters',
        connectEvent({ flowDevName: 'x'.repeat(1025) }),
        'Details.Parameters.flowDevName is longer than 1024 characters',
      ],
    ])('%s', (_label, event, message) => {
      expect(badEvent(event)).toContain(message);
    });

    it('passes a flow input named like an Object.prototype member as a plain input', () => {
      const request = route(
        parseEvent(connectEvent({ flowInputParameters: '{"constructor":"x","toString":"y"}' }), NO_DEFAULTS),
      );

      expect(Object.entries(request.body.flowInputParameters ?? {})).toEqual([
        ['constructor', 'x'],
        ['toString', 'y'],
      ]);
    });

    it('leaves Object.prototype untouched by hostile input', () => {
      badEvent(connectEvent({ flowInputParameters: '{"__proto__":{"polluted":"yes"}}' }));

      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
});
