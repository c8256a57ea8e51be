/** The parts of the AWS SDK's S3 client that `org-record.ts` uses, loaded only when `SECRET_CACHE_S3` is set. */
export { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
