import type { Context } from 'aws-lambda';
import { type Attributes, errorAttributes } from './attributes.ts';
import { Bridge, forLambda } from './bridge.ts';
import { readConfig } from './config.ts';
import { asBridgeError, type BridgeError } from './errors.ts';
import { methodOf } from './event.ts';
import { Logger } from './logger.ts';
import { metricFields } from './metrics.ts';

/**
 * The Lambda entry point. Configuration is read once, when Lambda loads the module; a bad setting does not crash the
 * container but fails every invocation with a CONFIG error naming the variable. The key fetch and the TLS connection
 * are started during init (top-level await), so the first call finds both ready.
 */
const container = start(process.env);
if (container instanceof Bridge) await container.warmUp();

export async function handler(event: unknown, context: Context): Promise<Attributes> {
  if (container instanceof Bridge) return container.handle(event, context);
  new Logger('INFO').with({ requestId: context?.awsRequestId }).error('not routed', {
    errorType: container.code,
    errorMessage: container.message,
    ...metricFields(methodOf(event), container.code, { latencyMs: 0, salesforceMs: 0, keyFetches: 0, retries: 0 }),
  });
  if (process.env.ON_ERROR?.trim().toLowerCase() === 'attributes') {
    return errorAttributes(container);
  }
  throw forLambda(container);
}

function start(env: NodeJS.ProcessEnv): Bridge | BridgeError {
  try {
    return new Bridge(readConfig(env));
  } catch (thrown) {
    const error = asBridgeError(thrown);
    new Logger('INFO').error('configuration invalid: every invocation will fail', {
      errorType: error.code,
      errorMessage: error.message,
    });
    return error;
  }
}
