import { type IRole, type Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { type OmniFlowBridgeProps, orgRecordBucketName } from './omniflow-bridge-props.ts';
import { wildcardPolicy } from './wildcard-policy.ts';

/** `arn:<partition>:s3:::<bucket>/<folder>/*` (or `…:::<bucket>/*`): the objects the function may write. */
export function orgRecordObjects(partition: string, bucket: string, folder?: string): string {
  return `arn:${partition}:s3:::${bucket}/${folder ? `${folder}/` : ''}*`;
}

/**
 * Lets the role write the contacts' org records (`orgRecordBucket`, `orgRecordFolder`): `s3:PutObject` on the
 * folder's objects and nothing else of S3, since the function neither reads nor lists them. The key of each record is
 * a contact id, known at run time, so the wildcard is the grant itself: it gets a policy of its own where that one
 * finding is acknowledged. A bucket given with its customer managed key also gets `kms:GenerateDataKey` on the key,
 * through S3 only: under SSE-KMS, S3 asks KMS for the object's data key with the writer's permissions (a single-part
 * PutObject needs no `kms:Decrypt`). Returns the policy, or undefined without a bucket.
 */
export function grantOrgRecordWrite(
  scope: Construct,
  role: IRole,
  partition: string,
  props: Pick<OmniFlowBridgeProps, 'orgRecordBucket' | 'orgRecordFolder'>,
): Policy | undefined {
  const bucket = orgRecordBucketName(props);
  if (bucket === undefined) return undefined;
  const objects = orgRecordObjects(partition, bucket, props.orgRecordFolder);
  const statements = [new PolicyStatement({ actions: ['s3:PutObject'], resources: [objects] })];
  const key = typeof props.orgRecordBucket === 'object' ? props.orgRecordBucket.encryptionKey : undefined;
  if (key) {
    statements.push(
      new PolicyStatement({
        actions: ['kms:GenerateDataKey'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${key.env.region}.amazonaws.com` } },
      }),
    );
  }
  return wildcardPolicy(scope, 'OrgRecords', {
    role,
    statements,
    wildcard: objects,
    reason:
      'orgRecordBucket: the function writes one object per contact, named by its contact id at run time (s3:PutObject only).',
  });
}
