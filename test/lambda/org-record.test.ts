import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Deadline } from '../../lambda/src/deadline.ts';
import { type OrgRecord, OrgRecordStore } from '../../lambda/src/org-record.ts';
import { AwsEmulator, ORG_RECORD_BUCKET } from '../emulators/aws.ts';
import type * as S3Sdk from '../../lambda/src/org-record-sdk.ts';

/** The client configurations the S3 client module was asked for, in order. */
const made = vi.hoisted(() => ({ configs: [] as Record<string, unknown>[] }));
vi.mock('../../lambda/src/org-record-sdk.ts', async (importOriginal) => {
  const real = await importOriginal<typeof S3Sdk>();
  class S3Client extends real.S3Client {
    constructor(...args: ConstructorParameters<typeof real.S3Client>) {
      super(...args);
      made.configs.push(args[0] as Record<string, unknown>);
    }
  }
  return { ...real, S3Client };
});

const RECORD: OrgRecord = {
  contactId: 'c-1',
  secretName: 'sfdc/contact-centre/partner',
  timestamp: '2026-11-23T10:00:00.000Z',
  accessSecretName: 'sfdc/partner-access',
  voiceCallId: '0LQ5e000000AbCd',
};

let aws: AwsEmulator;

beforeAll(async () => {
  aws = await AwsEmulator.start();
});
afterEach(() => {
  vi.unstubAllEnvs();
  aws.heal();
  aws.resetCounts();
  aws.objects.clear();
});
afterAll(async () => {
  await aws?.close();
});

/**
 * A store for `setting` from a fresh import of its module — its S3 client made from the environment of the test: the
 * emulator's, with `endpoint` as the variable naming it (AWS_ENDPOINT_URL_S3, or AWS_ENDPOINT_URL for every service).
 */
async function store(folder?: string, endpoint: 'AWS_ENDPOINT_URL_S3' | 'AWS_ENDPOINT_URL' = 'AWS_ENDPOINT_URL_S3') {
  for (const [name, value] of Object.entries(aws.env)) vi.stubEnv(name, value);
  vi.stubEnv('AWS_PROFILE', undefined);
  vi.stubEnv('AWS_ENDPOINT_URL_S3', undefined);
  vi.stubEnv(endpoint, aws.endpoint);
  vi.resetModules();
  made.configs.length = 0;
  const fresh = await import('../../lambda/src/org-record.ts');
  return new fresh.OrgRecordStore({ bucket: ORG_RECORD_BUCKET, folder });
}

/** How `write` settled, and how long it took. */
async function write(records: OrgRecordStore, deadline = Deadline.in(5_000)) {
  const started = performance.now();
  const error = await records.write(RECORD, deadline).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  return { error, ms: performance.now() - started };
}

describe('Class: OrgRecordStore', () => {
  describe('Method: key', () => {
    it('is the contact id at the top of the bucket, or under the folder', () => {
      expect(new OrgRecordStore({ bucket: 'b', folder: undefined }).key('c-1')).toBe('c-1');
      expect(new OrgRecordStore({ bucket: 'b', folder: 'records/orgs' }).key('c-1')).toBe('records/orgs/c-1');
    });
  });

  describe('Method: prepare', () => {
    it("leaves the bucket in the host name (S3's own way) when no custom endpoint is set", async () => {
      await store();
      vi.stubEnv('AWS_ENDPOINT_URL_S3', undefined);
      vi.stubEnv('AWS_ENDPOINT_URL', undefined);
      vi.resetModules();
      made.configs.length = 0;
      const fresh = await import('../../lambda/src/org-record.ts');

      await new fresh.OrgRecordStore({ bucket: ORG_RECORD_BUCKET, folder: undefined }).prepare();

      expect(made.configs[0]).toMatchObject({ forcePathStyle: false });
    });

    it('makes the S3 client (path-style, two attempts) without writing anything', async () => {
      // Prepare
      const records = await store();
      const before = made.configs.length;

      // Act
      await records.prepare();
      await records.prepare();

      // Assess
      expect(before).toBe(0);
      expect(made.configs).toEqual([
        {
          maxAttempts: 2,
          requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
          credentials: expect.any(Function),
          forcePathStyle: true,
        },
      ]);
      expect(aws.counts.putObject).toBe(0);
    });
  });

  describe('Method: write', () => {
    it('puts the record as JSON at [folder/]<contactId>, with its content type', async () => {
      const records = await store('records/orgs');

      const { error } = await write(records);

      expect(error).toBeUndefined();
      expect(aws.objects.get(`${ORG_RECORD_BUCKET}/records/orgs/c-1`)).toMatchObject({
        body: JSON.stringify(RECORD),
        contentType: 'application/json',
      });
    });

    it('takes the bucket in the path when only AWS_ENDPOINT_URL names a custom endpoint', async () => {
      const records = await store(undefined, 'AWS_ENDPOINT_URL');

      const { error } = await write(records);

      expect(error).toBeUndefined();
      expect([...aws.objects.keys()]).toEqual([`${ORG_RECORD_BUCKET}/c-1`]);
    });

    it('tries once more after a failure: a write S3 refused once is stored', async () => {
      const records = await store();
      aws.failS3('InternalServerError');

      const { error } = await write(records);

      expect(error).toBeUndefined();
      expect(aws.counts.putObject).toBe(2);
    });

    describe('Rule: a failure names the bucket, the key and what failed, never the record', () => {
      it.each<[string, () => void, string]>([
        [
          'an AWS error',
          () => aws.failS3('AccessDeniedException', 'AccessDeniedException'),
          'AWS answered AccessDenied, HTTP 403',
        ],
        [
          'a bucket that does not exist',
          () => aws.buckets.delete(ORG_RECORD_BUCKET),
          'AWS answered NoSuchBucket, HTTP 404',
        ],
        ['a network fault', () => aws.failS3('reset', 'reset'), 'network error (ECONNRESET)'],
      ])('%s', async (_label, fault, why) => {
        // Prepare
        const records = await store('f');
        fault();

        // Act
        const { error } = await write(records);
        aws.buckets.add(ORG_RECORD_BUCKET);

        // Assess
        expect(error).toMatchObject({
          code: 'ORG_RECORD',
          message: `writing the org record s3://${ORG_RECORD_BUCKET}/f/c-1 (SECRET_CACHE_S3) failed: ${why}`,
        });
        expect(error?.message).not.toContain(RECORD.secretName);
        expect(error?.cause).toBeInstanceOf(Error);
      });
    });

    describe(`Rule: a write takes the deadline's time, and never more than 1.5 s`, () => {
      it("stops at the invocation's deadline", async () => {
        const records = await store();
        aws.failS3('stall');

        const { error, ms } = await write(records, Deadline.in(200));

        expect(error?.message).toBe(
          `writing the org record s3://${ORG_RECORD_BUCKET}/c-1 (SECRET_CACHE_S3) failed: no answer in time`,
        );
        expect(ms).toBeLessThan(1_000);
      });

      it('stops after 1.5 s when the invocation has longer', async () => {
        const records = await store();
        aws.failS3('stall');

        const { error, ms } = await write(records, Deadline.in(10_000));

        expect(error?.message).toMatch(/failed: no answer in time$/);
        expect(ms).toBeGreaterThanOrEqual(1_450);
        expect(ms).toBeLessThan(3_000);
      });
    });
  });
});
