import { describe, expect, it } from 'vitest';
import { echo, methodOf, parseEvent } from '../../lambda/src/event.ts';
import { MAX_TEXT } from '../../lambda/src/event-fields.ts';
import { flowInputs, MAX_BODY_BYTES, omniFlowBody, withinBodyLimit } from '../../lambda/src/omni-flow-request.ts';
import { callbackBody, routeBody } from '../../lambda/src/unified-routing-request.ts';
import { inboundVoiceCall, transferVoiceCall } from '../../lambda/src/voice-call-request.ts';

const NO_DEFAULTS = { defaultFlowDevName: undefined, defaultFallbackQueue: undefined };
const NOW = new Date('2026-11-23T10:00:00.000Z');
const CONTACT = { ContactId: 'c-1', SystemEndpoint: { Address: '+18445791189' } };
const WEBRTC = { SegmentAttributes: { 'connect:Subtype': { ValueString: 'connect:WebRTC' } } };

/** The event of a flow's block: `Details.ContactData` and `Details.Parameters`. */
const event = (contactData: Record<string, unknown>, parameters: Record<string, unknown> = {}) => ({
  Details: { ContactData: contactData, Parameters: parameters },
});
const parts = (contactData: Record<string, unknown>, parameters: Record<string, unknown> = {}) => ({
  contactData,
  parameters,
});
const context = () => ({ callId: 'c-1', now: NOW, warnings: [] as string[] });

/** The message of what `act` throws. */
function thrown(act: () => unknown): string {
  try {
    act();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('nothing was thrown');
}

describe('Rule: a field of the wrong shape is refused, naming its whole path', () => {
  it.each<[string, () => unknown, string]>([
    ['ContactData', () => parseEvent(event('x' as never), NO_DEFAULTS), 'Details.ContactData must be an object'],
    [
      'ContactData.Attributes',
      () => parseEvent(event({ ...CONTACT, Attributes: 'x' }), NO_DEFAULTS),
      'Details.ContactData.Attributes must be an object',
    ],
    [
      'ContactData.Attributes.accessSecretName (read by a create)',
      () =>
        parseEvent(
          event({ ...CONTACT, Attributes: { accessSecretName: 5 } }, { methodName: 'createVoiceCall' }),
          NO_DEFAULTS,
        ),
      'Details.ContactData.Attributes.accessSecretName must be a string',
    ],
    [
      'Parameters.fieldValues.accessSecretName (read by a create)',
      () =>
        parseEvent(
          event(CONTACT, { methodName: 'createTransferVC', fieldValues: { accessSecretName: 5 } }),
          NO_DEFAULTS,
        ),
      'Details.Parameters.fieldValues.accessSecretName must be a string',
    ],
    [
      'Parameters.dialedNumber',
      () => omniFlowBody(parts(CONTACT, { dialedNumber: 5 }), NO_DEFAULTS, []),
      'Details.Parameters.dialedNumber must be a string',
    ],
    [
      'Parameters.fieldValues.dialedNumber',
      () => omniFlowBody(parts(CONTACT, { fieldValues: { dialedNumber: 5 } }), NO_DEFAULTS, []),
      'Details.Parameters.fieldValues.dialedNumber must be a string',
    ],
    [
      'ContactData.SystemEndpoint',
      () => omniFlowBody(parts({ SystemEndpoint: 'x' }), NO_DEFAULTS, []),
      'Details.ContactData.SystemEndpoint must be an object',
    ],
    [
      'ContactData.SystemEndpoint.Address',
      () => omniFlowBody(parts({ SystemEndpoint: { Address: 5 } }), NO_DEFAULTS, []),
      'Details.ContactData.SystemEndpoint.Address must be a string',
    ],
    [
      'ContactData.SegmentAttributes',
      () => omniFlowBody(parts({ SegmentAttributes: 'x' }), NO_DEFAULTS, []),
      'Details.ContactData.SegmentAttributes must be an object',
    ],
    [
      'ContactData.SegmentAttributes.connect:Subtype',
      () => omniFlowBody(parts({ SegmentAttributes: { 'connect:Subtype': 'x' } }), NO_DEFAULTS, []),
      'Details.ContactData.SegmentAttributes.connect:Subtype must be an object',
    ],
    [
      'ContactData.Attributes.WebRTC_To of a WebRTC contact',
      () => omniFlowBody(parts({ ...WEBRTC, Attributes: { WebRTC_To: 5 } }), NO_DEFAULTS, []),
      'Details.ContactData.Attributes.WebRTC_To must be a string',
    ],
    [
      'ContactData.PreviousContactId',
      () => transferVoiceCall(parts({ ...CONTACT, PreviousContactId: 5 }), context()),
      'Details.ContactData.PreviousContactId must be a string',
    ],
    [
      'ContactData.Queue',
      () => transferVoiceCall(parts({ ...CONTACT, Queue: 'x' }), context()),
      'Details.ContactData.Queue must be an object',
    ],
    [
      'ContactData.Queue.ARN',
      () => transferVoiceCall(parts({ ...CONTACT, Queue: { ARN: 5 } }), context()),
      'Details.ContactData.Queue.ARN must be a string',
    ],
    [
      'ContactData.Attributes.callOrigin',
      () => inboundVoiceCall(parts({ ...CONTACT, Attributes: { callOrigin: 5 } }), context()),
      'Details.ContactData.Attributes.callOrigin must be a string',
    ],
    [
      'ContactData.Attributes.WebRTC_From of a WebRTC contact',
      () => inboundVoiceCall(parts({ ...WEBRTC, Attributes: { WebRTC_From: 5 } }), context()),
      'Details.ContactData.Attributes.WebRTC_From must be a string',
    ],
  ])('%s', (_label, act, message) => {
    expect(thrown(act)).toBe(message);
  });
});

describe('Function: methodOf', () => {
  it.each([null, undefined, 'text', { Details: 'text' }])(
    'reads the default method from %j, never throwing',
    (value) => {
      expect(methodOf(value)).toBe('executeOmniFlow');
    },
  );

  it('says unknown for a method it does not serve', () => {
    expect(methodOf(event(CONTACT, { methodName: 'toString' }))).toBe('unknown');
  });
});

describe('Function: parseEvent', () => {
  it('takes accessSecretName from fieldValues too', () => {
    const invocation = parseEvent(
      event(CONTACT, { methodName: 'createVoiceCall', fieldValues: { accessSecretName: 'sfdc/access' } }),
      NO_DEFAULTS,
    );

    expect(invocation).toMatchObject({ request: { accessSecretName: 'sfdc/access' } });
  });

  it(`takes a text of ${MAX_TEXT} characters, and refuses one more`, () => {
    const named = (length: number) => event(CONTACT, { flowDevName: 'F'.repeat(length) });

    expect(parseEvent(named(MAX_TEXT), NO_DEFAULTS)).toMatchObject({ kind: 'call' });
    expect(thrown(() => parseEvent(named(MAX_TEXT + 1), NO_DEFAULTS))).toBe(
      `Details.Parameters.flowDevName is longer than ${MAX_TEXT} characters`,
    );
  });

  it('takes blank fieldValues text as no field values', () => {
    expect(
      thrown(() => parseEvent(event(CONTACT, { methodName: 'updateVoiceCall', fieldValues: '  ' }), NO_DEFAULTS)),
    ).toBe('updateVoiceCall needs Details.Parameters.fieldValues: an object of the fields to send');
  });
});

describe('Function: echo', () => {
  it('quotes up to 40 characters as they are, and cuts a longer text there', () => {
    expect(echo('a'.repeat(40))).toBe(`"${'a'.repeat(40)}"`);
    expect(echo(`${'a'.repeat(40)}bc`)).toBe(`"${'a'.repeat(40)}…"`);
  });
});

describe('Function: omniFlowBody', () => {
  it('takes the dialed number from the parameters over the endpoint', () => {
    expect(omniFlowBody(parts(CONTACT, { dialedNumber: '+15550000000' }), NO_DEFAULTS, [])).toMatchObject({
      dialedNumber: '+15550000000',
    });
  });
});

describe('Function: withinBodyLimit', () => {
  it(`takes a body of exactly ${MAX_BODY_BYTES} bytes, and refuses one byte more`, () => {
    const overhead = JSON.stringify({ x: '' }).length;
    const fitting = { x: 'a'.repeat(MAX_BODY_BYTES - overhead) };

    expect(withinBodyLimit(fitting, 'the inputs')).toBe(fitting);
    expect(thrown(() => withinBodyLimit({ x: `${fitting.x}a` }, 'the inputs'))).toBe(
      `the inputs make the request larger than ${MAX_BODY_BYTES} bytes`,
    );
  });
});

describe('Function: flowInputs', () => {
  it('leaves out null and undefined inputs without a word', () => {
    const warnings: string[] = [];

    const inputs = flowInputs({ 'flowInput-a': null, 'flowInput-b': undefined, 'flowInput-c': 'x' }, warnings);

    expect(inputs).toEqual({ c: 'x' });
    expect(warnings).toEqual([]);
  });

  it('drops an input with an empty name', () => {
    const warnings: string[] = [];

    const inputs = flowInputs({ flowInputParameters: '{"": "x"}' }, warnings);

    expect(inputs).toBeUndefined();
    expect(warnings).toEqual(['flow input "" dropped: its name is empty or holds control characters']);
  });

  it.each([null, ''])('takes flowInputParameters %j as none, without a word', (value) => {
    const warnings: string[] = [];

    expect(flowInputs({ flowInputParameters: value }, warnings)).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('names five dropped inputs, and counts the rest', () => {
    const bad = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`flowInput-n${i}`, { nested: i }]));
    const five: string[] = [];
    const seven: string[] = [];

    flowInputs(bad(5), five);
    flowInputs(bad(7), seven);

    const why = 'its value is not a string, number or boolean';
    const named = [0, 1, 2, 3, 4].map((i) => `"n${i}" (${why})`).join('; ');
    expect(five).toEqual([`5 flow inputs dropped: ${named}`]);
    expect(seven).toEqual([`7 flow inputs dropped: ${named}; and 2 more`]);
  });
});

describe('Function: transferVoiceCall', () => {
  it('says nothing when Connect gives the contact it came from', () => {
    const ctx = context();

    const body = transferVoiceCall(parts({ ...CONTACT, PreviousContactId: 'c-0' }), ctx);

    expect(body.parentVoiceCallId).toBe('c-0');
    expect(ctx.warnings).toEqual([]);
  });
});

describe('Function: inboundVoiceCall', () => {
  it('sends only the sfdc- attributes that are texts', () => {
    const body = inboundVoiceCall(parts({ ...CONTACT, Attributes: { 'sfdc-a': 'x', 'sfdc-b': 5, c: 'y' } }), context());

    expect(JSON.parse(body.callAttributes)).toEqual({ a: 'x' });
  });
});

describe('Function: routeBody', () => {
  it('names the flow inputs when they make the request too large', () => {
    const parameters = { routingTarget: 'Q1', 'flowInput-big': 'a'.repeat(MAX_BODY_BYTES) };

    expect(thrown(() => routeBody(parts(CONTACT, parameters), []))).toBe(
      `the flow inputs (Details.Parameters.flowInput-*, flowInputParameters) make the request larger than ${MAX_BODY_BYTES} bytes`,
    );
  });
});

describe('Function: callbackBody', () => {
  const body = (isPreviewCallback: unknown) =>
    callbackBody(parts(CONTACT, { customerCallbackNumber: '+12065550199', isPreviewCallback }));

  it.each<[unknown, boolean | undefined]>([
    [true, true],
    [false, false],
    [' True ', true],
    ['FALSE', false],
    [null, undefined],
    ['', undefined],
  ])('reads isPreviewCallback %j as %s', (value, flag) => {
    expect(body(value).isPreviewCallback).toBe(flag);
  });

  it.each([1, 'yes', {}])('refuses isPreviewCallback %j', (value) => {
    expect(thrown(() => body(value))).toBe('Details.Parameters.isPreviewCallback must be true or false');
  });
});
