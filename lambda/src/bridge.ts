import type { Socket } from 'node:net';
import type { Context } from 'aws-lambda';
import { type Attributes, errorAttributes, type RoutingTarget } from './attributes.ts';
import type { BridgeConfig } from './config.ts';
import { Deadline, monotonicNow, SAFETY_MARGIN_MS, WARM_UP_BUDGET_MS } from './deadline.ts';
import { openEarlyConnection } from './early-connection.ts';
import { asBridgeError, ConfigError, forLambda } from './errors.ts';
import { type CallRequest, methodOf, parseEvent } from './event.ts';
import { type CachedOrg, OrgCache } from './key/cache.ts';
import { orgCacheFor } from './key/orgs.ts';
import { accountOf, sameSecret } from './key/secret-ids.ts';
import type { Org, OrgSource } from './key/source.ts';
import { Logger } from './logger.ts';
import { metricFields, type Outcome } from './metrics.ts';
import { type Operation, operationOf } from './operations.ts';
import { OrgRecordStore } from './org-record.ts';
import { callSalesforce, newTrace, type CallDeps, type Trace } from './salesforce-call.ts';
import { SalesforceClient } from './salesforce-client.ts';
import { TokenStock } from './token-stock.ts';

/** What the container has already started when it warms the bridge up. */
export interface WarmUpOptions {
  /** When init's warm-up must be over (the budget the container started the key read with). */
  readonly deadline: Deadline;
  /** The read of the function's own org, which the container started. */
  readonly home: Promise<CachedOrg>;
  /** The TLS connection to the configured `SCRT_ENDPOINT_BASE` the entry opened. @default none: opened here */
  readonly connection?: Promise<Socket | undefined>;
}

/** The call the warm-up rehearses: an inbound call, as Connect's flow block sends it. */
const REHEARSAL_EVENT = {
  Details: {
    ContactData: { ContactId: 'warm-up', Channel: 'VOICE', SystemEndpoint: { Address: '+10000000000' } },
    Parameters: { methodName: 'executeOmniFlow' },
  },
};

/** The answer to a keep-warm ping. */
export const KEEP_WARM_ANSWER: Attributes = { status: 'WARM' };
/** The answer of a method that only writes the contact's org record (updateCache). */
const ORG_RECORD_ANSWER: Attributes = { status: 'OK' };
/** The summary line of an event whose method cannot be told. */
const UNKNOWN_METHOD_MESSAGES = { done: 'done', failed: 'failed', what: 'serving the call' } as const;

/**
 * One container's bridge: the configuration, the per-org cache (settings and keys) and the connection pools, created
 * once at init and reused by every invocation. `handle` chains event → request → org and key → token → call →
 * attributes.
 */
export class Bridge implements CallDeps {
  /**
   * @param orgs - the per-org cache, when the container made it first (to start the key fetch early)
   * @param client - the HTTP client (an in-memory one for the warm-up's rehearsal)
   * @param tokens - the tokens minted ahead (the rehearsal's mints none ahead)
   * @param orgRecords - where contacts' org records go (`SECRET_CACHE_S3`), if anywhere
   */
  constructor(
    readonly config: BridgeConfig,
    readonly logger: Logger = new Logger(config.logLevel, undefined, undefined, config.summaryLogLevel),
    readonly orgs: OrgCache = orgCacheFor(config),
    readonly client: SalesforceClient = new SalesforceClient(config),
    readonly tokens: TokenStock = new TokenStock(),
    readonly orgRecords: OrgRecordStore | undefined = config.orgRecords && new OrgRecordStore(config.orgRecords),
  ) {}

  /**
   * Does the first call's one-time work during Lambda's init phase, side by side: reads the function's own org and
   * parses its key, then mints the first call's token; takes the TLS connection the entry opened to its Salesforce
   * host, or opens one as soon as the host is known (from the contact-centre secret); and runs the HTTP client's code
   * in memory while the key is read, then rehearses a whole call in memory once it is; and loads the S3 client when
   * org records are written. Never throws: whatever fails here, the first call simply does itself.
   */
  async warmUp({ deadline, home, connection }: WarmUpOptions): Promise<void> {
    const startedAt = performance.now();
    const knownHost = this.config.home.kind === 'env' ? this.config.home.settings.endpointBase : undefined;
    const preconnect = async () => {
      const endpointBase = knownHost ?? (await home).org.settings.endpointBase;
      // The entry's connection, or (none, or it failed) one opened now; taken whenever it is up, init waiting for it
      // until the warm-up's deadline at most.
      const opened = (await connection) ?? (await openEarlyConnection(endpointBase));
      return opened !== undefined && this.client.adopt(endpointBase, opened);
    };
    const firstToken = async () => this.tokens.prepare((await home).org);
    const rehearsal = async () => {
      await SalesforceClient.warmHttpPath();
      return this.#rehearse((await home).org);
    };
    const [key, open, rehearsed] = await Promise.allSettled([
      firstToken(),
      deadline.race(preconnect(), 'opening the Salesforce connection'),
      rehearsal(),
      this.orgRecords?.prepare(),
    ]);
    this.logger.info('container ready', {
      key: key.status === 'fulfilled' ? 'ready' : asBridgeError(key.reason).message,
      connection: open.status === 'fulfilled' && open.value ? 'open' : 'not open',
      rehearsal: rehearsed.status === 'fulfilled' ? rehearsed.value : 'failed',
      ms: Math.round(performance.now() - startedAt),
    });
  }

  /**
   * Serves one invocation.
   * @param spentMs - what the block's timeout has already lost before the handler ran: the container's init, when
   *   this invocation waited for it (Connect's clock runs from its invoke, Lambda's only from the handler)
   */
  async handle(event: unknown, context: Context | undefined, spentMs = 0): Promise<Attributes> {
    const blockLeftMs = this.config.flowBlockTimeoutMs - spentMs;
    const deadline = Deadline.fromContext(context, SAFETY_MARGIN_MS, monotonicNow, blockLeftMs);
    // Every step honours `deadline`; this second, later one settles the handler even if a layer below does not.
    const hardStop = new Deadline(deadline.at + SAFETY_MARGIN_MS / 2);
    const started = performance.now();
    const log = this.logger.with({ requestId: context?.awsRequestId });
    const trace = newTrace();
    let contactId: string | undefined;
    const method = methodOf(event);
    const operation: Operation | undefined = method === 'unknown' ? undefined : operationOf(method);
    const said = operation?.messages ?? UNKNOWN_METHOD_MESSAGES;
    try {
      const invocation = parseEvent(event, this.config);
      if (invocation.kind === 'keep-warm') {
        log.debug('keep-warm ping answered');
        return KEEP_WARM_ANSWER;
      }
      const { request, warnings } = invocation;
      contactId = request.callId;
      for (const warning of warnings) log.warn(warning, { contactId, Method: method });
      const attributes = await hardStop.race(this.#serve(request, context, deadline, trace, log), said.what);
      const outcome: Outcome = operation?.routes ? (attributes.routingTarget as RoutingTarget) : 'OK';
      const fields = {
        contactId,
        ...(operation?.routes ? { routingTarget: attributes.routingTarget } : {}),
        ...summary(method, outcome, trace, started),
      };
      if (trace.staleKey) log.summary('WARN', `${said.done} with a key past its cache TTL`, fields);
      else log.summary('INFO', said.done, fields);
      return attributes;
    } catch (thrown) {
      const error = asBridgeError(thrown);
      log.summary('ERROR', said.failed, {
        contactId,
        errorType: error.code,
        errorMessage: error.message,
        ...(error.code === 'INTERNAL'
          ? { cause: String((error.cause as Error | undefined)?.stack ?? error.cause) }
          : {}),
        ...summary(method, error.code, trace, started),
      });
      if (this.config.onError === 'attributes' || operation?.failure === 'answer') return errorAttributes(error);
      throw forLambda(error);
    } finally {
      deadline.release();
    }
  }

  /**
   * Serves one request: the call its row makes (for the org the request names), then the contact's org record where
   * the row writes one. A record that cannot be written after Salesforce accepted the call is a warning, counted in
   * the trace: it never fails that call.
   */
  async #serve(
    request: CallRequest,
    context: Context | undefined,
    deadline: Deadline,
    trace: Trace,
    log: Logger,
  ): Promise<Attributes> {
    const operation = operationOf(request.method);
    const attributes = operation.call
      ? await callSalesforce(this.#perCall(request, context), this, { deadline, trace, log })
      : ORG_RECORD_ANSWER;
    const { secretName } = request;
    if (operation.orgRecord === undefined || (secretName === undefined && operation.orgRecord === 'after-success')) {
      return attributes;
    }
    if (this.orgRecords === undefined) {
      if (operation.orgRecord === 'only') {
        throw new ConfigError(`${request.method} needs SECRET_CACHE_S3: the S3 bucket (and folder) for org records`);
      }
      return attributes;
    }
    const record = {
      contactId: request.callId,
      secretName: secretName!,
      timestamp: new Date().toISOString(),
      ...(operation.orgRecord === 'after-success'
        ? { accessSecretName: request.accessSecretName, voiceCallId: attributes.voiceCallId }
        : {}),
    };
    try {
      await this.orgRecords.write(record, deadline);
      trace.orgRecord = 'written';
    } catch (error) {
      if (operation.orgRecord === 'only') throw error;
      trace.orgRecord = 'failed';
      log.warn('org record not written', { contactId: request.callId, reason: asBridgeError(error).message });
    }
    return attributes;
  }

  /**
   * Routes one call the way `handle` does — event, org and key, token, request, answer, log line — with `org` (the
   * function's own, as loaded), but to an in-memory Salesforce, with a cache, tokens and a log of its own that nobody
   * reads: the code of the whole handler path runs once during init instead of on the first call. Touches neither
   * Salesforce, nor the key store, nor the network.
   */
  async #rehearse(org: Org): Promise<string> {
    const loaded: OrgSource = { description: 'the rehearsal', load: async () => org };
    const orgs = new OrgCache(loaded, { ttlMs: WARM_UP_BUDGET_MS, sourceFor: () => loaded });
    const silent = new Logger(this.config.logLevel, () => {});
    const client = SalesforceClient.inMemory(this.config);
    try {
      const tokens = new TokenStock({ mintAhead: false });
      const answer = await new Bridge(this.config, silent, orgs, client, tokens).handle(REHEARSAL_EVENT, undefined);
      return `routed in memory (${answer.routingTarget ?? answer.status})`;
    } finally {
      await client.close();
    }
  }

  /**
   * The request with a per-call secret that names the function's own contact-centre secret — by its name or its ARN —
   * taken as the home org, so the settings' overrides apply and the secret is not read a second time.
   */
  #perCall(request: CallRequest, context: Context | undefined): CallRequest {
    const { home } = this.config;
    if (home.kind !== 'secret' || request.secretName === undefined) return request;
    const known = {
      region: process.env.AWS_REGION,
      account: accountOf(context?.invokedFunctionArn),
      arn: this.orgs.home.arn,
    };
    return sameSecret(request.secretName, home.secretName, known) ? { ...request, secretName: undefined } : request;
  }
}

/** The invocation's log fields: what it did, its timings, and its metrics (CloudWatch EMF). */
function summary(method: string, outcome: Outcome, trace: Trace, started: number) {
  const ms = (n: number) => Math.round(n * 10) / 10;
  const latencyMs = performance.now() - started;
  return {
    ...metricFields(method, outcome, {
      latencyMs,
      salesforceMs: trace.ms.http,
      keyFetches: trace.keyFetched ? 1 : 0,
      retries: trace.retries.notSent + trace.retries.maybeProcessed,
      orgRecordFailures: trace.orgRecord === 'failed' ? 1 : 0,
    }),
    orgId: trace.orgId,
    attempts: trace.attempts,
    retries: trace.retries,
    keyFetched: trace.keyFetched,
    ...(trace.staleKey ? { staleKey: trace.staleKey } : {}),
    ...(trace.orgRecord ? { orgRecord: trace.orgRecord } : {}),
    ms: {
      key: ms(trace.ms.key),
      sign: ms(trace.ms.sign),
      http: ms(trace.ms.http),
      total: ms(latencyMs),
    },
  };
}
