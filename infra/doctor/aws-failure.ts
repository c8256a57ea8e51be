/** The SDK's failure under one of our errors (its `cause`), or the error itself. */
function sdkError(error: unknown): { name?: string; message?: string } {
  const cause = (error as { cause?: unknown })?.cause;
  return (cause ?? error ?? {}) as { name?: string; message?: string };
}

/** An AWS call that could not start: the SDK found no credentials, or no region. */
export interface AwsSetupProblem {
  /** `no AWS credentials` or `no AWS region`, for a check's detail. */
  readonly detail: string;
  /** What to set, and where. */
  readonly fix: string;
}

/**
 * What is missing when an AWS call failed before AWS could answer: the credentials (the SDK's
 * `CredentialsProviderError`, "Could not load credentials from any providers") or the region ("Region is missing").
 * Undefined for anything else (the caller knows what its own errors mean). The key sources report these as a network
 * error; the SDK's error is their `cause`.
 */
export function awsSetupProblem(error: unknown, envFile: string): AwsSetupProblem | undefined {
  const { name = '', message = '' } = sdkError(error);
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return {
      detail: 'no AWS credentials',
      fix: `set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) in ${envFile} or your shell, or run aws configure`,
    };
  }
  if (/Region is missing/i.test(message)) {
    return {
      detail: 'no AWS region',
      fix: `set AWS_REGION in ${envFile} or your shell (or use an AWS_PROFILE that has a region): the region of the Connect instance`,
    };
  }
  return undefined;
}

/** The AWS error's name and message, for a check's detail (AWS messages name resources, never secret values). */
export function describeAwsError(error: unknown): string {
  const setup = awsSetupProblem(error, '');
  if (setup) return setup.detail;
  const { name = 'Error', message = '' } = sdkError(error);
  return message ? `${name}: ${message}` : name;
}

/** True when AWS answered that the caller may not do this. */
export function isAccessDenied(error: unknown): boolean {
  const { name = '' } = sdkError(error);
  return /AccessDenied|UnauthorizedOperation|UnrecognizedClient|InvalidSignature|ExpiredToken/.test(name);
}

/** What to fix after an AWS call failed: the credentials or region, the permission for `action`, or try again. */
export function awsFix(error: unknown, envFile: string, action: string): string {
  const setup = awsSetupProblem(error, envFile);
  if (setup) return setup.fix;
  if (isAccessDenied(error)) return `let your AWS credentials call ${action}`;
  return 'run the doctor again; if it persists, check the network path to AWS';
}
