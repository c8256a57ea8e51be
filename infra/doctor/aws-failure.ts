/** The SDK's failure under one of our errors (its `cause`), or the error itself. */
function sdkError(error: unknown): { name?: string; message?: string } {
  const cause = (error as { cause?: unknown })?.cause;
  return (cause ?? error ?? {}) as { name?: string; message?: string };
}

/**
 * What to fix when an AWS call failed before AWS could answer: no credentials or no region. Undefined for anything
 * else (the caller knows what its own errors mean).
 */
export function awsSetupFix(error: unknown, envFile: string): string | undefined {
  const { name = '', message = '' } = sdkError(error);
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return `no AWS credentials were found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) in ${envFile} or your shell`;
  }
  if (/Region is missing/i.test(message)) return `set AWS_REGION in ${envFile}: the region of the Connect instance`;
  return undefined;
}

/** The AWS error's name and message, for a check's detail (AWS messages name resources, never secret values). */
export function describeAwsError(error: unknown): string {
  const { name = 'Error', message = '' } = sdkError(error);
  if (name === 'CredentialsProviderError') return 'no AWS credentials';
  return message ? `${name}: ${message}` : name;
}

/** True when AWS answered that the caller may not do this. */
export function isAccessDenied(error: unknown): boolean {
  const { name = '' } = sdkError(error);
  return /AccessDenied|UnauthorizedOperation|UnrecognizedClient|InvalidSignature|ExpiredToken/.test(name);
}

/** What to fix after an AWS call failed: the credentials or region, the permission for `action`, or try again. */
export function awsFix(error: unknown, envFile: string, action: string): string {
  const setup = awsSetupFix(error, envFile);
  if (setup) return setup;
  if (isAccessDenied(error)) return `let your AWS credentials call ${action}`;
  return 'run the doctor again; if it persists, check the network path to AWS';
}
