import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { MAX_FLOW_BLOCK_TIMEOUT_SECONDS, type OnError } from '../lambda/src/config.ts';

/** Properties of {@link OmniFlowBridge}: where the function reads its configuration and key, and how it is run and watched. */
export interface OmniFlowBridgeProps {
  /** The Amazon Connect instance that invokes the function: `arn:aws:connect:<region>:<account>:instance/<id>`. */
  readonly connectInstanceArn: string;
  /**
   * Salesforce's contact-centre secret, a Secrets Manager name or ARN (`SECRET_NAME`): JSON holding the org id,
   * the SCRT endpoint, the call center's API name and its private key. Granted `secretsmanager:GetSecretValue`. With
   * it, `scrtEndpointBase`, `salesforceOrgId` and `callCenterApiName` are optional (given ones win over the
   * secret's fields) and neither `privateKeyParameterName` nor `privateKeySecretArn` may be given.
   * @default none: the settings come from props and the key from `privateKeyParameterName` / `privateKeySecretArn`
   */
  readonly secretName?: string;
  /**
   * `https://<MyDomain>.my.salesforce-scrt.com/telephony/v1` (`SCRT_ENDPOINT_BASE`).
   * @default the contact-centre secret's field (required without `secretName`)
   */
  readonly scrtEndpointBase?: string;
  /** The Salesforce org id (`SALESFORCE_ORG_ID`). @default the contact-centre secret's field (required without `secretName`) */
  readonly salesforceOrgId?: string;
  /** The Salesforce call center's API name (`CALL_CENTER_API_NAME`). @default the contact-centre secret's field (required without `secretName`) */
  readonly callCenterApiName?: string;
  /** SSM SecureString (name or ARN; a `:version` or `:label` selector is kept in the setting, not in the grant) holding the private key. @default none */
  readonly privateKeyParameterName?: string;
  /** Secrets Manager secret ARN (complete, or without the random suffix) holding the private key. @default none */
  readonly privateKeySecretArn?: string;
  /**
   * Other orgs' contact-centre secrets (ARNs, complete or partial) that a call may select with its `secretName`
   * parameter or attribute. Granted GetSecretValue on exactly these.
   * @default none
   */
  readonly orgSecretArns?: readonly string[];
  /**
   * A secret-name prefix (no wildcards) for other orgs' secrets, granted as `arn:…:secret:<prefix>*` in the
   * function's account and region.
   * @default none
   */
  readonly orgSecretNamePrefix?: string;
  /** Customer managed KMS key encrypting the parameter or secrets; grants `kms:Decrypt` through those services only. @default none (AWS managed key) */
  readonly kmsKeyArn?: string;
  /**
   * Where the function writes each contact's org record (`SECRET_CACHE_S3`, Salesforce's own setting): after a
   * created VoiceCall whose call named a secret, and for `updateCache`, it puts `{contactId, secretName, …}` at
   * `<bucket>/[<orgRecordFolder>/]<contactId>` for Salesforce's other Lambdas to find the contact's org. A bucket
   * name, or a bucket of your app. Granted `s3:PutObject` on that folder's objects only: no read, no list. A bucket
   * encrypted with a customer managed KMS key needs `kms:GenerateDataKey` on it: given as an `IBucket` with its
   * `encryptionKey`, the role gets it (through S3 only); with a name, add it to `role` yourself.
   * @default none: no org records are written
   */
  readonly orgRecordBucket?: string | IBucket;
  /**
   * The key prefix under `orgRecordBucket`, without a leading or trailing slash (`connect/org-records`).
   * @default none: the records are written at the bucket's top level
   */
  readonly orgRecordFolder?: string;
  /** @default 'amazon-connect' */
  readonly telephonyProviderName?: string;
  /** @default none: Salesforce uses the phone channel's flow */
  readonly defaultFlowDevName?: string;
  /** @default none */
  readonly defaultFallbackQueue?: string;
  /** @default 'throw' */
  readonly onError?: OnError;
  /**
   * The "Invoke AWS Lambda function" block's timeout, 1–8 whole seconds (`FLOW_BLOCK_TIMEOUT_SECONDS`): the function
   * gives up before it. The deployed sample flow's blocks get the same `InvocationTimeLimitSeconds`.
   * @default 8
   */
  readonly flowBlockTimeoutSeconds?: number;
  /** Where alarms (and their recovery) are sent. @default no actions */
  readonly alarmTopic?: ITopic;
  /** Failed calls in 5 minutes (the function's `Errors` metric, in both error modes) that raise the alarm. @default 1 */
  readonly errorAlarmThreshold?: number;
  /** Share (0–1] of executeOmniFlow calls not routed to an agent or queue, for 15 minutes, that raises the alarm. @default 0.2 */
  readonly notRoutedAlarmRatio?: number;
  /** AWS X-Ray active tracing. @default false */
  readonly tracing?: boolean;
  /** Provisioned concurrency on the `live` alias: no cold starts for that many concurrent calls. @default 0 */
  readonly provisionedConcurrency?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default 256 (see the README: CPU share for TLS and RSA signing at a negligible cost) */
  readonly memorySize?: number;
  /** The folder holding the built `index.mjs`. @default this package's `dist/lambda` (wherever the app runs from) */
  readonly codePath?: string;
  /**
   * Also deploy the sample flows — the inbound and transfer entry flows and the routing subflows they enter — wired to
   * the `live` alias, sending unrouted calls to this queue (`name`: the routing subflow's name, the others' are it plus
   * ` transfer`, ` entry` and ` transfer entry`; `nameSuffix`: appended to every name).
   * @default not deployed
   */
  readonly inboundFlow?: { readonly fallbackQueueArn: string; readonly name?: string; readonly nameSuffix?: string };
}

/** The parts of an Amazon Connect instance ARN. */
export interface ConnectInstance {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly instanceId: string;
}

const CONNECT_INSTANCE_ARN = /^arn:(aws[a-z-]*):connect:([a-z0-9-]+):(\d{12}):instance\/([0-9a-f-]{36})$/;

/** Reads `arn:aws:connect:<region>:<account>:instance/<id>`; undefined for anything else. */
export function parseConnectInstanceArn(arn: string): ConnectInstance | undefined {
  const match = CONNECT_INSTANCE_ARN.exec(arn);
  return match ? { partition: match[1]!, region: match[2]!, account: match[3]!, instanceId: match[4]! } : undefined;
}

/** Connect's longest "Invoke AWS Lambda function" timeout (the function's own constant), and the default of `flowBlockTimeoutSeconds`. */
export { MAX_FLOW_BLOCK_TIMEOUT_SECONDS };
export const DEFAULT_MEMORY_MB = 256;
export const DEFAULT_ERROR_ALARM_THRESHOLD = 1;
export const DEFAULT_NOT_ROUTED_ALARM_RATIO = 0.2;
/** p99 duration above this share of the block's timeout raises the duration alarm, before calls start failing. */
export const DURATION_ALARM_SHARE = 0.75;

/** The org-record bucket's name: the one given, or the bucket's (a token for a bucket of this app). */
export function orgRecordBucketName(props: Pick<OmniFlowBridgeProps, 'orgRecordBucket'>): string | undefined {
  const bucket = props.orgRecordBucket;
  return bucket === undefined || typeof bucket === 'string' ? bucket : bucket.bucketName;
}

/** `SECRET_CACHE_S3`: `bucket` or `bucket/folder`, as Salesforce's function reads it. */
function orgRecordSetting(props: OmniFlowBridgeProps): string | undefined {
  const bucket = orgRecordBucketName(props);
  if (bucket === undefined) return undefined;
  return props.orgRecordFolder ? `${bucket}/${props.orgRecordFolder}` : bucket;
}

/** The function's environment for these props. */
export function settings(props: OmniFlowBridgeProps): Record<string, string> {
  const env: Record<string, string | undefined> = {
    SECRET_NAME: props.secretName,
    SCRT_ENDPOINT_BASE: props.scrtEndpointBase,
    SALESFORCE_ORG_ID: props.salesforceOrgId,
    CALL_CENTER_API_NAME: props.callCenterApiName,
    PRIVATE_KEY_PARAM_NAME: props.privateKeyParameterName,
    PRIVATE_KEY_SECRET_ID: props.privateKeySecretArn,
    TELEPHONY_PROVIDER_NAME: props.telephonyProviderName,
    DEFAULT_FLOW_DEV_NAME: props.defaultFlowDevName,
    DEFAULT_FALLBACK_QUEUE: props.defaultFallbackQueue,
    ON_ERROR: props.onError,
    FLOW_BLOCK_TIMEOUT_SECONDS: String(props.flowBlockTimeoutSeconds ?? MAX_FLOW_BLOCK_TIMEOUT_SECONDS),
    SECRET_CACHE_S3: orgRecordSetting(props),
  };
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Maps each setting the function reads to the prop that feeds it, so a refusal names the prop. */
export const PROP_OF_VARIABLE: Readonly<Record<string, keyof OmniFlowBridgeProps>> = {
  SECRET_NAME: 'secretName',
  SCRT_ENDPOINT_BASE: 'scrtEndpointBase',
  SALESFORCE_ORG_ID: 'salesforceOrgId',
  CALL_CENTER_API_NAME: 'callCenterApiName',
  PRIVATE_KEY_PARAM_NAME: 'privateKeyParameterName',
  PRIVATE_KEY_SECRET_ID: 'privateKeySecretArn',
  TELEPHONY_PROVIDER_NAME: 'telephonyProviderName',
  DEFAULT_FLOW_DEV_NAME: 'defaultFlowDevName',
  DEFAULT_FALLBACK_QUEUE: 'defaultFallbackQueue',
  ON_ERROR: 'onError',
  FLOW_BLOCK_TIMEOUT_SECONDS: 'flowBlockTimeoutSeconds',
  SECRET_CACHE_S3: 'orgRecordBucket',
};
