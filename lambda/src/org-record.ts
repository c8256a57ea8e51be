import type { OrgRecordSetting } from './config.ts';
import type { Deadline } from './deadline.ts';
import { OrgRecordError } from './errors.ts';
import { lazyClient, SDK_CLIENT_CONFIG } from './key/sdk-config.ts';

/**
 * What Salesforce's post-call Lambdas (analysis, transcripts) read to find a contact's org: the object
 * `[folder/]<contactId>` in the `SECRET_CACHE_S3` bucket, as Salesforce's function writes it.
 */
export interface OrgRecord {
  readonly contactId: string;
  /** The contact-centre secret of the contact's org. */
  readonly secretName: string;
  /** When the record was written (ISO 8601). */
  readonly timestamp: string;
  readonly accessSecretName?: string;
  /** The VoiceCall a create made; absent from updateCache's record. */
  readonly voiceCallId?: string;
}

/** The longest a record's write may take, however much of the invocation is left: it must not cost the call. */
export const ORG_RECORD_TIMEOUT_MS = 1_500;

const s3 = lazyClient(async () => {
  const sdk = await import('./org-record-sdk.ts');
  const client = new sdk.S3Client({
    ...SDK_CLIENT_CONFIG,
    maxAttempts: 2,
    // A custom endpoint (S3-compatible storage, a local emulator) takes the bucket in the path, not in the host name.
    forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL),
  });
  return { sdk, client };
});

/**
 * Writes contacts' org records to S3 (`SECRET_CACHE_S3`). The S3 client (`@aws-sdk/client-s3`) is loaded with the
 * first write, or by {@link prepare} at init: a function without the setting never loads it.
 */
export class OrgRecordStore {
  constructor(readonly setting: OrgRecordSetting) {}

  /** The object key of `contactId`'s record. */
  key(contactId: string): string {
    return this.setting.folder === undefined ? contactId : `${this.setting.folder}/${contactId}`;
  }

  /** Loads the S3 client, so the first write's request leaves at once. */
  async prepare(): Promise<void> {
    await s3();
  }

  /**
   * Puts `record` as JSON, within `deadline` and {@link ORG_RECORD_TIMEOUT_MS}.
   * @throws {OrgRecordError} naming the bucket, the key and what failed (never the record's content)
   */
  async write(record: OrgRecord, deadline: Deadline): Promise<void> {
    const where = `s3://${this.setting.bucket}/${this.key(record.contactId)} (SECRET_CACHE_S3)`;
    const signal = AbortSignal.timeout(Math.max(1, Math.min(deadline.remaining(), ORG_RECORD_TIMEOUT_MS)));
    try {
      const { sdk, client } = await s3();
      await client.send(
        new sdk.PutObjectCommand({
          Bucket: this.setting.bucket,
          Key: this.key(record.contactId),
          Body: JSON.stringify(record),
          ContentType: 'application/json',
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      throw new OrgRecordError(`writing the org record ${where} failed: ${why(error, signal)}`, { cause: error });
    }
  }
}

function why(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'no answer in time';
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  if (status !== undefined) return `AWS answered ${name ?? 'an error'}, HTTP ${status}`;
  return `network error (${code ?? name ?? 'no code'})`;
}
