import { fileURLToPath } from 'node:url';
import { sampleEvent } from '../support/integration.ts';
import { BUNDLE, type Invocation, LambdaContainer } from '../support/lambda-container.ts';
import { nodeVersion, type Runtime } from '../support/node-runtime.ts';
import type { Sandbox } from '../support/sandbox.ts';
import { bundleLine } from './bundle-size.ts';
import { CFS_PERIOD_US, type CpuQuotas, MB_PER_CPU } from './cpu-quota.ts';
import { memorySizeTable, type Sample } from './cpu-share-table.ts';
import { Floor } from './floor.ts';
import { billedMs, LAMBDA_PRICES } from './lambda-prices.ts';
import { type BundleUnderTest, THIS_BUNDLE } from './previous-bundle.ts';
import { relayedSandbox } from './relayed-sandbox.ts';
import { percentile } from './stats.ts';
import { otherThreadsMs, threadCpu } from './thread-cpu.ts';

/** The yardstick: a handler that only signs, sends one PATCH over a kept-alive connection, and parses the answer. */
export const MINIMAL_HANDLER = fileURLToPath(new URL('./minimal-handler.mjs', import.meta.url));

/** How `npm run bench -- --memory` runs. */
export interface CpuShareOptions {
  /** The memory sizes, in MB: each container gets memory/1,769 of one CPU. */
  readonly memoriesMb: readonly number[];
  readonly runtimes: readonly Runtime[];
  readonly rttMs: number;
  /** Containers per handler and memory size; each figure is the median over them. */
  readonly rounds: number;
  /** Warm calls per container, back to back, after the first. */
  readonly calls: number;
  /** Throttle init as well (from the process's spawn), instead of only from the first call on. */
  readonly throttleInit: boolean;
  /** The bench's cgroups, or why there are none (the containers then run on a free CPU). */
  readonly quotas: CpuQuotas | string;
  /** A previous bundle to run as a third handler, between the bridge and the minimal handler; none by default. */
  readonly previous?: BundleUnderTest;
  /** The sample event (test/events) the bridges are invoked with; the minimal handler always makes its one PATCH. */
  readonly event?: string;
}

interface Handler {
  readonly label: string;
  readonly bundle: string;
  readonly env: (sandbox: Sandbox, relayed: Record<string, string>) => Record<string, string>;
}

const BRIDGE: Handler = { label: 'bridge', bundle: BUNDLE, env: (_, relayed) => relayed };
const MINIMAL: Handler = {
  label: 'minimal handler',
  bundle: MINIMAL_HANDLER,
  env: (sandbox, relayed) => ({ ...relayed, BENCH_PRIVATE_KEY_PEM: sandbox.keys.privateKeyPem }),
};

/** The handlers, in their columns' order: the bridge, or new and previous bridges, then the minimal handler. */
function handlersFor(previous: BundleUnderTest | undefined): readonly Handler[] {
  if (!previous) return [BRIDGE, MINIMAL];
  return [{ ...BRIDGE, label: 'new' }, { label: 'previous', bundle: previous.path, env: BRIDGE.env }, MINIMAL];
}

/** `handlers` in the order of round `round`: each one goes first in turn. */
const inTurn = <T>(handlers: readonly T[], round: number): T[] =>
  handlers.map((_, i) => handlers[(i + round) % handlers.length]!);

const FLOOR_SAMPLES = 20;
const DEFAULT_EVENT = 'inbound-call';

/**
 * Runs the bridge (and, given `previous`, the previous bridge) and the minimal handler, in turns, in containers under
 * Lambda's CPU share for each memory size — a cgroup-v1 CFS quota of memory/1,769 of one CPU, from the first call on
 * (init at full speed, as Lambda's init seems to run) or from the spawn with `throttleInit` — and prints, per memory
 * size, each one's latency against the floor, its CPU (init, first call, per warm call), billed duration and cost.
 */
export async function cpuShare(options: CpuShareOptions): Promise<void> {
  const { sandbox, salesforcePort, env, close } = await relayedSandbox(options.rttMs);
  const floor = new Floor(sandbox, salesforcePort);
  const handlers = handlersFor(options.previous);
  try {
    for (const runtime of options.runtimes) {
      const samples = await measure(handlers, runtime, { sandbox, env, floor }, options);
      printTables(runtime, handlers, samples, options);
    }
  } finally {
    await floor.close();
    await close();
  }
}

interface Bench {
  readonly sandbox: Sandbox;
  /** The relayed environment of the containers. */
  readonly env: Record<string, string>;
  readonly floor: Floor;
}

/** Each round, at each memory size: the floor, then a container of each handler in turn; samples per size, handler. */
async function measure(
  handlers: readonly Handler[],
  runtime: Runtime,
  { sandbox, env, floor }: Bench,
  options: CpuShareOptions,
): Promise<Map<number, Sample[][]>> {
  const event = sampleEvent(options.event ?? DEFAULT_EVENT);
  const samples = new Map(options.memoriesMb.map((mb) => [mb, handlers.map((): Sample[] => [])]));
  for (let round = 0; round < options.rounds; round++) {
    for (const memoryMb of options.memoriesMb) {
      const floorMs = await floor.measure(FLOOR_SAMPLES);
      for (const handler of inTurn(handlers, round)) {
        const run = { sandbox, env: handler.env(sandbox, env), runtime, memoryMb, floorMs, event };
        samples.get(memoryMb)![handlers.indexOf(handler)]!.push(await containerRun(handler, run, options));
      }
    }
  }
  return samples;
}

function printTables(
  runtime: Runtime,
  handlers: readonly Handler[],
  samples: Map<number, Sample[][]>,
  options: CpuShareOptions,
): void {
  printHeader(runtime, handlers, options);
  const quota = typeof options.quotas !== 'string';
  for (const [memoryMb, perHandler] of samples) {
    const columns = handlers.map((handler, i) => ({ label: handler.label, samples: perHandler[i]! }));
    for (const line of memorySizeTable(memoryMb, quota, columns)) console.log(line);
  }
  console.log('');
}

interface ContainerRun {
  readonly sandbox: Sandbox;
  readonly env: Record<string, string>;
  readonly runtime: Runtime;
  readonly memoryMb: number;
  readonly floorMs: number;
  readonly event: Record<string, unknown>;
}

/** One container of `handler` under the quota: init, the first call, then the warm calls back to back. */
async function containerRun(
  handler: Handler,
  { sandbox, env, runtime, memoryMb, floorMs, event }: ContainerRun,
  { calls, throttleInit, quotas }: CpuShareOptions,
): Promise<Sample> {
  sandbox.reset();
  const quota = typeof quotas === 'string' ? undefined : quotas.create(memoryMb);
  try {
    const container = await LambdaContainer.start({
      env,
      bundle: handler.bundle,
      runtime,
      onSpawn: throttleInit ? (pid) => quota?.place(pid) : undefined,
    });
    try {
      const { pid } = container;
      const init = await container.stats();
      if (!throttleInit) quota?.place(pid);
      const first = await container.invoke(event);
      const afterFirst = await container.stats();
      const otherBefore = otherThreadsMs(threadCpu(pid), pid);
      const periodsBefore = quota?.throttling();
      const warm: Invocation[] = [];
      for (let i = 0; i < calls; i++) warm.push(await container.invoke(event));
      const periodsAfter = quota?.throttling();
      const otherAfter = otherThreadsMs(threadCpu(pid), pid);
      const end = await container.stats();
      const durations = warm.map((call) => call.durationMs);
      return {
        floorMs,
        initMs: container.initMs,
        initCpuMs: init.cpuMs,
        firstMs: first.durationMs,
        firstCpuMs: afterFirst.cpuMs - init.cpuMs,
        warmP50Ms: percentile(durations, 50),
        warmP95Ms: percentile(durations, 95),
        warmCpuMs: (end.cpuMs - afterFirst.cpuMs) / calls,
        warmOtherThreadsMs: (otherAfter - otherBefore) / calls,
        warmBilledMs: durations.reduce((sum, ms) => sum + billedMs(ms), 0) / calls,
        throttledShare:
          periodsBefore && periodsAfter
            ? (periodsAfter.throttled - periodsBefore.throttled) / (periodsAfter.periods - periodsBefore.periods || 1)
            : Number.NaN,
        failedCalls: [first, ...warm].filter((call) => call.result?.status !== 'OK').length,
      };
    } finally {
      await container.stop();
    }
  } finally {
    quota?.remove();
  }
}

function printHeader(runtime: Runtime, handlers: readonly Handler[], options: CpuShareOptions): void {
  const { memoriesMb, rttMs, rounds, calls, throttleInit, quotas, previous, event = DEFAULT_EVENT } = options;
  const labels = handlers.map((handler) => handler.label).join(', ');
  const where =
    typeof quotas === 'string'
      ? 'no CPU quota (see above): every container on a free CPU'
      : `a CFS quota of memory/${MB_PER_CPU.toLocaleString('en-US')} of one CPU per ${CFS_PERIOD_US / 1000} ms (cgroup v1, ${quotas.root}), ${throttleInit ? 'init included' : 'init at full speed'}`;
  console.log(
    `connect-omniflow-bridge under Lambda's CPU share — function on node ${nodeVersion(runtime)}, ${rttMs} ms round ` +
      `trip (relay); per memory size (${memoriesMb.join(', ')} MB) ${rounds} round${rounds === 1 ? '' : 's'} × ` +
      `(${labels}: first call + ${calls} warm calls, back to back); event ${event}; ${where}`,
  );
  if (previous) {
    console.log(bundleLine('new', THIS_BUNDLE));
    console.log(bundleLine('previous', previous));
  }
  console.log(
    `  prices: ${LAMBDA_PRICES.architecture}, ${LAMBDA_PRICES.region}: $${LAMBDA_PRICES.perGbSecond} per GB-s, ` +
      `$${(LAMBDA_PRICES.perRequest * 1e6).toFixed(2)} per million requests (checked ${LAMBDA_PRICES.checked})`,
  );
}
