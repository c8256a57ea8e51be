import { sampleEvent } from '../support/integration.ts';
import { type Invocation, LambdaContainer } from '../support/lambda-container.ts';
import type { Sandbox } from '../support/sandbox.ts';
import { relayedSandbox } from './relayed-sandbox.ts';
import { ms, percentile } from './stats.ts';

/** How `npm run bench -- --load` runs. */
export interface LoadOptions {
  readonly rttMs: number;
  readonly containers: number;
  readonly calls: number;
  /** GetParameter requests per second the AWS emulator answers; it throttles beyond. */
  readonly ssmRate: number;
  readonly paceMs: number;
  readonly outageMs: number;
}

/** One contact's invocations, in order: each takes the attributes the one before answered. */
type Contact = (previous: Readonly<Record<string, string>> | undefined) => Record<string, unknown>;

/** A contact that is only routed (the VoiceCall made beforehand), as Salesforce's routing subflow does. */
const ROUTED_ONLY: readonly Contact[] = [() => sampleEvent('inbound-call')];

/**
 * A contact whose flows call only the bridge: createVoiceCall, then executeOmniFlow with the new VoiceCall's id as
 * `flowInput-recordId`, as the sample inbound flow does.
 */
const CREATED_AND_ROUTED: readonly Contact[] = [
  () => sampleEvent('create-voice-call'),
  (created) => {
    const event = sampleEvent('inbound-call') as { Details: { Parameters: Record<string, string> } };
    event.Details.Parameters['flowInput-recordId'] = created?.voiceCallId ?? '';
    return event;
  },
];

/**
 * The load scenarios: cold containers at once under SSM's rate limit; then, with a 1 s key TTL and calls paced so the
 * run outlasts it, SSM failing every request for `outageMs` in the middle of the run; then cold containers again,
 * every contact a create followed by a route.
 */
export async function loadTest(options: LoadOptions): Promise<void> {
  const { rttMs, containers, calls, ssmRate, paceMs, outageMs } = options;
  const { sandbox, env, close } = await relayedSandbox(rttMs, { ratePerSecond: ssmRate });
  try {
    await loadScenario(
      sandbox,
      options,
      `${containers} cold containers at once × ${calls} calls, SSM limited to ${ssmRate}/s, ${rttMs} ms round trip`,
      env,
      0,
    );
    const runMs = calls * paceMs;
    sandbox.reset();
    await loadScenario(
      sandbox,
      options,
      `the same, calls every ${paceMs} ms, key TTL 1 s, SSM failing every request for ${outageMs} ms mid-run`,
      { ...env, KEY_CACHE_TTL_SECONDS: '1' },
      paceMs,
      () => setTimeout(() => sandbox.aws.outage(outageMs), Math.max(0, (runMs - outageMs) / 2)).unref(),
    );
    sandbox.reset();
    sandbox.aws.heal();
    await loadScenario(
      sandbox,
      options,
      `${containers} cold containers at once × ${calls} contacts, each createVoiceCall then executeOmniFlow, SSM limited to ${ssmRate}/s`,
      env,
      0,
      () => {},
      CREATED_AND_ROUTED,
    );
  } finally {
    await close();
  }
}

/**
 * Starts the containers, then (after `onReady`) serves the contacts in each, `paceMs` apart. A contact is lost unless
 * every one of its invocations answers status OK; a failed invocation ends the contact.
 */
async function loadScenario(
  sandbox: Sandbox,
  { containers, calls }: LoadOptions,
  title: string,
  scenarioEnv: Record<string, string>,
  paceMs: number,
  onReady: () => void = () => {},
  contact: readonly Contact[] = ROUTED_ONLY,
): Promise<void> {
  const started = performance.now();
  const ready = await Promise.all(
    Array.from({ length: containers }, () => LambdaContainer.start({ env: scenarioEnv })),
  );
  onReady();
  const outcomes = await Promise.all(
    ready.map(async (container) => {
      const results: Invocation[] = [];
      for (let i = 0; i < calls; i++) {
        const call = serveContact(container, contact);
        if (paceMs) await new Promise((resolve) => setTimeout(resolve, paceMs));
        results.push(await call);
      }
      const stale = container.logs().filter((line) => line.staleKey !== undefined).length;
      await container.stop();
      return { initMs: container.initMs, results, stale };
    }),
  );
  const all = outcomes.flatMap((o) => o.results);
  const ok = all.filter((o) => o.result?.status === 'OK').length;
  const lostBy = new Map<string, number>();
  for (const o of all.filter((x) => x.result?.status !== 'OK')) {
    const why = o.error?.errorType ?? (o.timedOut ? 'LAMBDA_TIMEOUT' : 'OTHER');
    lostBy.set(why, (lostBy.get(why) ?? 0) + 1);
  }
  const durations = all.map((o) => o.durationMs);
  console.log(`connect-omniflow-bridge load — ${title}, node ${process.version}`);
  console.log(
    `  ${contact.length > 1 ? 'contacts' : 'calls'} ok ${ok} of ${all.length}, lost ${all.length - ok}${lostBy.size ? ` (${[...lostBy].map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`,
  );
  if (contact.length > 1) {
    const created = sandbox.salesforce.requests.filter((request) => request.method === 'POST').length;
    console.log(`  VoiceCalls created ${created} (one per contact: none sent twice)`);
  }
  const { getParameter: answered, throttled } = sandbox.aws.counts;
  console.log(`  SSM GetParameter requests ${answered + throttled}: answered ${answered}, throttled ${throttled}`);
  const stale = outcomes.reduce((sum, o) => sum + o.stale, 0);
  if (paceMs) console.log(`  calls served with a key past its TTL while SSM failed: ${stale}`);
  console.log(
    `  TLS handshakes ${sandbox.salesforce.tlsConnections}, Salesforce requests ${sandbox.salesforce.requests.length}`,
  );
  const inits = outcomes.map((o) => o.initMs);
  console.log(`  init p50 ${ms(percentile(inits, 50))}, max ${ms(Math.max(...inits))}`);
  console.log(
    `  call p50 ${ms(percentile(durations, 50))}, p95 ${ms(percentile(durations, 95))}, max ${ms(Math.max(...durations))}`,
  );
  console.log(`  wall time ${ms(performance.now() - started)}`);
}

/** One contact's invocations in `container`; the outcome is the first that failed, else the last (durations summed). */
async function serveContact(container: LambdaContainer, contact: readonly Contact[]): Promise<Invocation> {
  let previous: Invocation | undefined;
  let durationMs = 0;
  for (const event of contact) {
    previous = await container.invoke(event(previous?.result));
    durationMs += previous.durationMs;
    if (previous.result?.status !== 'OK') break;
  }
  return { ...previous!, durationMs };
}
