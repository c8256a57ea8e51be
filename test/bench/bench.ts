// npm run bench -- [--rtt MS] [--calls N]                 warm/first/init latency against the physical floor
// npm run bench -- --load [--containers N] [--calls N] [--ssm-rate N]   cold containers at once, SSM throttling;
//                  [--pace-ms N] [--outage-ms N]                     then the same with a key-store outage mid-run
//
// Runs the built bundle as Lambda containers (child processes: init = module load, then invocations with a
// deadline) against the local emulators, with a latency relay in front of both Salesforce and SSM.
import { parseArgs } from 'node:util';
import { Client } from 'undici';
import { mintToken } from '../../lambda/src/token.ts';
import { LatencyRelay } from '../emulators/relay.ts';
import { sampleEvent } from '../support/integration.ts';
import { type Invocation, LambdaContainer } from '../support/lambda-container.ts';
import { CALL_CENTER_API_NAME, ORG_ID, Sandbox } from '../support/sandbox.ts';
import { bundleKiB, importCosts } from './import-cost.ts';
import { ms, percentile, ratio } from './stats.ts';
import { createPrivateKey } from 'node:crypto';

const { values: args } = parseArgs({
  options: {
    rtt: { type: 'string', default: '20' },
    calls: { type: 'string' },
    load: { type: 'boolean', default: false },
    containers: { type: 'string', default: '16' },
    'ssm-rate': { type: 'string', default: '40' },
    'pace-ms': { type: 'string', default: '800' },
    'outage-ms': { type: 'string', default: '10000' },
  },
});
const rttMs = Number(args.rtt);
const load = args.load;
const calls = Number(args.calls ?? (load ? 25 : 100));
const containers = Number(args.containers);
const ssmRate = Number(args['ssm-rate']);
const event = sampleEvent('inbound-call');

const sandbox = await Sandbox.start({ aws: load ? { ratePerSecond: ssmRate } : {} });
const sfRelay = await LatencyRelay.start(sandbox.salesforce.port, rttMs);
const awsRelay = await LatencyRelay.start(Number(new URL(sandbox.aws.endpoint).port), rttMs);
const relayedAws = `http://127.0.0.1:${awsRelay.port}`;
const env = sandbox.env({
  SCRT_ENDPOINT_BASE: `https://localhost:${sfRelay.port}/telephony/v1`,
  AWS_ENDPOINT_URL_SSM: relayedAws,
  AWS_ENDPOINT_URL_SECRETS_MANAGER: relayedAws,
  LOG_LEVEL: 'INFO',
});

/** One HTTPS PATCH on a warm keep-alive connection through the same relay to the same emulator: the floor. */
async function floor(samples: number): Promise<number> {
  const client = new Client(`https://localhost:${sfRelay.port}`, { connect: { ca: sandbox.tls.caPem } });
  const key = createPrivateKey(sandbox.keys.privateKeyPem);
  const claims = { orgId: ORG_ID, callCenterApiName: CALL_CENTER_API_NAME };
  const tokens = await Promise.all(Array.from({ length: samples + 1 }, () => mintToken(key, claims)));
  const times: number[] = [];
  for (const token of tokens) {
    const started = performance.now();
    const response = await client.request({
      method: 'PATCH',
      path: '/telephony/v1/voiceCalls/4a573372-1f28-4e26-b97b-0c7f2b3d9e61/omniFlow',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'telephony-provider-name': 'amazon-connect',
      },
      body: JSON.stringify({ dialedNumber: '+18445791189' }),
    });
    await response.body.text();
    if (response.statusCode !== 200) throw new Error(`floor request answered ${response.statusCode}`);
    times.push(performance.now() - started);
  }
  await client.close();
  return percentile(times.slice(1), 50);
}

async function single(): Promise<void> {
  const floorMs = await floor(50);
  sandbox.salesforce.reset();
  sandbox.aws.resetCounts();
  const container = await LambdaContainer.start({ env });
  const first = await container.invoke(event);
  const warm: Invocation[] = [];
  for (let i = 0; i < calls; i++) warm.push(await container.invoke(event));
  const failures = [first, ...warm].filter((o) => o.result?.status !== 'OK');
  const durations = warm.map((o) => o.durationMs);
  const memory = await container.stats();
  const warmUpMs = Number(container.logs().find((line) => line.message === 'container ready')?.ms);
  await container.stop();

  console.log(
    `connect-omniflow-bridge benchmark — ${calls} warm calls, ${rttMs} ms round trip (relay), node ${process.version}`,
  );
  console.log(`  floor (warm keep-alive HTTPS PATCH, same relay and emulator)  ${ms(floorMs)}`);
  console.log(`  init (module load + key fetch and TLS connect, concurrently)  ${ms(container.initMs)}`);
  console.log(
    `    of which warm-up (key fetch ‖ TLS connect ‖ HTTP path)          ${ms(warmUpMs)}; module load and the rest ${ms(container.initMs - warmUpMs)}`,
  );
  console.log(
    `  first call after init                                         ${ms(first.durationMs)}  ${ratio(first.durationMs, floorMs)}`,
  );
  console.log(
    `  init + first call                                             ${ms(container.initMs + first.durationMs)}`,
  );
  console.log(
    `  warm p50                                                      ${ms(percentile(durations, 50))}  ${ratio(percentile(durations, 50), floorMs)}`,
  );
  console.log(
    `  warm p95                                                      ${ms(percentile(durations, 95))}  ${ratio(percentile(durations, 95), floorMs)}`,
  );
  console.log(
    `  SSM GetParameter calls ${sandbox.aws.counts.getParameter}, TLS handshakes ${sandbox.salesforce.tlsConnections}, failed calls ${failures.length}`,
  );
  console.log(
    `  container memory: rss ${(memory.rssBytes / 2 ** 20).toFixed(1)} MiB, peak ${(memory.maxRssKiB / 1024).toFixed(1)} MiB`,
  );
  console.log(`  import cost, median of 7 fresh processes (bundle ${bundleKiB().toFixed(0)} KiB):`);
  for (const { name, medianMs } of await importCosts()) console.log(`    ${name.padEnd(40)} ${ms(medianMs)}`);
}

/**
 * The load scenarios: cold containers at once under SSM's rate limit; then, with a 1 s key TTL and calls paced so the
 * run outlasts it, SSM failing every request for `--outage-ms` in the middle of the run.
 */
async function loadTest(): Promise<void> {
  await loadScenario(
    `${containers} cold containers at once × ${calls} calls, SSM limited to ${ssmRate}/s, ${rttMs} ms round trip`,
    env,
    0,
  );
  const paceMs = Number(args['pace-ms']);
  const outageMs = Number(args['outage-ms']);
  const runMs = calls * paceMs;
  sandbox.reset();
  await loadScenario(
    `the same, calls every ${paceMs} ms, key TTL 1 s, SSM failing every request for ${outageMs} ms mid-run`,
    { ...env, KEY_CACHE_TTL_SECONDS: '1' },
    paceMs,
    () => setTimeout(() => sandbox.aws.outage(outageMs), Math.max(0, (runMs - outageMs) / 2)).unref(),
  );
}

/** Starts the containers, then (after `onReady`) makes the calls in each, `paceMs` apart. */
async function loadScenario(
  title: string,
  scenarioEnv: Record<string, string>,
  paceMs: number,
  onReady: () => void = () => {},
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
        const call = container.invoke(event);
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
  console.log(`connect-omniflow-bridge load — ${title}`);
  console.log(
    `  calls ok ${ok} of ${all.length}, lost ${all.length - ok}${lostBy.size ? ` (${[...lostBy].map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`,
  );
  const { getParameter: answered, throttled } = sandbox.aws.counts;
  console.log(`  SSM GetParameter requests ${answered + throttled}: answered ${answered}, throttled ${throttled}`);
  const stale = outcomes.reduce((sum, o) => sum + o.stale, 0);
  if (paceMs) console.log(`  calls served with a key past its TTL while SSM failed: ${stale}`);
  console.log(
    `  TLS handshakes ${sandbox.salesforce.tlsConnections}, Salesforce requests ${sandbox.salesforce.requests.length}`,
  );
  console.log(
    `  init p50 ${ms(
      percentile(
        outcomes.map((o) => o.initMs),
        50,
      ),
    )}, max ${ms(Math.max(...outcomes.map((o) => o.initMs)))}`,
  );
  console.log(
    `  call p50 ${ms(percentile(durations, 50))}, p95 ${ms(percentile(durations, 95))}, max ${ms(Math.max(...durations))}`,
  );
  console.log(`  wall time ${ms(performance.now() - started)}`);
}

try {
  if (load) await loadTest();
  else await single();
} finally {
  await Promise.all([sfRelay.close(), awsRelay.close()]);
  await sandbox.close();
}
