import { describe, expect, it } from 'vitest';
import { replies } from '../emulators/salesforce.ts';
import { CALLER_NUMBER, sampleEvent, useSandbox } from '../support/integration.ts';
import {
  CALL_CENTER_API_NAME,
  CALL_CENTER_B_API_NAME,
  ORG_B_ID,
  ORG_B_SECRET,
  orgRecordEnv,
} from '../support/sandbox.ts';

const { sandbox, container } = useSandbox();
const MAY_EXIST = 'Salesforce may have created the VoiceCall: it was not sent again';

/** The sample event `name` with its contact's attributes extended by `attributes`. */
function withAttributes(name: string, attributes: Record<string, string>) {
  const event = sampleEvent(name) as { Details: { ContactData: { Attributes: Record<string, string> } } };
  Object.assign(event.Details.ContactData.Attributes, attributes);
  return event;
}

/** The function's one summary line of the invocation. */
const summary = (logs: Record<string, unknown>[]) => logs.find((line) => 'Method' in line && 'Outcome' in line);

describe('Integration: the VoiceCall record through the bridge', () => {
  describe('createVoiceCall and createTransferVC', () => {
    it("creates the VoiceCall Salesforce's flows create, and answers voiceCallId", async () => {
      // Prepare
      const lambda = await container();

      // Act
      const outcome = await lambda.invoke(sampleEvent('create-voice-call'));

      // Assess
      const [request] = sandbox().salesforce.requests;
      const [created] = sandbox().salesforce.voiceCalls;
      expect(outcome.result).toEqual({ status: 'OK', voiceCallId: created!.voiceCallId });
      expect(request).toMatchObject({ method: 'POST', path: '/telephony/v1/voiceCalls', refused: undefined });
      expect(request!.body).toEqual({
        callCenterApiName: CALL_CENTER_API_NAME,
        vendorCallKey: '6c795594-3b1a-4a48-b9d2-2e9f4d5b1a83',
        to: '+18445791189',
        from: CALLER_NUMBER,
        initiationMethod: 'Inbound',
        startTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        callSubtype: 'PSTN',
        callAttributes: '{"Reason":"Billing","Account":"001Kz00000AbCdEAAA"}',
        participants: [{ participantKey: CALLER_NUMBER, type: 'END_USER' }],
        callOrigin: 'Website',
      });
      expect(summary(lambda.logs())).toMatchObject({ message: 'done', Method: 'createVoiceCall', Outcome: 'OK' });
    });

    it('creates a WebRTC VoiceCall with the WebRTC numbers', async () => {
      const lambda = await container();

      const outcome = await lambda.invoke(sampleEvent('create-voice-call-webrtc'));

      expect(outcome.result?.status).toBe('OK');
      expect(sandbox().salesforce.requests[0]!.body).toMatchObject({
        callSubtype: 'WebRTC',
        participants: [{ participantKey: 'WebRTC_Default', type: 'END_USER' }],
      });
    });

    it("creates a transfer's VoiceCall under its parent, in the contact's queue", async () => {
      const lambda = await container();
      const event = sampleEvent('create-transfer-vc') as {
        Details: { ContactData: { PreviousContactId: string; Queue: { ARN: string } } };
      };

      const outcome = await lambda.invoke(event);

      expect(outcome.result?.voiceCallId).toBe(sandbox().salesforce.voiceCalls[0]!.voiceCallId);
      expect(sandbox().salesforce.requests[0]).toMatchObject({
        operation: 'createTransferVC',
        body: {
          initiationMethod: 'Transfer',
          parentVoiceCallId: event.Details.ContactData.PreviousContactId,
          queue: event.Details.ContactData.Queue.ARN,
        },
      });
    });

    it('never sends a create again once Salesforce read it: one VoiceCall, and an error that says it may exist', async () => {
      // Prepare: Salesforce creates the VoiceCall, then the connection drops before its answer
      const lambda = await container();
      sandbox().salesforce.script(replies.reset());

      // Act
      const outcome = await lambda.invoke(sampleEvent('create-voice-call'));

      // Assess
      expect(outcome.error?.errorType).toBe('SALESFORCE_UNAVAILABLE');
      expect(outcome.error?.errorMessage).toContain(MAY_EXIST);
      expect(sandbox().salesforce.requests).toHaveLength(1);
      expect(sandbox().salesforce.voiceCalls).toHaveLength(1);
    });

    it.each([
      ['a 502', replies.status(502)],
      ['a 504', replies.status(504)],
    ])('does not resend a create after %s either', async (_label, reply) => {
      const lambda = await container();
      sandbox().salesforce.script(reply);

      const outcome = await lambda.invoke(sampleEvent('create-voice-call'));

      expect(outcome.error?.errorMessage).toContain(MAY_EXIST);
      expect(sandbox().salesforce.requests).toHaveLength(1);
    });

    it('retries a create Salesforce did not act on (503), and creates one VoiceCall', async () => {
      const lambda = await container();
      sandbox().salesforce.script(replies.status(503));

      const outcome = await lambda.invoke(sampleEvent('create-voice-call'));

      expect(outcome.result?.status).toBe('OK');
      expect(sandbox().salesforce.requests).toHaveLength(2);
      expect(sandbox().salesforce.voiceCalls).toHaveLength(1);
    });
  });

  describe('updateVoiceCall and sendMessage', () => {
    it("updates the VoiceCall with a flow's fieldValues and the org's call center", async () => {
      const lambda = await container();

      const outcome = await lambda.invoke(sampleEvent('update-voice-call'));

      expect(outcome.result).toEqual({ status: 'OK' });
      expect(sandbox().salesforce.requests[0]).toMatchObject({
        method: 'PATCH',
        path: '/telephony/v1/voiceCalls/9fac88c7-6e4d-4d7b-8c05-51c28a8e4db6',
        body: {
          callAttributes: '{"Reason":"Billing","Resolved":"true"}',
          queue: 'BasicQueue',
          callCenterApiName: CALL_CENTER_API_NAME,
        },
      });
    });

    it("updates the VoiceCall from another Lambda's shape (contactId, no ContactData)", async () => {
      const lambda = await container();
      const event = sampleEvent('update-voice-call-from-lambda') as { Details: { Parameters: { contactId: string } } };

      const outcome = await lambda.invoke(event);

      expect(outcome.result?.status).toBe('OK');
      expect(sandbox().salesforce.requests[0]!.path).toBe(
        `/telephony/v1/voiceCalls/${event.Details.Parameters.contactId}`,
      );
    });

    it('sends a message, and answers its failure as status ERROR instead of throwing, logged and counted', async () => {
      const lambda = await container();
      sandbox().salesforce.script(replies.status(200), replies.errors(404, 'VoiceCall not found'));

      const sent = await lambda.invoke(sampleEvent('send-message'));
      const failed = await lambda.invoke(sampleEvent('send-message'));

      expect(sent.result).toMatchObject({ status: 'OK' });
      expect(sandbox().salesforce.requests[0]).toMatchObject({ method: 'POST', operation: 'messages' });
      expect(failed.error).toBeUndefined();
      expect(failed.result).toMatchObject({
        status: 'ERROR',
        errorType: 'SALESFORCE_REJECTED',
        errorMessage: 'Salesforce rejected the request (404): VoiceCall not found',
      });
      const lines = lambda.logs().filter((line) => line.Method === 'sendMessage');
      expect(lines.map((line) => [line.message, line.Outcome, line.Errors])).toEqual([
        ['done', 'OK', 0],
        ['failed', 'SALESFORCE_REJECTED', 1],
      ]);
    });
  });

  describe('several orgs, and their org records in S3 (SECRET_CACHE_S3)', () => {
    it("creates the VoiceCall in the org the contact's secretName names, and records that org", async () => {
      // Prepare
      const lambda = await container(orgRecordEnv('secret_cache'));
      const event = withAttributes('create-voice-call-other-org', { accessSecretName: 'sfdc/access/partner' });

      // Act
      const outcome = await lambda.invoke(event);

      // Assess
      expect(sandbox().salesforce.requests).toHaveLength(0);
      const [request] = sandbox().salesforceB.requests;
      expect(request).toMatchObject({ refused: undefined, claims: { iss: ORG_B_ID, sub: CALL_CENTER_B_API_NAME } });
      expect(request!.body).toMatchObject({ callCenterApiName: CALL_CENTER_B_API_NAME });
      expect(sandbox().orgRecord('d3e0cc0b-ac8b-4b1f-8a49-95a6ce2c8b1a', 'secret_cache')).toEqual({
        contactId: 'd3e0cc0b-ac8b-4b1f-8a49-95a6ce2c8b1a',
        secretName: ORG_B_SECRET,
        timestamp: expect.stringMatching(/Z$/),
        accessSecretName: 'sfdc/access/partner',
        voiceCallId: outcome.result!.voiceCallId,
      });
      expect(summary(lambda.logs())).toMatchObject({ orgRecord: 'written', OrgRecordFailures: 0 });
    });

    it('writes the record for updateCache without calling Salesforce', async () => {
      const lambda = await container(orgRecordEnv());
      const event = sampleEvent('update-cache') as { Details: { ContactData: { ContactId: string } } };

      const outcome = await lambda.invoke(event);

      expect(outcome.result).toEqual({ status: 'OK' });
      expect(sandbox().tokens).toEqual([]);
      expect(sandbox().orgRecord(event.Details.ContactData.ContactId)).toMatchObject({
        contactId: event.Details.ContactData.ContactId,
        secretName: expect.any(String),
      });
    });

    it('answers a create Salesforce accepted though S3 refuses its record: a warning and OrgRecordFailures', async () => {
      // Prepare: the partner org is read (and its first record written) before S3 is made to refuse
      const lambda = await container(orgRecordEnv());
      await lambda.invoke(sampleEvent('create-voice-call-other-org'));
      sandbox().aws.failS3('AccessDeniedException');

      // Act
      const outcome = await lambda.invoke(sampleEvent('create-voice-call-other-org'));

      // Assess
      expect(outcome.result).toMatchObject({
        status: 'OK',
        voiceCallId: sandbox().salesforceB.voiceCalls[1]!.voiceCallId,
      });
      const logs = lambda.logs();
      expect(logs.filter((line) => line.message === 'org record not written')).toEqual([
        expect.objectContaining({ level: 'WARN', reason: expect.stringContaining('AccessDenied') }),
      ]);
      expect(logs.filter((line) => line.Method === 'createVoiceCall').map((line) => line.OrgRecordFailures)).toEqual([
        0, 1,
      ]);
    });

    it('writes nothing, and loads no S3 client, without SECRET_CACHE_S3', async () => {
      const lambda = await container();

      const outcome = await lambda.invoke(sampleEvent('create-voice-call-other-org'));

      expect(outcome.result?.status).toBe('OK');
      expect(sandbox().aws.objects.size).toBe(0);
      expect(summary(lambda.logs())).not.toHaveProperty('orgRecord');
    });
  });
});
