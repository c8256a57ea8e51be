import type { Context } from 'aws-lambda';
import type { Attributes } from './attributes.ts';
import { type BridgeConfig, readConfig } from './config.ts';
import { openEarlyConnection } from './early-connection.ts';
import { asBridgeError, type BridgeError } from './errors.ts';

/**
 * The Lambda entry point, kept small so it runs at once: it reads the configuration (once per container), opens the
 * TLS connection to the configured Salesforce host, and only then imports the rest of the function (the AWS SDK,
 * undici, jose), whose loading the handshake's round trips overlap. The rest warms up during init (top-level await):
 * the key fetch, the first token, the HTTP client's code and a call rehearsed in memory (see `container.ts`). A bad
 * setting does not crash the container but fails every invocation with a CONFIG error naming the variable.
 */
const settings = readSettings(process.env);
const connection =
  !(settings instanceof Error) && settings.home.kind === 'env'
    ? openEarlyConnection(settings.home.settings.endpointBase)
    : undefined;
const { startContainer } = await import('./container.ts');
const handle = await startContainer(settings, connection);

export function handler(event: unknown, context: Context): Promise<Attributes> {
  return handle(event, context);
}

function readSettings(env: NodeJS.ProcessEnv): BridgeConfig | BridgeError {
  try {
    return readConfig(env);
  } catch (thrown) {
    return asBridgeError(thrown);
  }
}
