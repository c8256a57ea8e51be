import { describe, expect, it } from 'vitest';
import { BadEventError } from '../../lambda/src/errors.ts';
import { type Invocation, type OmniFlowBody, parseEvent, type RequestDefaults } from '../../lambda/src/event.ts';
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
  if (invocation.kind !== 'call') throw new Error(`expected a route, got ${invocation.kind}`);
  return invocation.request;
}

/** The omniFlow body of a routed invocation. */
function body(invocation: Invocation): OmniFlowBody {
  const { body } = route(invocation);
  if (!body) throw new Error('expected an omniFlow body');
  return body as OmniFlowBody;
}

function warnings(invocation: Invocation): readonly string[] {
  return invocation.kind === 'call' ? invocation.warnings : [];
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

      expect(request).toEqual({
        method: 'executeOmniFlow',
        callId: CONTACT_ID,
        body: { dialedNumber: '+18445791189' },
        secretName: undefined,
        accessSecretName: undefined,
      });
      expect(JSON.stringify(request)).not.toContain('+12065550199');
    });

    it('takes a call id of 128 characters', () => {
      const id = `${'a1-'.repeat(42)}bc`;

      expect(route(parseEvent(connectEvent({ contactId: id }), NO_DEFAULTS)).callId).toBe(id);
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

      expect((request.body as OmniFlowBody).flowInputParameters).toEqual({
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

  describe('the routing family', () => {
    it.each([
      ['cancelOmniFlowExecution', 'clearRouting'],
      ['rerouteFlowExecution', 'reroute'],
    ])('%s needs only the call id and sends no body', (methodName) => {
      const request = route(parseEvent(connectEvent({ methodName }, { SystemEndpoint: null }), NO_DEFAULTS));

      expect(request).toEqual({
        method: methodName,
        callId: CONTACT_ID,
        body: undefined,
        secretName: undefined,
        accessSecretName: undefined,
      });
    });
  });

  describe('transfers and WebRTC: the dialed number', () => {
    const transfer = (parameters: Record<string, unknown>, initiationMethod = 'TRANSFER') =>
      connectEvent(parameters, { InitiationMethod: initiationMethod });

    it.each(['TRANSFER', 'QUEUE_TRANSFER'])('leaves the system endpoint out of a %s that names a flow', (method) => {
      expect(body(parseEvent(transfer({ flowDevName: 'Route_Transfer' }, method), NO_DEFAULTS))).toEqual({
        flowDevName: 'Route_Transfer',
      });
    });

    it('leaves it out of a transfer that names only a transferTarget, and sends the target', () => {
      expect(body(parseEvent(transfer({ transferTarget: '0Xx5e000000AbCd' }), NO_DEFAULTS))).toEqual({
        transferTarget: '0Xx5e000000AbCd',
      });
    });

    it('counts DEFAULT_FLOW_DEV_NAME as naming a flow', () => {
      const defaults = { defaultFlowDevName: 'Route_Default', defaultFallbackQueue: undefined };

      expect(body(parseEvent(transfer({}), defaults))).toEqual({ flowDevName: 'Route_Default' });
    });

    it('still sends an explicit dialedNumber on a transfer', () => {
      const request = body(parseEvent(transfer({ flowDevName: 'F', dialedNumber: '+15550001111' }), NO_DEFAULTS));

      expect(request).toEqual({ dialedNumber: '+15550001111', flowDevName: 'F' });
    });

    it('keeps the system endpoint on a transfer that names neither flow nor target', () => {
      expect(body(parseEvent(transfer({}), NO_DEFAULTS))).toEqual({ dialedNumber: '+18445791189' });
    });

    it('keeps the system endpoint on an inbound call that names a flow', () => {
      expect(body(parseEvent(connectEvent({ flowDevName: 'F' }), NO_DEFAULTS))).toEqual({
        dialedNumber: '+18445791189',
        flowDevName: 'F',
      });
    });

    const webRtc = (attributes: Record<string, string>) =>
      connectEvent(
        {},
        {
          SystemEndpoint: null,
          Attributes: attributes,
          SegmentAttributes: { 'connect:Subtype': { ValueString: 'connect:WebRTC' } },
        },
      );

    it('takes WebRTC_To for a WebRTC contact with no system endpoint', () => {
      expect(body(parseEvent(webRtc({ WebRTC_To: '+18005550100' }), NO_DEFAULTS))).toEqual({
        dialedNumber: '+18005550100',
      });
    });

    it('ignores WebRTC_To on a contact that is not WebRTC', () => {
      const event = connectEvent({}, { SystemEndpoint: null, Attributes: { WebRTC_To: '+18005550100' } });

      expect(badEvent(event)).toContain('no dialed number');
    });

    it('routes a WebRTC contact with neither number nor WebRTC_To when it names a flow', () => {
      expect(body(parseEvent(webRtc({}), { defaultFlowDevName: 'Web', defaultFallbackQueue: undefined }))).toEqual({
        flowDevName: 'Web',
      });
    });

    it('prefers Parameters.dialedNumber, then fieldValues.dialedNumber, then the system endpoint', () => {
      const both = connectEvent({ dialedNumber: '+1', fieldValues: { dialedNumber: '+2' } });
      const fieldValues = connectEvent({ fieldValues: { dialedNumber: '+2' } });

      expect(body(parseEvent(both, NO_DEFAULTS)).dialedNumber).toBe('+1');
      expect(body(parseEvent(fieldValues, NO_DEFAULTS)).dialedNumber).toBe('+2');
    });
  });

  describe('the per-call secret', () => {
    it('takes Parameters.secretName first, then the contact attribute, then fieldValues', () => {
      const all = connectEvent(
        { secretName: 'orgs/param', fieldValues: { secretName: 'orgs/field' } },
        { Attributes: { secretName: 'orgs/attribute' } },
      );
      const attributeAndField = connectEvent(
        { fieldValues: { secretName: 'orgs/field' } },
        { Attributes: { secretName: 'orgs/attribute' } },
      );
      const field = connectEvent({ fieldValues: { secretName: 'orgs/field' } });

      expect(route(parseEvent(all, NO_DEFAULTS)).secretName).toBe('orgs/param');
      expect(route(parseEvent(attributeAndField, NO_DEFAULTS)).secretName).toBe('orgs/attribute');
      expect(route(parseEvent(field, NO_DEFAULTS)).secretName).toBe('orgs/field');
    });

    it('accepts a secret ARN', () => {
      const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sfdc/acme-AbCdEf';

      expect(route(parseEvent(connectEvent({ secretName: arn }), NO_DEFAULTS)).secretName).toBe(arn);
    });
  });

  describe('flow inputs never fail a call', () => {
    it('sends names exactly as the flow author wrote them', () => {
      const invocation = parseEvent(
        connectEvent({ 'flowInput-tier-level': 'gold', 'flowInput-Customer Tier': 'A', 'flowInput-1st': '1' }),
        NO_DEFAULTS,
      );

      expect(body(invocation).flowInputParameters).toEqual({ 'tier-level': 'gold', 'Customer Tier': 'A', '1st': '1' });
      expect(warnings(invocation)).toEqual([]);
    });

    it('omits null and turns numbers and booleans into strings', () => {
      const invocation = parseEvent(
        connectEvent({ flowInputParameters: { Gone: null, Count: 3, Vip: false }, 'flowInput-Nothing': null }),
        NO_DEFAULTS,
      );

      expect(body(invocation).flowInputParameters).toEqual({ Count: '3', Vip: 'false' });
    });

    it('drops an input with control characters or an object value, with a warning that does not echo it raw', () => {
      const invocation = parseEvent(
        connectEvent({
          'flowInput-Bad\nName': 'x',
          'flowInput-Note': 'line1\u0000line2',
          flowInputParameters: '{"Nested":{"a":1}}',
          'flowInput-Kept': 'yes',
        }),
        NO_DEFAULTS,
      );

      expect(body(invocation).flowInputParameters).toEqual({ Kept: 'yes' });
      expect(warnings(invocation)).toEqual([
        '3 flow inputs dropped: "Nested" (its value is not a string, number or boolean); "Bad?Name" (its name is empty or holds control characters); "Note" (its value holds control characters)',
      ]);
      // eslint-disable-next-line no-control-regex -- finding control characters is the point
      expect(warnings(invocation).join('')).not.toMatch(/[\u0000-\u001f]/);
    });

    it('names 5,000 unusable flow inputs in one warning: the first five, and how many more', () => {
      const parameters = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`flowInput-In${i}`, { i }]));

      const invocation = parseEvent(connectEvent(parameters), NO_DEFAULTS);

      expect(warnings(invocation)).toHaveLength(1);
      expect(warnings(invocation)[0]).toMatch(
        /^5000 flow inputs dropped: "In0" \(its value is not a string, number or boolean\); .*"In4" \(.*\); and 4995 more$/,
      );
    });

    it('drops a flowInputParameters that is not a JSON object, with a warning', () => {
      const invocation = parseEvent(connectEvent({ flowInputParameters: '{oops' }), NO_DEFAULTS);

      expect(body(invocation).flowInputParameters).toBeUndefined();
      expect(warnings(invocation)).toEqual(['Details.Parameters.flowInputParameters dropped: it is not a JSON object']);
    });

    it('shortens a long name in the warning', () => {
      const invocation = parseEvent(connectEvent({ [`flowInput-${'n'.repeat(40_000)}\t`]: 'x' }), NO_DEFAULTS);

      expect(warnings(invocation)[0]!.length).toBeLessThan(120);
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
        kind: 'call',
        request: {
          method: 'executeOmniFlow',
          callId: 'b1c2d3e4-0000-4000-8000-123456789abc',
          body: { dialedNumber: '+18445791189' },
          secretName: undefined,
          accessSecretName: undefined,
        },
        warnings: [],
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
        'Details.Parameters.contactId is longer than 128 characters',
        connectEvent({ contactId: 'x'.repeat(129) }),
        'Details.Parameters.contactId is longer than 128 characters',
      ],
      [
        'Details.Parameters.contactId must be a string',
        connectEvent({ contactId: 42 }),
        'Details.Parameters.contactId must be a string',
      ],
      ['no dialed number', connectEvent({}, { SystemEndpoint: undefined }), 'no dialed number'],
      [
        'an unknown methodName, naming those served',
        connectEvent({ methodName: 'getVoicemailGreeting' }),
        'Details.Parameters.methodName "getVoicemailGreeting" is not a method this function serves: executeOmniFlow, cancelOmniFlowExecution, rerouteFlowExecution, createVoiceCall, createTransferVC, updateVoiceCall, sendMessage, routeVoiceCall, callbackExecution, updateCache',
      ],
      ['an inherited methodName', connectEvent({ methodName: 'toString' }), 'is not a method this function serves'],
      [
        'a secretName that is not a secret name',
        connectEvent({ secretName: 'acme secret; rm -rf' }),
        'Details.Parameters.secretName is not a Secrets Manager secret name or ARN',
      ],
      [
        'a secretName attribute that is not a secret name',
        connectEvent({}, { Attributes: { secretName: 'x'.repeat(513) } }),
        'Details.ContactData.Attributes.secretName is not a Secrets Manager secret name or ARN',
      ],
      [
        'a secretName ARN of another service',
        connectEvent({ fieldValues: { secretName: 'arn:aws:ssm:us-east-1:123456789012:parameter/x' } }),
        'Details.Parameters.fieldValues.secretName is not a Secrets Manager secret name or ARN',
      ],
      [
        'flow inputs past the body limit, naming them',
        connectEvent({ 'flowInput-Notes': 'x'.repeat(70_000) }),
        'the flow inputs (Details.Parameters.flowInput-*, flowInputParameters) make the request larger than 65536 bytes',
      ],
      ['no dialed number', connectEvent({}, { SystemEndpoint: { Address: '' } }), 'no dialed number'],
      [
        'Details.Parameters.fieldValues must be an object',
        connectEvent({ fieldValues: 'x' }),
        'Details.Parameters.fieldValues must be an object',
      ],
      [
        'Details.Parameters.flowDevName is longer than 1024 characters',
        connectEvent({ flowDevName: 'x'.repeat(1025) }),
        'Details.Parameters.flowDevName is longer than 1024 characters',
      ],
    ])('%s', (_label, event, message) => {
      expect(badEvent(event)).toContain(message);
    });

    it('refuses a contact id whose one unsafe character is a slash', () => {
      // Each id refused above also holds another forbidden character (#, %, ., ?) or is too long; this one does not.
      expect(badEvent(connectEvent({ contactId: 'abc/omniFlow' }))).toBe(
        'Details.Parameters.contactId is not a plain id (letters, digits and dashes only)',
      );
    });

    it('passes a flow input named like an Object.prototype member as a plain input', () => {
      const request = route(
        parseEvent(connectEvent({ flowInputParameters: '{"constructor":"x","toString":"y"}' }), NO_DEFAULTS),
      );

      expect(Object.entries((request.body as OmniFlowBody).flowInputParameters ?? {})).toEqual([
        ['constructor', 'x'],
        ['toString', 'y'],
      ]);
    });

    it('leaves Object.prototype untouched by hostile input', () => {
      const invocation = parseEvent(
        connectEvent({ flowInputParameters: '{"__proto__":{"polluted":"yes"}}', 'flowInput-__proto__': 'x' }),
        NO_DEFAULTS,
      );

      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getPrototypeOf(body(invocation).flowInputParameters)).toBe(Object.prototype);
      expect(JSON.stringify(body(invocation).flowInputParameters)).toBe('{"__proto__":"x"}');
    });
  });
});

describe('Function: parseEvent, for the VoiceCall methods', () => {
  const NOW = new Date('2026-12-04T18:00:00.000Z');

  it("builds a createVoiceCall's body from the contact, with the time given, and keeps the org it names", () => {
    const event = connectEvent(
      { methodName: 'createVoiceCall' },
      { Attributes: { secretName: 'sfdc/partner', accessSecretName: 'sfdc/partner-access', 'sfdc-Reason': 'x' } },
    );

    const request = route(parseEvent(event, NO_DEFAULTS, NOW));

    expect(request).toMatchObject({
      method: 'createVoiceCall',
      callId: CONTACT_ID,
      secretName: 'sfdc/partner',
      accessSecretName: 'sfdc/partner-access',
      body: {
        vendorCallKey: CONTACT_ID,
        to: '+18445791189',
        initiationMethod: 'Inbound',
        startTime: '2026-12-04T18:00:00.000Z',
        callAttributes: '{"Reason":"x"}',
      },
    });
  });

  it.each(['executeOmniFlow', 'updateVoiceCall', 'callbackExecution'])(
    '%s never reads accessSecretName, which only a create records: it is not refused over one it cannot record',
    (methodName) => {
      const event = connectEvent(
        { methodName, fieldValues: { subject: 'x' }, customerCallbackNumber: '+12065550100', routingTarget: 'r' },
        { Attributes: { accessSecretName: 'x'.repeat(2_000) } },
      );

      expect(route(parseEvent(event, NO_DEFAULTS, NOW)).accessSecretName).toBeUndefined();
    },
  );

  it('refuses a create over an accessSecretName it would record but cannot', () => {
    const event = connectEvent(
      { methodName: 'createVoiceCall' },
      { Attributes: { accessSecretName: 'x'.repeat(2_000) } },
    );

    expect(badEvent(event)).toBe('Details.ContactData.Attributes.accessSecretName is longer than 1024 characters');
  });

  it("takes updateVoiceCall's id and fields from another Lambda's shape, with no ContactData", () => {
    const event = {
      Details: { Parameters: { methodName: 'updateVoiceCall', contactId: 'c-1', fieldValues: { subject: 'done' } } },
    };

    expect(route(parseEvent(event, NO_DEFAULTS))).toMatchObject({ callId: 'c-1', body: { subject: 'done' } });
  });

  it('sends no body for updateCache, and refuses it without a secretName, naming the attribute', () => {
    expect(
      route(parseEvent(connectEvent({ methodName: 'updateCache', secretName: 'sfdc/b' }), NO_DEFAULTS)),
    ).toMatchObject({ method: 'updateCache', body: undefined, secretName: 'sfdc/b' });
    expect(badEvent(connectEvent({ methodName: 'updateCache' }))).toBe(
      "updateCache needs the contact's secretName (Details.ContactData.Attributes.secretName): it records which org the contact belongs to",
    );
  });

  it('refuses an updateVoiceCall without fieldValues, naming the field', () => {
    expect(badEvent(connectEvent({ methodName: 'updateVoiceCall' }))).toBe(
      'updateVoiceCall needs Details.Parameters.fieldValues: an object of the fields to send',
    );
  });
});
