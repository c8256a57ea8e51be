import type { Context } from 'aws-lambda';
import { type Attributes, errorAttributes } from './attributes.ts';
import type { BridgeConfig, KeySourceSetting } from './config.ts';
import { Deadline, SAFETY_MARGIN_MS } from './deadline.ts';
import { asBridgeError, type BridgeError } from './errors.ts';
import { parseEvent } from './event.ts';
import { KeyCache } from './key/cache.ts';
import { SecretsManagerKeySource } from './key/secrets-manager.ts';
import type { KeySource } from './key/source.ts';
import { SsmKeySource } from './key/ssm.ts';
import { Logger } from './logger.ts';
import { executeOmniFlow, newTrace, type OmniFlowDeps, type Trace } from './omni-flow.ts';
import { SalesforceClient } from './salesforce-client.ts';
import { mintToken } from './token.ts';

/** How long Lambda's init phase (10 s at most) may spend warming up; past it the first call does the rest. */
export const WARM_UP_BUDGET_MS = 3_000;

/** The answer to a keep-warm ping. */
export const KEEP_WARM_ANSWER: Attributes = { status: 'WARM' };

/**
 * One container's bridge: the configuration, the key cache and the connection pool, created once at init and reused
 * by every invocation. `handle` chains event → request → key → token → call → attributes.
 */
export class Bridge {
  readonly keys: KeyCache;
  readonly client: SalesforceClient;
  readonly #deps: OmniFlowDeps;

  constructor(
    readonly config: BridgeConfig,
    readonly logger: Logger = new Logger(config.logLevel),
  ) {
    this.keys = new KeyCache(keySource(config.keySource), { ttlMs: config.keyCacheTtlMs });
    this.client = new SalesforceClient(config);
    this.#deps = { keys: this.keys, client: this.client, claims: config };
  }

  /**
   * Does the first call's one-time work during Lambda's init phase, side by side: fetches and parses the key (then
   * signs once, to warm the RS256 path), opens the TLS connection, and runs the HTTP client's code once on loopback.
   * Never throws: whatever fails here, the first call simply does itself.
   */
  async warmUp(budgetMs: number = WARM_UP_BUDGET_MS): Promise<void> {
    const deadline = Deadline.in(budgetMs);
    const started = performance.now();
    const signOnce = async () => mintToken((await this.keys.get(deadline)).key, this.config);
    const [key, connection] = await Promise.allSettled([
      signOnce(),
      this.client.preconnect(deadline),
      SalesforceClient.warmHttpPath(),
    ]);
    this.logger.info('container ready', {
      key: key.status === 'fulfilled' ? 'ready' : asBridgeError(key.reason).message,
      connection: connection.status === 'fulfilled' && connection.value ? 'open' : 'not open',
      ms: Math.round(performance.now() - started),
    });
  }

  async handle(event: unknown, context: Context | undefined): Promise<Attributes> {
    const deadline = Deadline.fromContext(context);
    // Every step honours `deadline`; this second, later one settles the handler even if a layer below does not.
    const hardStop = new Deadline(deadline.at + SAFETY_MARGIN_MS / 2);
    const started = performance.now();
    const log = this.logger.with({ requestId: context?.awsRequestId });
    const trace = newTrace();
    let contactId: string | undefined;
    try {
      const invocation = parseEvent(event, this.config);
      if (invocation.kind === 'keep-warm') {
        log.debug('keep-warm ping answered');
        return KEEP_WARM_ANSWER;
      }
      contactId = invocation.request.callId;
      const attributes = await hardStop.race(
        executeOmniFlow(invocation.request, this.#deps, { deadline, trace, log }),
        'routing the call',
      );
      log.info('routed', { contactId, routingTarget: attributes.routingTarget, ...summary(trace, started) });
      return attributes;
    } catch (thrown) {
      const error = asBridgeError(thrown);
      log.error('not routed', {
        contactId,
        errorType: error.code,
        errorMessage: error.message,
        ...(error.code === 'INTERNAL'
          ? { cause: String((error.cause as Error | undefined)?.stack ?? error.cause) }
          : {}),
        ...summary(trace, started),
      });
      if (this.config.onError === 'attributes') return errorAttributes(error);
      throw forLambda(error);
    }
  }
}

function keySource(setting: KeySourceSetting): KeySource {
  return setting.kind === 'ssm' ? new SsmKeySource(setting.name) : new SecretsManagerKeySource(setting.id);
}

function summary(trace: Trace, started: number) {
  const ms = (n: number) => Math.round(n * 10) / 10;
  return {
    attempts: trace.attempts,
    keyFetched: trace.keyFetched,
    ms: {
      key: ms(trace.ms.key),
      sign: ms(trace.ms.sign),
      http: ms(trace.ms.http),
      total: ms(performance.now() - started),
    },
  };
}

/**
 * The error as Lambda should report it: `errorType` = the category, `errorMessage` = the message, and a one-line
 * stack — these are expected outcomes, and their frames would only bury the message in the function log.
 */
export function forLambda(error: BridgeError): BridgeError {
  error.stack = `${error.name}: ${error.message}`;
  return error;
}
