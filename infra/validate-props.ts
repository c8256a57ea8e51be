import { Token } from 'aws-cdk-lib';
import { isSecretId, readConfig } from '../lambda/src/config.ts';
import { ConfigError } from '../lambda/src/errors.ts';
import { InvalidSettingError } from './errors.ts';
import { SECRET_ARN, SECRET_NAME } from './key-grants.ts';
import {
  type ConnectInstance,
  DEFAULT_ERROR_ALARM_THRESHOLD,
  DEFAULT_MEMORY_MB,
  DEFAULT_NOT_ROUTED_ALARM_RATIO,
  MAX_FLOW_BLOCK_TIMEOUT_SECONDS,
  type OmniFlowBridgeProps,
  PROP_OF_VARIABLE,
  orgRecordBucketName,
  parseConnectInstanceArn,
  settings,
} from './omniflow-bridge-props.ts';

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/;
const SECRET_ARN_SHAPE = '(arn:aws:secretsmanager:<region>:<account>:secret:<name>)';
/** S3's rules for a general purpose bucket's name: 3–63 characters, no `..`, not shaped like an IPv4 address. */
const BUCKET_NAME = /^(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** A key prefix: no slash at either end, no empty segment, and none of IAM's wildcards, which would widen the grant. */
const KEY_PREFIX = /^(?!\/)(?!.*\/\/)(?!.*\/$)[^*?\p{Cc}]+$/u;

/**
 * Checks the props before anything is created and returns the Connect instance they name. The function's settings
 * go through the function's own `readConfig`, so synth refuses exactly what the function would refuse at run
 * time — named by prop. Throws {@link InvalidSettingError} naming the prop.
 *
 * @param stackRegion - the region of the stack the construct is in: refused when it is known (not a token) and is
 *   not the instance's, since the stack associates the function with the instance in its own region
 */
export function validateProps(props: OmniFlowBridgeProps, stackRegion: string): ConnectInstance {
  const fail = (message: string): never => {
    throw new InvalidSettingError(`OmniFlowBridge: ${message}`);
  };
  const instance = parseConnectInstanceArn(props.connectInstanceArn);
  if (!instance) {
    fail(
      'connectInstanceArn must be an Amazon Connect instance ARN (arn:aws:connect:<region>:<account>:instance/<id>)',
    );
  }
  if (!Token.isUnresolved(stackRegion) && stackRegion !== instance!.region) {
    fail(
      `the stack is in ${stackRegion} but the Connect instance (connectInstanceArn) is in ${instance!.region}: deploy the stack to ${instance!.region}, where the instance can be associated with the function`,
    );
  }
  if (props.secretName !== undefined) {
    if (!isSecretId(props.secretName)) {
      fail(
        `secretName must be a Secrets Manager secret name (1–512 of letters, digits and /_+=.@-) or ARN ${SECRET_ARN_SHAPE}`,
      );
    }
    if (props.privateKeyParameterName || props.privateKeySecretArn) {
      fail('secretName holds the private key: do not also set privateKeyParameterName or privateKeySecretArn');
    }
  }
  if (props.privateKeySecretArn && !SECRET_ARN.test(props.privateKeySecretArn)) {
    fail(`privateKeySecretArn must be a Secrets Manager secret ARN ${SECRET_ARN_SHAPE}`);
  }
  (props.orgSecretArns ?? []).forEach((arn, i) => {
    if (!SECRET_ARN.test(arn)) fail(`orgSecretArns[${i}] must be a Secrets Manager secret ARN ${SECRET_ARN_SHAPE}`);
  });
  const prefix = props.orgSecretNamePrefix;
  if (prefix !== undefined && !SECRET_NAME.test(prefix)) {
    fail(
      'orgSecretNamePrefix must be the start of a secret name, 1–512 of letters, digits and /_+=.@- without * or ?: an empty or wildcard prefix would grant every secret in the account',
    );
  }
  if (props.kmsKeyArn && !KMS_KEY_ARN.test(props.kmsKeyArn)) {
    fail('kmsKeyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)');
  }
  validateOrgRecordProps(props, fail);
  const blockTimeout = props.flowBlockTimeoutSeconds ?? MAX_FLOW_BLOCK_TIMEOUT_SECONDS;
  if (!Number.isInteger(blockTimeout) || blockTimeout < 1 || blockTimeout > MAX_FLOW_BLOCK_TIMEOUT_SECONDS) {
    fail(`flowBlockTimeoutSeconds must be a whole number of seconds from 1 to ${MAX_FLOW_BLOCK_TIMEOUT_SECONDS}`);
  }
  const errorThreshold = props.errorAlarmThreshold ?? DEFAULT_ERROR_ALARM_THRESHOLD;
  if (!Number.isInteger(errorThreshold) || errorThreshold < 1) fail('errorAlarmThreshold must be a whole number ≥ 1');
  const ratio = props.notRoutedAlarmRatio ?? DEFAULT_NOT_ROUTED_ALARM_RATIO;
  if (!(ratio > 0 && ratio <= 1)) fail('notRoutedAlarmRatio must be a share of calls above 0 and at most 1');
  const concurrency = props.provisionedConcurrency ?? 0;
  if (!Number.isInteger(concurrency) || concurrency < 0) fail('provisionedConcurrency must be a whole number ≥ 0');
  const memory = props.memorySize ?? DEFAULT_MEMORY_MB;
  if (!Number.isInteger(memory) || memory < 128 || memory > 10_240)
    fail('memorySize must be a whole number of MB from 128 to 10240');
  const env = settings(props);
  // A bucket of this app is named by CloudFormation, validly: the other settings are still checked.
  if (Token.isUnresolved(env.SECRET_CACHE_S3)) delete env.SECRET_CACHE_S3;
  if (Object.values(env).some((value) => Token.isUnresolved(value))) return instance!;
  try {
    readConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    fail(
      error.message.replace(/\b[A-Z][A-Z_]+[A-Z]\b/g, (name) =>
        PROP_OF_VARIABLE[name] ? `${PROP_OF_VARIABLE[name]} (${name})` : name,
      ),
    );
  }
  return instance!;
}

function validateOrgRecordProps(props: OmniFlowBridgeProps, fail: (message: string) => never): void {
  const bucket = orgRecordBucketName(props);
  if (bucket === undefined) {
    if (props.orgRecordFolder !== undefined) fail('orgRecordFolder needs orgRecordBucket, the bucket it is in');
    return;
  }
  if (!Token.isUnresolved(bucket)) {
    if (bucket.includes('/')) fail("orgRecordBucket is the bucket's name alone: give the folder as orgRecordFolder");
    if (!BUCKET_NAME.test(bucket)) {
      fail(
        'orgRecordBucket must be an S3 bucket name: 3–63 of lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, without two dots in a row, not an IP address',
      );
    }
  }
  if (props.orgRecordFolder !== undefined && !KEY_PREFIX.test(props.orgRecordFolder)) {
    fail(
      'orgRecordFolder must be a key prefix without a slash at either end, an empty segment (//), a wildcard (* or ?) or a control character',
    );
  }
}
