import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AwsEmulator, ORG_RECORD_BUCKET, sdkEnv } from './aws.ts';
import { objectBytes, s3RequestProblem } from './aws-s3.ts';

const RECORD = JSON.stringify({ contactId: 'c-1', secretName: 'sfdc/contact-centre/acme', timestamp: '2026-11-23' });

let aws: AwsEmulator;
/** Configured by the environment alone, as the function's client is (AWS_ENDPOINT_URL_S3); one attempt, no retries. */
let s3: S3Client;

beforeAll(async () => {
  aws = await AwsEmulator.start();
});
afterAll(async () => {
  await aws?.close();
});
beforeEach(() => {
  for (const [name, value] of Object.entries(aws.env)) vi.stubEnv(name, value);
  s3 = new S3Client({ forcePathStyle: true, maxAttempts: 1 });
});
afterEach(() => {
  s3.destroy();
  vi.unstubAllEnvs();
  aws.heal();
  aws.resetCounts();
  aws.objects.clear();
});

/** The S3 error code (`<Code>`) and HTTP status a PutObject failed with. */
async function failure(put: Promise<unknown>): Promise<[string, number | undefined]> {
  const error = await put.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof S3ServiceException)) throw new Error(`expected an S3 error, got ${String(error)}`);
  return [error.name, error.$metadata.httpStatusCode];
}

const put = (input: { Bucket?: string; Key?: string; Body?: string | Readable; ContentLength?: number } = {}) =>
  s3.send(
    new PutObjectCommand({
      Bucket: ORG_RECORD_BUCKET,
      Key: 'folder/c-1',
      Body: RECORD,
      ContentType: 'application/json',
      ...input,
    }),
  );

describe('Class: AwsEmulator, S3 PutObject', () => {
  it('sdkEnv points S3 at the endpoint too', () => {
    expect(sdkEnv('http://127.0.0.1:1', 'a', 'b')).toMatchObject({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1' });
  });

  it('stores the object under bucket/key with its content type, and answers its MD5 as the ETag', async () => {
    // Act
    const answer = await put();

    // Assess
    const md5 = createHash('md5').update(RECORD).digest('hex');
    expect(answer.ETag).toBe(`"${md5}"`);
    expect(aws.objects.get(`${ORG_RECORD_BUCKET}/folder/c-1`)).toEqual({
      body: RECORD,
      contentType: 'application/json',
      etag: `"${md5}"`,
    });
    expect(aws.counts).toMatchObject({ putObject: 1, unsigned: 0 });
  });

  it('decodes a streamed body the SDK sends aws-chunked, with a trailing checksum', async () => {
    const body = Readable.from([Buffer.from('{"contactId":'), Buffer.from('"c-2"}')]);

    await put({ Key: 'c-2', Body: body, ContentLength: 19 });

    expect(aws.objects.get(`${ORG_RECORD_BUCKET}/c-2`)?.body).toBe('{"contactId":"c-2"}');
  });

  it('answers 404 NoSuchBucket for a bucket not in `buckets`, and stores once it is added', async () => {
    const refused = await failure(put({ Bucket: 'someone-elses-bucket' }));
    aws.buckets.add('someone-elses-bucket');
    await put({ Bucket: 'someone-elses-bucket' });

    expect(refused).toEqual(['NoSuchBucket', 404]);
    expect([...aws.objects.keys()]).toEqual(['someone-elses-bucket/folder/c-1']);
  });

  it('refuses an unsigned PUT with 403 AccessDenied and counts it', async () => {
    const answer = await fetch(`${aws.endpoint}/${ORG_RECORD_BUCKET}/c-1`, { method: 'PUT', body: RECORD });

    expect(answer.status).toBe(403);
    expect(await answer.text()).toContain('<Code>AccessDenied</Code>');
    expect(aws.counts).toMatchObject({ unsigned: 1, putObject: 0 });
    expect(aws.objects.size).toBe(0);
  });

  it.each([
    ['InternalServerError', 'InternalError', 500],
    ['ThrottlingException', 'SlowDown', 503],
    ['AccessDeniedException', 'AccessDenied', 403],
  ] as const)('fails the next PutObject with a fault queued by fail(%s): %s %d', async (fault, code, status) => {
    aws.fail(fault);

    const failed = await failure(put());
    await put();

    expect(failed).toEqual([code, status]);
    expect(aws.counts.putObject).toBe(2);
    expect(aws.objects.size).toBe(1);
  });

  it('resets the connection for a queued reset, storing nothing', async () => {
    aws.fail('reset');

    await expect(put()).rejects.toThrow();

    expect(aws.objects.size).toBe(0);
  });

  it('failS3 fails S3 only: SSM answers in between, the PutObject after it fails', async () => {
    // Prepare
    aws.parameters.set('/p', 'value');
    aws.failS3('AccessDeniedException');
    const ssm = new SSMClient({ maxAttempts: 1 });

    // Act
    const parameter = await ssm.send(new GetParameterCommand({ Name: '/p', WithDecryption: true }));
    const failed = await failure(put());
    ssm.destroy();

    // Assess
    expect(parameter.Parameter?.Value).toBe('value');
    expect(failed).toEqual(['AccessDenied', 403]);
  });
});

describe('Function: s3RequestProblem', () => {
  const signedFor = (service: string) => ({
    authorization: `AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
  });

  it('gives the bucket and the decoded key of a path-style PUT', () => {
    expect(s3RequestProblem('PUT', '/bucket/folder/a%20b', signedFor('s3'))).toEqual({
      bucket: 'bucket',
      key: 'folder/a b',
    });
  });

  it.each([
    ['signed for another service', 'PUT', '/bucket/k', signedFor('ssm'), 'AuthorizationHeaderMalformed'],
    ['without x-amz-content-sha256', 'PUT', '/bucket/k', { authorization: signedFor('s3').authorization }, 'Invalid'],
    ['a GET', 'GET', '/bucket/k', signedFor('s3'), 'NotImplemented'],
    ['a PUT without a key (CreateBucket)', 'PUT', '/bucket', signedFor('s3'), 'NotImplemented'],
  ])('refuses a request %s', (_, method, path, headers, code) => {
    const answer = s3RequestProblem(method, path, headers);

    expect('xml' in answer && answer.xml).toContain(`<Code>${code}`);
  });
});

describe('Function: objectBytes', () => {
  const chunked = { 'content-encoding': 'aws-chunked' };

  it('decodes signed chunks', () => {
    const body = Buffer.from(
      '5;chunk-signature=ab\r\nhello\r\n1;chunk-signature=cd\r\n!\r\n0;chunk-signature=ef\r\n\r\n',
    );

    expect(objectBytes(chunked, body)).toEqual(Buffer.from('hello!'));
  });

  it('refuses a chunk longer than the body', () => {
    const answer = objectBytes(chunked, Buffer.from('ff\r\nshort\r\n'));

    expect(Buffer.isBuffer(answer) ? '' : answer.xml).toContain('<Code>IncompleteBody</Code>');
  });

  it('keeps a body that is not aws-chunked as it is', () => {
    expect(objectBytes({}, Buffer.from('5\r\nhello\r\n0\r\n\r\n'))).toEqual(Buffer.from('5\r\nhello\r\n0\r\n\r\n'));
  });
});
