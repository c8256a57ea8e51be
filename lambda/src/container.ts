import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'aws-lambda';
import { type Attributes, errorAttributes } from './attributes.ts';
import type { BridgeConfig } from './config.ts';
import { Deadline, WARM_UP_BUDGET_MS } from './deadline.ts';
import { type BridgeError, forLambda } from './errors.ts';
import { methodOf } from './event.ts';
import { Logger } from './logger.ts';
import { metricFields } from './metrics.ts';
import { operationOf } from './operations.ts';

/** The longest init waits for the key read's request to get under way before it loads the bridge regardless. */
const KEY_REQUEST_HEAD_START_MS = 50;

/**
 * A first invocation handed over within this long of init's end waited for init (Lambda's runtime asks for the next
 * invocation the moment init is over); one that comes later found the container ready (provisioned concurrency, or a
 * container started ahead).
 */
export const INVOKED_DURING_INIT_MS = 100;

/** What the entry's `handler` calls for every invocation. */
export type Handle = (event: unknown, context: Context) => Promise<Attributes>;

/**
 * The rest of the container's init, loaded by the entry once it has opened the Salesforce connection. It loads the
 * key store's client first and starts reading the function's own org (the key fetch is then on the wire while the
 * rest loads), then the bridge — the HTTP client, the token signer, the mappings — and warms it up. With a bad setting
 * the container does not crash: every invocation fails with the CONFIG error naming the variable (as attributes when
 * `ON_ERROR=attributes`).
 *
 * @param settings - the configuration, or the error reading it
 * @param connection - the TLS connection to the configured Salesforce host the entry opened, if any
 */
export async function startContainer(
  settings: BridgeConfig | BridgeError,
  connection?: Promise<Socket | undefined>,
): Promise<Handle> {
  if (settings instanceof Error) return failing(settings);
  const { orgCacheFor } = await import('./key/orgs.ts');
  const orgs = orgCacheFor(settings);
  await orgs.prepareHome().catch(() => undefined); // whatever failed fails the read too, where it is reported
  const deadline = Deadline.in(WARM_UP_BUDGET_MS);
  const home = orgs.get(undefined, deadline);
  await underWay(home);
  const { Bridge } = await import('./bridge.ts');
  const bridge = new Bridge(settings, undefined, orgs);
  await bridge.warmUp({ deadline, home, connection });
  const ready = performance.now();
  let first = true;
  return (event, context) => {
    // An invocation that arrives as init ends is the one that started the container: Connect has been waiting since
    // before the process started (performance.now() counts from then), and its block's timeout with it.
    const waitedForInit = first && performance.now() - ready < INVOKED_DURING_INIT_MS;
    first = false;
    return bridge.handle(event, context, waitedForInit ? performance.now() : 0);
  };
}

/**
 * Settles once the key read's HTTP request is under way — the SDK needs a few turns of the event loop to get there
 * (settings, credentials, signing, the connection), which compiling the bridge would hold up — or the read is over,
 * or {@link KEY_REQUEST_HEAD_START_MS} has passed. Node publishes the start of every HTTP client request on the
 * `http.client.request.start` diagnostics channel; during init the key read is the only one.
 */
export async function underWay(read: Promise<unknown>): Promise<void> {
  const timer = new AbortController();
  let onStart = () => {};
  const started = new Promise<void>((resolve) => (onStart = resolve));
  subscribe('http.client.request.start', onStart);
  try {
    await Promise.race([
      started,
      read.then(
        () => undefined,
        () => undefined,
      ),
      sleep(KEY_REQUEST_HEAD_START_MS, undefined, { signal: timer.signal }).catch(() => undefined),
    ]);
  } finally {
    unsubscribe('http.client.request.start', onStart);
    timer.abort();
  }
  await nextTurn();
}

async function failing(error: BridgeError): Promise<Handle> {
  new Logger('INFO').error('configuration invalid: every invocation will fail', {
    errorType: error.code,
    errorMessage: error.message,
  });
  return async (event, context) => {
    const method = methodOf(event);
    const said = method === 'unknown' ? 'failed' : operationOf(method).messages.failed;
    new Logger('INFO').with({ requestId: context?.awsRequestId }).error(said, {
      errorType: error.code,
      errorMessage: error.message,
      ...metricFields(method, error.code, { latencyMs: 0, salesforceMs: 0, keyFetches: 0, retries: 0 }),
    });
    if (process.env.ON_ERROR?.trim().toLowerCase() === 'attributes') return errorAttributes(error);
    throw forLambda(error);
  };
}
