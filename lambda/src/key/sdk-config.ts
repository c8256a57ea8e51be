import { fromEnv } from '@aws-sdk/credential-provider-env';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The credentials Lambda gives the function — the execution role's, in `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`
 * and `AWS_SESSION_TOKEN` — read by the SDK's own `fromEnv`. Handing them to the clients keeps the SDK's default
 * chain (and the code it would load) off the init path. Undefined, so the clients fall back to that chain, when the
 * environment holds no keys or names a profile (`AWS_PROFILE` wins over keys in the SDK's chain too).
 */
export function environmentCredentials(env: Env = process.env): ReturnType<typeof fromEnv> | undefined {
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY || env.AWS_PROFILE) return undefined;
  return fromEnv();
}

/**
 * AWS SDK client settings shared by both key sources. Retries are ours (see `OrgCache`): the SDK's own backoff
 * sleeps cannot be cut short by the invocation's deadline, so the SDK makes exactly one attempt per call.
 */
export const SDK_CLIENT_CONFIG = {
  maxAttempts: 1,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
  credentials: environmentCredentials(),
} as const;

/**
 * The SDK client a key store reads with, made by `load` on first use and then shared by every read in the container.
 * `load` imports the client's module (and makes the client with {@link SDK_CLIENT_CONFIG}), so a function whose keys
 * are elsewhere never loads it. A failed `load` is not tried again.
 */
export function lazyClient<T>(load: () => Promise<T>): () => Promise<T> {
  let client: Promise<T> | undefined;
  return () => (client ??= load());
}
