import { describe, expect, it } from 'vitest';
import { BadEventError } from '../../lambda/src/errors.ts';
import type { EventParts } from '../../lambda/src/event-fields.ts';
import { MAX_BODY_BYTES } from '../../lambda/src/omni-flow-request.ts';
import {
  fieldValuesBody,
  MAX_FIELD_VALUES_DEPTH,
  inboundVoiceCall,
  transferVoiceCall,
  type VoiceCallContext,
} from '../../lambda/src/voice-call-request.ts';

const CALLER = '+12065550199';
const DIALLED = '+18445791189';
const NOW = new Date('2026-12-04T18:00:00.000Z');
const QUEUE_ARN =
  'arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555/queue/qqqqqqqq-0000-1111-2222-333333333333';

const context = (): VoiceCallContext => ({ callId: 'contact-1', now: NOW, warnings: [] });

function parts(contactData: Record<string, unknown> = {}, parameters: Record<string, unknown> = {}): EventParts {
  return {
    parameters,
    contactData: {
      ContactId: 'contact-1',
      CustomerEndpoint: { Address: CALLER, Type: 'TELEPHONE_NUMBER' },
      SystemEndpoint: { Address: DIALLED, Type: 'TELEPHONE_NUMBER' },
      Attributes: {},
      ...contactData,
    },
  };
}

const webRtc = (contactData: Record<string, unknown>) =>
  parts({ SegmentAttributes: { 'connect:Subtype': { ValueString: 'connect:WebRTC' } }, ...contactData });

function refusal(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(BadEventError);
    return (error as Error).message;
  }
  throw new Error('the builder accepted the event');
}

describe('Function: inboundVoiceCall', () => {
  it("builds Salesforce's Create a Voice Call Record body for a phone call", () => {
    // Prepare
    const event = parts({
      Attributes: { 'sfdc-Reason': 'billing', 'sfdc-Account': '001xx', callOrigin: 'IVR', language: 'en' },
    });

    // Act
    const body = inboundVoiceCall(event, context());

    // Assess
    expect(body).toEqual({
      vendorCallKey: 'contact-1',
      to: DIALLED,
      from: CALLER,
      initiationMethod: 'Inbound',
      startTime: '2026-12-04T18:00:00.000Z',
      callSubtype: 'PSTN',
      callAttributes: '{"Reason":"billing","Account":"001xx"}',
      participants: [{ participantKey: CALLER, type: 'END_USER' }],
      callOrigin: 'IVR',
    });
  });

  it('sends "{}" as the call attributes when the contact has no sfdc- attribute, and no callOrigin unless set', () => {
    const body = inboundVoiceCall(parts({ Attributes: { callOrigin: '  ' } }), context());

    expect(body.callAttributes).toBe('{}');
    expect(body).not.toHaveProperty('callOrigin');
  });

  it('leaves out only the calling number when it is withheld, for Salesforce to decide', () => {
    const body = inboundVoiceCall(parts({ CustomerEndpoint: null }), context());

    expect(body).not.toHaveProperty('from');
    expect(body.participants).toEqual([{ type: 'END_USER' }]);
    expect(body.to).toBe(DIALLED);
  });

  it('refuses a phone call without the number it was placed to, naming the field', () => {
    expect(refusal(() => inboundVoiceCall(parts({ SystemEndpoint: { Address: ' ' } }), context()))).toBe(
      'no number the call was placed to: Details.ContactData.SystemEndpoint.Address is missing (a VoiceCall needs its "to")',
    );
  });

  it('takes a WebRTC contact\'s numbers from WebRTC_To / WebRTC_From, with "WebRTC_Default" as its participant', () => {
    const event = webRtc({ SystemEndpoint: null, Attributes: { WebRTC_To: 'support-app', WebRTC_From: 'user-42' } });

    const body = inboundVoiceCall(event, context());

    expect(body).toMatchObject({
      to: 'support-app',
      from: 'user-42',
      callSubtype: 'WebRTC',
      participants: [{ participantKey: 'WebRTC_Default', type: 'END_USER' }],
    });
  });

  it('falls back for a WebRTC contact to the endpoints, then to "WebRTC_Default"', () => {
    const withEndpoints = inboundVoiceCall(webRtc({}), context());
    const withNothing = inboundVoiceCall(webRtc({ SystemEndpoint: null, CustomerEndpoint: null }), context());

    expect([withEndpoints.to, withEndpoints.from]).toEqual([DIALLED, CALLER]);
    expect([withNothing.to, withNothing.from]).toEqual(['WebRTC_Default', 'WebRTC_Default']);
  });

  it('refuses call attributes that make the body larger than the limit', () => {
    const event = parts({ Attributes: { 'sfdc-Notes': 'x'.repeat(MAX_BODY_BYTES) } });

    expect(refusal(() => inboundVoiceCall(event, context()))).toBe(
      `the contact's sfdc- attributes make the request larger than ${MAX_BODY_BYTES} bytes`,
    );
  });
});

describe('Function: transferVoiceCall', () => {
  it('adds the parent contact and the queue to the same body, as a Transfer', () => {
    const event = parts({ InitiationMethod: 'TRANSFER', PreviousContactId: 'parent-1', Queue: { ARN: QUEUE_ARN } });

    const body = transferVoiceCall(event, context());

    expect(body).toMatchObject({
      vendorCallKey: 'contact-1',
      initiationMethod: 'Transfer',
      parentVoiceCallId: 'parent-1',
      queue: QUEUE_ARN,
      to: DIALLED,
      from: CALLER,
    });
  });

  it('leaves out parentVoiceCallId and queue when Connect gives none, with a warning for the parent only', () => {
    const warned = context();

    const body = transferVoiceCall(parts({ Queue: null }), warned);

    expect(body).not.toHaveProperty('parentVoiceCallId');
    expect(body).not.toHaveProperty('queue');
    expect(warned.warnings).toEqual([
      'createTransferVC without Details.ContactData.PreviousContactId: parentVoiceCallId left out for Salesforce to decide',
    ]);
  });
});

describe('Function: fieldValuesBody', () => {
  it("sends another Lambda's fieldValues object as it is, less the fields that choose the org", () => {
    const event = parts(
      {},
      { fieldValues: { subject: 'x', duration: 42, secretName: 'sfdc/b', accessSecretName: 'a' } },
    );

    expect(fieldValuesBody(event, 'updateVoiceCall')).toEqual({ subject: 'x', duration: 42 });
  });

  it("reads a flow's fieldValues from its JSON text", () => {
    expect(fieldValuesBody(parts({}, { fieldValues: '{"subject":"from a flow"}' }), 'updateVoiceCall')).toEqual({
      subject: 'from a flow',
    });
  });

  it.each([
    ['missing', {}, 'updateVoiceCall needs Details.Parameters.fieldValues: an object of the fields to send'],
    [
      'empty',
      { fieldValues: {} },
      'updateVoiceCall needs Details.Parameters.fieldValues: an object of the fields to send',
    ],
    [
      'only org fields',
      { fieldValues: { secretName: 'sfdc/b' } },
      'updateVoiceCall needs Details.Parameters.fieldValues: an object of the fields to send',
    ],
    ['not JSON', { fieldValues: '{subject' }, 'Details.Parameters.fieldValues must be an object, or its JSON text'],
    ['a JSON array', { fieldValues: '[1]' }, 'Details.Parameters.fieldValues must be an object, or its JSON text'],
    ['a number', { fieldValues: 7 }, 'Details.Parameters.fieldValues must be an object'],
    [
      'too large',
      { fieldValues: { notes: 'x'.repeat(MAX_BODY_BYTES) } },
      `Details.Parameters.fieldValues make the request larger than ${MAX_BODY_BYTES} bytes`,
    ],
    [
      'nested past the limit, as JSON text',
      { fieldValues: `{"a":${'['.repeat(6_000)}${']'.repeat(6_000)}}` },
      `Details.Parameters.fieldValues is nested deeper than ${MAX_FIELD_VALUES_DEPTH} levels`,
    ],
    [
      'nested one level past the limit, as an object',
      { fieldValues: nested(MAX_FIELD_VALUES_DEPTH + 1) },
      `Details.Parameters.fieldValues is nested deeper than ${MAX_FIELD_VALUES_DEPTH} levels`,
    ],
  ])('refuses fieldValues %s, naming the field', (_label, parameters, message) => {
    expect(refusal(() => fieldValuesBody(parts({}, parameters), 'updateVoiceCall'))).toBe(message);
  });

  it(`sends fieldValues nested ${MAX_FIELD_VALUES_DEPTH} levels deep`, () => {
    expect(fieldValuesBody(parts({}, { fieldValues: nested(MAX_FIELD_VALUES_DEPTH) }), 'updateVoiceCall')).toEqual(
      nested(MAX_FIELD_VALUES_DEPTH),
    );
  });
});

/** An object `depth` levels deep: `{ a: { a: … { a: 'x' } } }`. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { a: 'x' };
  for (let level = 1; level < depth; level++) value = { a: value };
  return value;
}
