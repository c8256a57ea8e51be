/**
 * AWS SDK client settings shared by both key sources. Retries are ours (see `KeyCache`): the SDK's own backoff
 * sleeps cannot be cut short by the invocation's deadline, so the SDK makes exactly one attempt per call.
 */
export const SDK_CLIENT_CONFIG = {
  maxAttempts: 1,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
} as const;
