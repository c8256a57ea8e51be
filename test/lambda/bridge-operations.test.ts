import { generateKeyPairSync } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { Bridge } from '../../lambda/src/bridge.ts';
import { readConfig } from '../../lambda/src/config.ts';
import { OrgRecordError } from '../../lambda/src/errors.ts';
import { OrgCache } from '../../lambda/src/key/cache.ts';
import type { Org, OrgSource } from '../../lambda/src/key/source.ts';
import { Logger } from '../../lambda/src/logger.ts';
import type { OrgRecord, OrgRecordStore } from '../../lambda/src/org-record.ts';
import type { HttpAnswer, SalesforceClient } from '../../lambda/src/salesforce-client.ts';
import { TokenStock } from '../../lambda/src/token-stock.ts';

const ENV = {
  SCRT_ENDPOINT_BASE: 'https://acme.my.salesforce-scrt.com/telephony/v1',
  SALESFORCE_ORG_ID: '00DKz000001AbCdEAA',
  CALL_CENTER_API_NAME: 'ConnectCallCenter',
  PRIVATE_KEY_PARAM_NAME: '/connect/key',
};
const ORG: Org = {
  settings: {
    endpointBase: ENV.SCRT_ENDPOINT_BASE,
    orgId: ENV.SALESFORCE_ORG_ID,
    callCenterApiName: 'ConnectCallCenter',
  },
  key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
};
const CONTACT_ID = '4a573372-1f28-4e26-b97b-0c7f2b3d9e61';
const CALLER = '+12065550199';
const context = { awsRequestId: 'r-1', getRemainingTimeInMillis: () => 5_000 } as unknown as Context;

/** A Connect event for `methodName`, with the contact's attributes and the parameters given. */
function event(methodName: string, attributes: Record<string, string> = {}, parameters: Record<string, unknown> = {}) {
  return {
    Details: {
      ContactData: {
        ContactId: CONTACT_ID,
        CustomerEndpoint: { Address: CALLER, Type: 'TELEPHONE_NUMBER' },
        SystemEndpoint: { Address: '+18445791189', Type: 'TELEPHONE_NUMBER' },
        Attributes: attributes,
      },
      Parameters: { methodName, ...parameters },
    },
    Name: 'ContactFlowEvent',
  };
}

/** A bridge over an in-memory Salesforce that answers `answers` in turn, and an org record store that `records`. */
function bridge(
  env: Record<string, string>,
  answers: HttpAnswer[],
  records?: { written: OrgRecord[]; fail?: boolean },
) {
  const lines: Record<string, unknown>[] = [];
  const sent: { method: string; resource: string }[] = [];
  const client = {
    async send(method: string, _base: string, resource: string): Promise<HttpAnswer> {
      sent.push({ method, resource });
      return answers.shift() ?? { status: 200, headers: {}, body: '{}' };
    },
  } as unknown as SalesforceClient;
  const source: OrgSource = { description: 'in memory', load: async () => ORG };
  const orgs = new OrgCache(source, { ttlMs: 60_000, sourceFor: () => source });
  const store =
    records &&
    ({
      prepare: async () => {},
      write: async (record: OrgRecord) => {
        if (records.fail) throw new OrgRecordError('writing the org record s3://b/k (SECRET_CACHE_S3) failed: boom');
        records.written.push(record);
      },
    } as unknown as OrgRecordStore);
  const config = readConfig({ ...ENV, ...env });
  const logger = new Logger('INFO', (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  const instance = new Bridge(config, logger, orgs, client, new TokenStock({ mintAhead: false }), store);
  return { instance, lines, sent };
}

const created = (id = '0LQ5e000000AbCd'): HttpAnswer => ({
  status: 201,
  headers: {},
  body: JSON.stringify({ voiceCallId: id }),
});
const rejected: HttpAnswer = { status: 400, headers: {}, body: '{"errors":["bad field"]}' };

describe('Class: Bridge', () => {
  describe('Method: handle, for the VoiceCall methods', () => {
    it('records the org of a contact created with a per-call secret, and logs and counts one line for it', async () => {
      // Prepare
      const written: OrgRecord[] = [];
      const { instance, lines } = bridge({ SECRET_CACHE_S3: 'records' }, [created()], { written });

      // Act
      const attributes = await instance.handle(
        event('createVoiceCall', { secretName: 'sfdc/partner', accessSecretName: 'sfdc/partner-access' }),
        context,
      );

      // Assess
      expect(attributes).toEqual({ voiceCallId: '0LQ5e000000AbCd', status: 'OK' });
      expect(written).toEqual([
        {
          contactId: CONTACT_ID,
          secretName: 'sfdc/partner',
          timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          accessSecretName: 'sfdc/partner-access',
          voiceCallId: '0LQ5e000000AbCd',
        },
      ]);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        message: 'done',
        Method: 'createVoiceCall',
        Outcome: 'OK',
        OrgRecordFailures: 0,
      });
      expect(JSON.stringify(lines)).not.toContain(CALLER);
    });

    it("writes no record for the function's own org (no per-call secret)", async () => {
      const written: OrgRecord[] = [];
      const { instance } = bridge({ SECRET_CACHE_S3: 'records' }, [created()], { written });

      await instance.handle(event('createVoiceCall'), context);

      expect(written).toEqual([]);
    });

    it('answers a create Salesforce accepted even when its record cannot be written: a warning and OrgRecordFailures=1', async () => {
      const { instance, lines } = bridge({ SECRET_CACHE_S3: 'records' }, [created()], { written: [], fail: true });

      const attributes = await instance.handle(event('createVoiceCall', { secretName: 'sfdc/partner' }), context);

      expect(attributes.voiceCallId).toBe('0LQ5e000000AbCd');
      expect(lines.map((line) => [line.level, line.message])).toEqual([
        ['WARN', 'org record not written'],
        ['INFO', 'done'],
      ]);
      expect(lines[1]).toMatchObject({ Outcome: 'OK', OrgRecordFailures: 1, orgRecord: 'failed' });
    });

    it('writes only the record for updateCache, without calling Salesforce', async () => {
      const written: OrgRecord[] = [];
      const { instance, sent } = bridge({ SECRET_CACHE_S3: 'records/orgs' }, [], { written });

      const attributes = await instance.handle(event('updateCache', { secretName: 'sfdc/partner' }), context);

      expect(attributes).toEqual({ status: 'OK' });
      expect(sent).toEqual([]);
      expect(written).toEqual([
        { contactId: CONTACT_ID, secretName: 'sfdc/partner', timestamp: expect.stringMatching(/Z$/) },
      ]);
    });

    it('fails updateCache with ORG_RECORD when the record cannot be written', async () => {
      const { instance } = bridge({ SECRET_CACHE_S3: 'records' }, [], { written: [], fail: true });

      await expect(
        instance.handle(event('updateCache', { secretName: 'sfdc/partner' }), context),
      ).rejects.toMatchObject({
        code: 'ORG_RECORD',
      });
    });

    it('fails updateCache with CONFIG naming SECRET_CACHE_S3 when it is not set', async () => {
      const { instance } = bridge({}, []);

      await expect(
        instance.handle(event('updateCache', { secretName: 'sfdc/partner' }), context),
      ).rejects.toMatchObject({
        code: 'CONFIG',
        message: 'updateCache needs SECRET_CACHE_S3: the S3 bucket (and folder) for org records',
      });
    });

    it.each(['throw', 'attributes'])(
      'answers a failed sendMessage with status ERROR instead of throwing (ON_ERROR=%s), logged and counted',
      async (onError) => {
        const { instance, lines } = bridge({ ON_ERROR: onError }, [rejected]);

        const attributes = await instance.handle(
          event('sendMessage', {}, { fieldValues: { messages: [{ content: 'hi' }] } }),
          context,
        );

        expect(attributes).toMatchObject({
          status: 'ERROR',
          errorType: 'SALESFORCE_REJECTED',
          errorMessage: 'Salesforce rejected the request (400): bad field',
        });
        expect(lines.at(-1)).toMatchObject({ level: 'ERROR', message: 'failed', Method: 'sendMessage', Errors: 1 });
      },
    );

    it('answers a sendMessage it cannot even read with status ERROR too', async () => {
      const { instance } = bridge({}, []);

      const attributes = await instance.handle(event('sendMessage'), context);

      expect(attributes).toMatchObject({ status: 'ERROR', errorType: 'BAD_EVENT' });
    });

    it('still throws a failed create in the default error mode', async () => {
      const { instance } = bridge({}, [rejected]);

      await expect(instance.handle(event('createVoiceCall'), context)).rejects.toMatchObject({
        code: 'SALESFORCE_REJECTED',
      });
    });
  });
});
