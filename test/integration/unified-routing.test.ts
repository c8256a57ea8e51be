import { describe, expect, it } from 'vitest';
import { replies } from '../emulators/salesforce.ts';
import { CALLER_NUMBER, sampleEvent, useSandbox } from '../support/integration.ts';
import { ORG_B_SECRET } from '../support/sandbox.ts';

const { sandbox, container } = useSandbox();

/** The sample event `name` with its parameters changed by `parameters` (undefined removes one). */
function withParameters(name: string, parameters: Record<string, string | undefined>) {
  const event = sampleEvent(name) as { Details: { Parameters: Record<string, string | undefined> } };
  Object.assign(event.Details.Parameters, parameters);
  return event;
}

/** The function's one summary line of the invocation. */
const summary = (logs: Record<string, unknown>[]) => logs.find((line) => 'Method' in line && 'Outcome' in line);

describe('Integration: Unified Routing through the bridge', () => {
  describe('routeVoiceCall', () => {
    it('routes the VoiceCall to its target with the fallback queue and the flow inputs', async () => {
      const lambda = await container();

      const outcome = await lambda.invoke(sampleEvent('route-voice-call'));

      expect(outcome.result).toEqual({ status: 'OK' });
      expect(sandbox().salesforce.requests).toEqual([
        expect.objectContaining({
          method: 'PATCH',
          path: '/telephony/v1/voiceCalls/route/e4f1dd1c-bd9c-4c20-9b5a-a6b7df3d9c2b',
          refused: undefined,
          body: {
            routingTarget: '300Kz000000AbCdEAA',
            fallbackQueue: '00G111222333444',
            flowInputParameters: { recordId: '0LQKz0000034567AAA', Reason: 'Billing' },
          },
        }),
      ]);
      expect(summary(lambda.logs())).toMatchObject({ message: 'routed', Method: 'routeVoiceCall', Outcome: 'OK' });
    });

    it('refuses a route without routingTarget, naming it, and sends nothing', async () => {
      const lambda = await container();

      const outcome = await lambda.invoke(withParameters('route-voice-call', { routingTarget: undefined }));

      expect(outcome.error).toMatchObject({
        errorType: 'BAD_EVENT',
        errorMessage:
          'routeVoiceCall needs Details.Parameters.routingTarget: the id of the rep, queue or flow to route the call to',
      });
      expect(sandbox().salesforce.requests).toHaveLength(0);
    });

    it("routes in the org the contact's secretName names", async () => {
      const lambda = await container();
      const event = sampleEvent('route-voice-call') as {
        Details: { ContactData: { Attributes: Record<string, string> } };
      };
      event.Details.ContactData.Attributes.secretName = ORG_B_SECRET;

      const outcome = await lambda.invoke(event);

      expect(outcome.result?.status).toBe('OK');
      expect(sandbox().salesforce.requests).toHaveLength(0);
      expect(sandbox().salesforceB.requests[0]).toMatchObject({ operation: 'route', refused: undefined });
    });
  });

  describe('callbackExecution', () => {
    it('requests the callback and answers the ContactRequest as recordId, never logging the number', async () => {
      const lambda = await container();

      const outcome = await lambda.invoke(sampleEvent('callback-execution'));

      const [created] = sandbox().salesforce.callbackRequests;
      expect(outcome.result).toEqual({ status: 'OK', recordId: created!.recordId });
      expect(sandbox().salesforce.requests[0]).toMatchObject({
        method: 'POST',
        path: '/telephony/v1/voiceCalls/f5a2ee2d-ceab-4d31-8c6b-b7c8e04e0d3c/requestCallback',
        body: { callbackNumber: CALLER_NUMBER },
      });
      expect(summary(lambda.logs())).toMatchObject({ message: 'done', Method: 'callbackExecution', Outcome: 'OK' });
    });

    it('refuses a callback without a number, naming customerCallbackNumber, and sends nothing', async () => {
      const lambda = await container({ ON_ERROR: 'attributes' });

      const outcome = await lambda.invoke(withParameters('callback-execution', { customerCallbackNumber: '' }));

      expect(outcome.result).toMatchObject({
        status: 'ERROR',
        errorType: 'BAD_EVENT',
        errorMessage:
          'callbackExecution needs Details.Parameters.customerCallbackNumber: the number to call the customer back on',
      });
      expect(sandbox().salesforce.requests).toHaveLength(0);
    });

    it('never requests a callback again once Salesforce read it: one ContactRequest', async () => {
      const lambda = await container();
      sandbox().salesforce.script(replies.reset());

      const outcome = await lambda.invoke(sampleEvent('callback-execution'));

      expect(outcome.error?.errorMessage).toContain(
        'Salesforce may have created the ContactRequest: it was not sent again',
      );
      expect(sandbox().salesforce.requests).toHaveLength(1);
      expect(sandbox().salesforce.callbackRequests).toHaveLength(1);
    });

    it('keeps the number out of the log and the error when Salesforce echoes it', async () => {
      const lambda = await container();
      sandbox().salesforce.script(replies.errors(400, `Invalid callback number: ${CALLER_NUMBER}`));

      const outcome = await lambda.invoke(sampleEvent('callback-execution'));

      expect(outcome.error).toMatchObject({
        errorType: 'SALESFORCE_REJECTED',
        errorMessage: 'Salesforce rejected the request (400): Invalid callback number: [redacted]',
      });
      expect(JSON.stringify(lambda.logs())).not.toContain(CALLER_NUMBER);
    });

    it('keeps the number out when Salesforce echoes it as it was keyed in, without the +', async () => {
      const lambda = await container();
      const keyedIn = CALLER_NUMBER.slice(1);
      const national = `(${keyedIn.slice(1, 4)}) ${keyedIn.slice(4, 7)}-${keyedIn.slice(7)}`;
      sandbox().salesforce.script(
        replies.errors(400, `Invalid callback number: ${keyedIn}`, `Not callable: ${national}`),
      );

      const outcome = await lambda.invoke(sampleEvent('callback-execution'));

      expect(outcome.error).toMatchObject({
        errorType: 'SALESFORCE_REJECTED',
        errorMessage:
          'Salesforce rejected the request (400): Invalid callback number: [redacted]; Not callable: [redacted]',
      });
      const logged = JSON.stringify(lambda.logs());
      expect(logged).not.toContain(keyedIn);
      expect(logged).not.toContain(national);
    });
  });
});
