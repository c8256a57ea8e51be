import { generateKeyPairSync } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Bridge, KEEP_WARM_ANSWER } from '../../lambda/src/bridge.ts';
import { readConfig } from '../../lambda/src/config.ts';
import { OrgCache } from '../../lambda/src/key/cache.ts';
import type { Org, OrgSource } from '../../lambda/src/key/source.ts';
import { Logger } from '../../lambda/src/logger.ts';
import type { OrgRecord, OrgRecordStore } from '../../lambda/src/org-record.ts';
import type { HttpAnswer, SalesforceClient } from '../../lambda/src/salesforce-client.ts';
import { TokenStock } from '../../lambda/src/token-stock.ts';
import keepWarm from '../events/keep-warm.json' with { type: 'json' };

const ENV = {
  SCRT_ENDPOINT_BASE: 'https://acme.my.salesforce-scrt.com/telephony/v1',
  SALESFORCE_ORG_ID: '00DKz000001AbCdEAA',
  CALL_CENTER_API_NAME: 'ConnectCallCenter',
  PRIVATE_KEY_PARAM_NAME: '/connect/key',
};
const KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const org = (orgId = ENV.SALESFORCE_ORG_ID): Org => ({
  settings: { endpointBase: ENV.SCRT_ENDPOINT_BASE, orgId, callCenterApiName: ENV.CALL_CENTER_API_NAME },
  key: KEY,
});
const CONTACT_ID = '4a573372-1f28-4e26-b97b-0c7f2b3d9e61';
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:bridge';
const context = { awsRequestId: 'r-1', invokedFunctionArn: FUNCTION_ARN, getRemainingTimeInMillis: () => 5_000 };
const CONTEXT = context as unknown as Context;

/** A Connect event for `methodName` with these parameters and contact attributes. */
function event(methodName: string, parameters: Record<string, unknown> = {}, attributes: Record<string, string> = {}) {
  return {
    Details: {
      ContactData: {
        ContactId: CONTACT_ID,
        SystemEndpoint: { Address: '+18445791189' },
        CustomerEndpoint: { Address: '+12065550199' },
        Attributes: attributes,
      },
      Parameters: { methodName, ...parameters },
    },
  };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpAnswer => ({
  status,
  headers,
  body: JSON.stringify(body),
});

interface Options {
  readonly env?: Record<string, string | undefined>;
  /** What the in-memory Salesforce answers, in turn (an Error fails the transport); then 200 `{}`. */
  readonly answers?: (HttpAnswer | Error)[];
  /** The function's own org's source. @default one that loads {@link org} */
  readonly home?: OrgSource;
  readonly ttlMs?: number;
  readonly now?: () => number;
  /** Where org records go: kept in `records`, or refused with `fail`. @default none (SECRET_CACHE_S3 unset) */
  readonly records?: { readonly written: OrgRecord[]; readonly fail?: string };
}

/** A bridge over an in-memory Salesforce and key store, whose log lines are kept (parsed) and whose requests are. */
function bridge({ env = {}, answers = [], home, ttlMs = 60_000, now, records }: Options = {}) {
  const lines: Record<string, unknown>[] = [];
  const sent: { base: string; resource: string; body: unknown }[] = [];
  const client = {
    async send(_method: string, base: string, resource: string, body: string | undefined): Promise<HttpAnswer> {
      sent.push({ base, resource, body: body && JSON.parse(body) });
      const next = answers.shift() ?? json(200, {});
      if (next instanceof Error) throw next;
      return next;
    },
  } as unknown as SalesforceClient;
  const perCall: string[] = [];
  const homeSource = home ?? { description: 'in memory', load: async () => org() };
  const orgs = new OrgCache(homeSource, {
    ttlMs,
    now,
    sourceFor: (name) => {
      perCall.push(name);
      return { description: `secret ${name}`, load: async () => org('00DKz000009ZzZzEAA') };
    },
  });
  const config = readConfig({ ...ENV, ...env });
  const logger = new Logger(config.logLevel, (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  const store =
    records &&
    ({
      write: async (record: OrgRecord) => {
        if (records.fail) throw new Error(records.fail);
        records.written.push(record);
      },
    } as unknown as OrgRecordStore);
  const instance = new Bridge(config, logger, orgs, client, new TokenStock({ mintAhead: false }), store);
  return { instance, lines, sent, perCall, orgs };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('Class: Bridge', () => {
  describe('Method: handle', () => {
    it('answers a keep-warm ping at once, with one DEBUG line and no call', async () => {
      // Prepare
      const { instance, lines, sent } = bridge({ env: { LOG_LEVEL: 'DEBUG' } });

      // Act
      const answer = await instance.handle(keepWarm, CONTEXT);

      // Assess
      expect(answer).toEqual({ status: 'WARM' });
      expect(answer).toBe(KEEP_WARM_ANSWER);
      expect(sent).toEqual([]);
      expect(lines).toEqual([
        expect.objectContaining({ level: 'DEBUG', message: 'keep-warm ping answered', requestId: 'r-1' }),
      ]);
    });

    it('logs one INFO summary of a routed call: what it did, its timings and its metrics', async () => {
      // Prepare
      const { instance, lines } = bridge({ answers: [json(200, { agent: '005xx' })] });

      // Act
      const attributes = await instance.handle(event('executeOmniFlow'), CONTEXT);

      // Assess
      expect(attributes).toMatchObject({ status: 'OK', routingTarget: 'AGENT', agent: '005xx' });
      expect(lines).toHaveLength(1);
      const [line] = lines as [Record<string, unknown> & { ms: Record<string, number> }];
      expect(line).toMatchObject({
        level: 'INFO',
        message: 'routed',
        requestId: 'r-1',
        contactId: CONTACT_ID,
        routingTarget: 'AGENT',
        Method: 'executeOmniFlow',
        Outcome: 'AGENT',
        Errors: 0,
        NotRouted: 0,
        KeyFetches: 1,
        Retries: 0,
        orgId: ENV.SALESFORCE_ORG_ID,
        attempts: 1,
        retries: { notSent: 0, maybeProcessed: 0 },
        keyFetched: true,
      });
      expect(line).not.toHaveProperty('staleKey');
      expect(line).not.toHaveProperty('orgRecord');
      expect(Object.keys(line.ms)).toEqual(['key', 'sign', 'http', 'total']);
      for (const ms of Object.values(line.ms)) {
        expect(ms).toBeGreaterThanOrEqual(0);
        expect(ms).toBeLessThan(5_000);
        expect(Math.round(ms * 10) / 10).toBe(ms);
      }
      expect(line.ms.total).toBeGreaterThanOrEqual(line.ms.sign);
      expect(line.Latency).toBe(line.ms.total);
    });

    it('counts the key fetch once: a second call takes the cached key', async () => {
      const { instance, lines } = bridge();

      await instance.handle(event('executeOmniFlow'), CONTEXT);
      await instance.handle(event('executeOmniFlow'), CONTEXT);

      expect(lines.map((line) => [line.keyFetched, line.KeyFetches])).toEqual([
        [true, 1],
        [false, 0],
      ]);
    });

    it('counts retries of both kinds in Retries', async () => {
      const reset = Object.assign(new Error('reset'), { code: 'ECONNRESET' });
      const { instance, lines } = bridge({ answers: [json(503, {}), reset, json(200, { queue: 'Q' })] });

      await instance.handle(event('executeOmniFlow'), CONTEXT);

      expect(lines[0]).toMatchObject({ retries: { notSent: 1, maybeProcessed: 1 }, Retries: 2, attempts: 3 });
    });

    it('logs the summary of a method that routes nothing without a routing target, its outcome OK', async () => {
      const { instance, lines } = bridge();

      await instance.handle(event('cancelOmniFlowExecution'), CONTEXT);

      expect(lines[0]).toMatchObject({ message: 'routed', Outcome: 'OK' });
      expect(lines[0]).not.toHaveProperty('routingTarget');
      expect(lines[0]).not.toHaveProperty('NotRouted');
    });

    it("logs a VoiceCall method's summary as done", async () => {
      const { instance, lines } = bridge({ answers: [json(201, { voiceCallId: '0LQ1' })] });

      await instance.handle(event('createVoiceCall'), CONTEXT);

      expect(lines[0]).toMatchObject({ level: 'INFO', message: 'done', Outcome: 'OK', OrgRecordFailures: 0 });
    });

    it('logs what the request builder dropped as WARN lines before the summary, with the contact and the method', async () => {
      const { instance, lines } = bridge();

      await instance.handle(event('executeOmniFlow', { flowInputParameters: 'not json' }), CONTEXT);

      expect(lines.map((line) => [line.level, line.message])).toEqual([
        ['WARN', 'Details.Parameters.flowInputParameters dropped: it is not a JSON object'],
        ['INFO', 'routed'],
      ]);
      expect(lines[0]).toMatchObject({ contactId: CONTACT_ID, Method: 'executeOmniFlow', requestId: 'r-1' });
    });

    it('says WARN, and why, when the call was served with a key past its cache TTL', async () => {
      // Prepare: a key read at 0, then a store that fails, and the clock past the TTL
      let now = 0;
      let reads = 0;
      const home: OrgSource = {
        description: 'in memory',
        load: async () => {
          if (reads++ > 0) throw new Error('the store is down');
          return org();
        },
      };
      const { instance, lines } = bridge({ home, ttlMs: 1_000, now: () => now });
      await instance.handle(event('executeOmniFlow'), CONTEXT);
      now = 2_000;

      // Act
      await instance.handle(event('executeOmniFlow'), CONTEXT);

      // Assess
      expect(lines[1]).toMatchObject({
        level: 'WARN',
        message: 'routed with a key past its cache TTL',
        staleKey: 'the store is down',
        KeyFetches: 0,
      });
    });

    describe('Rule: a failure is one ERROR summary, then thrown (with a one-line stack) or answered as attributes', () => {
      it('throws the category with its message', async () => {
        const { instance, lines } = bridge({ answers: [json(400, { errors: ['bad field'] })] });

        const thrown = (await instance.handle(event('executeOmniFlow'), CONTEXT).catch((e: unknown) => e)) as Error;

        expect(thrown).toMatchObject({
          code: 'SALESFORCE_REJECTED',
          message: 'Salesforce rejected the request (400): bad field',
        });
        expect(thrown.stack).toBe('SALESFORCE_REJECTED: Salesforce rejected the request (400): bad field');
        expect(lines).toEqual([
          expect.objectContaining({
            level: 'ERROR',
            message: 'not routed',
            contactId: CONTACT_ID,
            errorType: 'SALESFORCE_REJECTED',
            errorMessage: 'Salesforce rejected the request (400): bad field',
            Outcome: 'SALESFORCE_REJECTED',
            Errors: 1,
            NotRouted: 1,
            attempts: 1,
          }),
        ]);
        expect(lines[0]).not.toHaveProperty('cause');
        expect(lines[0]).not.toHaveProperty('routingTarget');
      });

      it('answers error attributes with ON_ERROR=attributes', async () => {
        const { instance } = bridge({
          env: { ON_ERROR: 'attributes' },
          answers: [json(400, { errors: ['bad field'] })],
        });

        const answer = await instance.handle(event('executeOmniFlow'), CONTEXT);

        expect(answer).toEqual({
          status: 'ERROR',
          routingTarget: 'NONE',
          agent: '',
          queue: '',
          errorType: 'SALESFORCE_REJECTED',
          errorMessage: 'Salesforce rejected the request (400): bad field',
        });
      });

      it('logs the stack of an INTERNAL failure as its cause', async () => {
        const home: OrgSource = {
          description: 'in memory',
          load: async () => {
            throw new RangeError('a defect');
          },
        };
        const { instance, lines } = bridge({ home });

        await expect(instance.handle(event('executeOmniFlow'), CONTEXT)).rejects.toMatchObject({ code: 'INTERNAL' });

        expect(lines[0]).toMatchObject({
          errorType: 'INTERNAL',
          cause: expect.stringMatching(/^RangeError: a defect\n\s+at /),
        });
      });

      it('logs an INTERNAL failure whose cause has no stack by the cause itself', async () => {
        const home: OrgSource = {
          description: 'in memory',
          load: async () => {
            throw 'a string';
          },
        };
        const { instance, lines } = bridge({ home });

        await instance.handle(event('executeOmniFlow'), CONTEXT).catch(() => undefined);

        expect(lines[0]).toMatchObject({ errorType: 'INTERNAL', cause: 'a string' });
      });

      it('logs an INTERNAL failure without a cause as "undefined"', async () => {
        const home: OrgSource = {
          description: 'in memory',
          load: async () => {
            throw undefined;
          },
        };
        const { instance, lines } = bridge({ home });

        await expect(instance.handle(event('executeOmniFlow'), CONTEXT)).rejects.toMatchObject({ code: 'INTERNAL' });

        expect(lines[0]).toMatchObject({ errorType: 'INTERNAL', cause: 'undefined' });
      });

      it('names an event it cannot read, with no contact and the method unknown', async () => {
        const { instance, lines } = bridge();

        await expect(
          instance.handle({ Details: { Parameters: { methodName: 'nonsense' } } }, undefined),
        ).rejects.toMatchObject({ code: 'BAD_EVENT' });

        expect(lines[0]).toMatchObject({
          level: 'ERROR',
          message: 'failed',
          Method: 'unknown',
          errorType: 'BAD_EVENT',
        });
        expect(lines[0]).not.toHaveProperty('contactId');
        expect(lines[0]).not.toHaveProperty('requestId');
      });
    });

    describe("Rule: a per-call secret that names the function's own contact-centre secret is served as its own org", () => {
      const OWN = 'sfdc/acme';
      const SECRET_ENV = {
        SECRET_NAME: OWN,
        SCRT_ENDPOINT_BASE: undefined,
        SALESFORCE_ORG_ID: undefined,
        CALL_CENTER_API_NAME: undefined,
        PRIVATE_KEY_PARAM_NAME: undefined,
      };

      it.each([
        ['its name', OWN],
        [
          'its ARN in the function’s own region and account',
          `arn:aws:secretsmanager:us-east-1:123456789012:secret:${OWN}`,
        ],
      ])('by %s', async (_label, secretName) => {
        vi.stubEnv('AWS_REGION', 'us-east-1');
        const { instance, perCall, lines } = bridge({ env: SECRET_ENV });

        await instance.handle(event('executeOmniFlow', { secretName }), CONTEXT);

        expect(perCall).toEqual([]);
        expect(lines[0]).toMatchObject({ orgId: ENV.SALESFORCE_ORG_ID });
      });

      it.each([
        ['another secret', 'sfdc/partner'],
        ['its ARN in another account', `arn:aws:secretsmanager:us-east-1:999999999999:secret:${OWN}`],
        ['its ARN in another region', `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${OWN}`],
      ])('but not %s', async (_label, secretName) => {
        vi.stubEnv('AWS_REGION', 'us-east-1');
        const { instance, perCall } = bridge({ env: SECRET_ENV });

        await instance.handle(event('executeOmniFlow', { secretName }), CONTEXT);

        expect(perCall).toEqual([secretName]);
      });

      it('takes the account from the invoked ARN only: without a context, an ARN is another org', async () => {
        vi.stubEnv('AWS_REGION', 'us-east-1');
        const { instance, perCall } = bridge({ env: SECRET_ENV });
        const arn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${OWN}`;

        await instance.handle(event('executeOmniFlow', { secretName: arn }), undefined);

        expect(perCall).toEqual([arn]);
      });

      it('keeps a per-call secret as it is when the function is configured from the environment', async () => {
        const { instance, perCall } = bridge();

        await instance.handle(event('executeOmniFlow', { secretName: OWN }), CONTEXT);

        expect(perCall).toEqual([OWN]);
      });
    });

    describe("Rule: a contact's org record is written only by the methods whose row says so", () => {
      const PARTNER = 'sfdc/partner';
      const created = json(201, { voiceCallId: '0LQ1' });

      it('records a create with a per-call secret, and says so in the summary', async () => {
        const written: OrgRecord[] = [];
        const { instance, lines } = bridge({
          env: { SECRET_CACHE_S3: 'records' },
          answers: [created],
          records: { written },
        });

        await instance.handle(
          event('createVoiceCall', {}, { secretName: PARTNER, accessSecretName: 'sfdc/access' }),
          CONTEXT,
        );

        expect(written).toEqual([
          {
            contactId: CONTACT_ID,
            secretName: PARTNER,
            timestamp: expect.any(String),
            accessSecretName: 'sfdc/access',
            voiceCallId: '0LQ1',
          },
        ]);
        expect(lines.at(-1)).toMatchObject({ orgRecord: 'written', OrgRecordFailures: 0 });
      });

      it('records only the contact, the secret and the time for updateCache', async () => {
        const written: OrgRecord[] = [];
        const { instance } = bridge({ env: { SECRET_CACHE_S3: 'records' }, records: { written } });

        await instance.handle(event('updateCache', {}, { secretName: PARTNER }), CONTEXT);

        expect(written.map((record) => Object.keys(record))).toEqual([['contactId', 'secretName', 'timestamp']]);
      });

      it('records nothing for a routing call, though it names a per-call secret', async () => {
        const written: OrgRecord[] = [];
        const { instance } = bridge({ env: { SECRET_CACHE_S3: 'records' }, records: { written } });

        await instance.handle(event('executeOmniFlow', { secretName: PARTNER }), CONTEXT);

        expect(written).toEqual([]);
      });

      it('answers a create with a per-call secret when no SECRET_CACHE_S3 is set: there is nowhere to record it', async () => {
        const { instance } = bridge({ answers: [created] });

        const attributes = await instance.handle(event('createVoiceCall', {}, { secretName: PARTNER }), CONTEXT);

        expect(attributes).toEqual({ voiceCallId: '0LQ1', status: 'OK' });
      });

      it('warns, naming the contact and why, when the record of a create cannot be written', async () => {
        const { instance, lines } = bridge({
          env: { SECRET_CACHE_S3: 'records' },
          answers: [created],
          records: { written: [], fail: 'S3 is down' },
        });

        await instance.handle(event('createVoiceCall', {}, { secretName: PARTNER }), CONTEXT);

        expect(lines[0]).toMatchObject({
          level: 'WARN',
          message: 'org record not written',
          contactId: CONTACT_ID,
          reason: 'unexpected failure inside the bridge (see the function log)',
        });
      });
    });
  });
});
