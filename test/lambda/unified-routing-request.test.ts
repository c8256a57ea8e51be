import { describe, expect, it } from 'vitest';
import { BadEventError } from '../../lambda/src/errors.ts';
import type { EventParts } from '../../lambda/src/event-fields.ts';
import { callbackBody, routeBody } from '../../lambda/src/unified-routing-request.ts';

const CALLER = '+12065550199';
const parts = (parameters: Record<string, unknown>): EventParts => ({ parameters, contactData: {} });

function refusal(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(BadEventError);
    return (error as Error).message;
  }
  throw new Error('the builder accepted the event');
}

describe('Function: routeBody', () => {
  it('sends the target, the fallback queue and the flow inputs as executeOmniFlow builds them', () => {
    const warnings: string[] = [];

    const body = routeBody(
      parts({
        routingTarget: ' 0Xxxx0000000001 ',
        fallbackQueue: '00G000000000001',
        'flowInput-recordId': '0LQ1',
        flowInputParameters: '{"Language":"en"}',
        'flowInput-Bad': { nested: true },
      }),
      warnings,
    );

    expect(body).toEqual({
      routingTarget: '0Xxxx0000000001',
      fallbackQueue: '00G000000000001',
      flowInputParameters: { Language: 'en', recordId: '0LQ1' },
    });
    expect(warnings).toEqual(['flow input "Bad" dropped: its value is not a string, number or boolean']);
  });

  it('sends only the target when nothing else is given', () => {
    expect(routeBody(parts({ routingTarget: 'Q1' }), [])).toEqual({ routingTarget: 'Q1' });
  });

  it.each([{}, { routingTarget: '  ' }, { routingTarget: null }])(
    'refuses a route without a target (%j), naming routingTarget',
    (parameters) => {
      expect(refusal(() => routeBody(parts(parameters), []))).toBe(
        'routeVoiceCall needs Details.Parameters.routingTarget: the id of the rep, queue or flow to route the call to',
      );
    },
  );
});

describe('Function: callbackBody', () => {
  it('sends the number to call back, and the preview flag and vendor call key when given', () => {
    expect(
      callbackBody(parts({ customerCallbackNumber: CALLER, isPreviewCallback: 'TRUE', vendorCallKey: 'c-1' })),
    ).toEqual({ callbackNumber: CALLER, isPreviewCallback: true, vendorCallKey: 'c-1' });
    expect(callbackBody(parts({ customerCallbackNumber: CALLER, isPreviewCallback: 'false' }))).toEqual({
      callbackNumber: CALLER,
      isPreviewCallback: false,
    });
    expect(callbackBody(parts({ customerCallbackNumber: CALLER, isPreviewCallback: '' }))).toEqual({
      callbackNumber: CALLER,
    });
  });

  it('refuses a callback without a number, naming customerCallbackNumber', () => {
    expect(refusal(() => callbackBody(parts({ customerCallbackNumber: ' ' })))).toBe(
      'callbackExecution needs Details.Parameters.customerCallbackNumber: the number to call the customer back on',
    );
  });

  it.each(['yes', 'constructor', '1'])('refuses isPreviewCallback %j, without repeating the number', (flag) => {
    const message = refusal(() => callbackBody(parts({ customerCallbackNumber: CALLER, isPreviewCallback: flag })));

    expect(message).toBe('Details.Parameters.isPreviewCallback must be true or false');
  });

  it('never repeats the number in a refusal of the number itself', () => {
    const long = `${CALLER}${'9'.repeat(1100)}`;

    const messages = [
      refusal(() => callbackBody(parts({ customerCallbackNumber: long }))),
      refusal(() => callbackBody(parts({ customerCallbackNumber: 12065550199 }))),
    ];

    expect(messages).toEqual([
      'Details.Parameters.customerCallbackNumber is longer than 1024 characters',
      'Details.Parameters.customerCallbackNumber must be a string',
    ]);
  });
});
