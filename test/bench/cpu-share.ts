import { fileURLToPath } from 'node:url';
import { sampleEvent } from '../support/integration.ts';
import { BUNDLE, type Invocation, LambdaContainer } from '../support/lambda-container.ts';
import { nodeVersion, type Runtime } from '../support/node-runtime.ts';
import type { Sandbox } from '../support/sandbox.ts';
import { perContainer } from './cold-start.ts';
import { CFS_PERIOD_US, type CpuQuotas, MB_PER_CPU, quotaUs } from './cpu-quota.ts';
import { Floor } from './floor.ts';
import { billedMs, costPerMillion, LAMBDA_PRICES } from './lambda-prices.ts';
import { relayedSandbox } from './relayed-sandbox.ts';
import { percentile, spread } from './stats.ts';
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
}

/** One container's figures; CPU times are of all its threads. */
interface Sample {
  readonly floorMs: number;
  readonly initMs: number;
  readonly initCpuMs: number;
  readonly firstMs: number;
  readonly firstCpuMs: number;
  readonly warmP50Ms: number;
  readonly warmP95Ms: number;
  /** Per warm call. */
  readonly warmCpuMs: number;
  readonly warmOtherThreadsMs: number;
  readonly warmBilledMs: number;
  /** Of the CFS periods the warm calls spanned, the share in which the quota ran out (NaN without a quota). */
  readonly throttledShare: number;
  readonly failedCalls: number;
}

interface Handler {
  readonly label: string;
  readonly bundle: string;
  readonly env: (sandbox: Sandbox, relayed: Record<string, string>) => Record<string, string>;
}

const HANDLERS: readonly Handler[] = [
  { label: 'bridge', bundle: BUNDLE, env: (_, relayed) => relayed },
  {
    label: 'minimal handler',
    bundle: MINIMAL_HANDLER,
    env: (sandbox, relayed) => ({ ...relayed, BENCH_PRIVATE_KEY_PEM: sandbox.keys.privateKeyPem }),
  },
];

const FLOOR_SAMPLES = 20;

/**
 * Runs the bridge and the minimal handler, in turns, in containers under Lambda's CPU share for each memory size — a
 * cgroup-v1 CFS quota of memory/1,769 of one CPU, from the first call on (init at full speed, as Lambda's init seems
 * to run) or from the spawn with `throttleInit` — and prints, per memory size, each one's latency against the floor,
 * its CPU (init, first call, per warm call), billed duration and cost.
 */
export async function cpuShare(options: CpuShareOptions): Promise<void> {
  const { sandbox, salesforcePort, env, close } = await relayedSandbox(options.rttMs);
  const floor = new Floor(sandbox, salesforcePort);
  const event = sampleEvent('inbound-call');
  try {
    for (const runtime of options.runtimes) {
      const samples = new Map(options.memoriesMb.map((mb) => [mb, HANDLERS.map((): Sample[] => [])]));
      for (let round = 0; round < options.rounds; round++) {
        for (const memoryMb of options.memoriesMb) {
          const floorMs = await floor.measure(FLOOR_SAMPLES);
          const order = round % 2 === 0 ? HANDLERS : [...HANDLERS].reverse();
          for (const handler of order) {
            const run = { sandbox, env: handler.env(sandbox, env), runtime, memoryMb, floorMs, event };
            samples.get(memoryMb)![HANDLERS.indexOf(handler)]!.push(await containerRun(handler, run, options));
          }
        }
      }
      printHeader(runtime, options);
      const quota = typeof options.quotas !== 'string';
      for (const [memoryMb, [bridge, minimal]] of samples) printMemorySize(memoryMb, quota, bridge!, minimal!);
      console.log('');
    }
  } finally {
    await floor.close();
    await close();
  }
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

function printHeader(runtime: Runtime, { memoriesMb, rttMs, rounds, calls, throttleInit, quotas }: CpuShareOptions) {
  const where =
    typeof quotas === 'string'
      ? 'no CPU quota (see above): every container on a free CPU'
      : `a CFS quota of memory/${MB_PER_CPU.toLocaleString('en-US')} of one CPU per ${CFS_PERIOD_US / 1000} ms (cgroup v1, ${quotas.root}), ${throttleInit ? 'init included' : 'init at full speed'}`;
  console.log(
    `connect-omniflow-bridge under Lambda's CPU share — function on node ${nodeVersion(runtime)}, ${rttMs} ms round ` +
      `trip (relay); per memory size (${memoriesMb.join(', ')} MB) ${rounds} round${rounds === 1 ? '' : 's'} × ` +
      `(bridge, minimal handler: first call + ${calls} warm calls, back to back); ${where}`,
  );
  console.log(
    `  prices: ${LAMBDA_PRICES.architecture}, ${LAMBDA_PRICES.region}: $${LAMBDA_PRICES.perGbSecond} per GB-s, ` +
      `$${(LAMBDA_PRICES.perRequest * 1e6).toFixed(2)} per million requests (checked ${LAMBDA_PRICES.checked})`,
  );
}

function printMemorySize(memoryMb: number, quota: boolean, bridge: Sample[], minimal: Sample[]): void {
  const row = (label: string, a: string, b = '', ratio = '') =>
    console.log(`  ${label.padEnd(52)} ${a.padEnd(24)} ${b.padEnd(24)} ${ratio}`);
  const of = (samples: Sample[], figure: keyof Sample) => samples.map((sample) => sample[figure]);
  const ms = (figure: keyof Sample) => [spread(of(bridge, figure)), spread(of(minimal, figure))] as const;
  const floorRatio = (figure: keyof Sample) =>
    [bridge, minimal].map((samples) => spread(perContainer(of(samples, figure), of(samples, 'floorMs')), '×', 2)) as [
      string,
      string,
    ];
  const versus = (figure: keyof Sample) => spread(perContainer(of(bridge, figure), of(minimal, figure)), '×', 2);
  const cost = (samples: Sample[]) =>
    `$${spread(
      samples.map((sample) => costPerMillion(memoryMb, sample.warmBilledMs)),
      '',
      3,
    )}`;
  const coldStart = (samples: Sample[]) => spread(samples.map((s) => billedMs(s.initMs) + billedMs(s.firstMs)));
  const share = `${(memoryMb / MB_PER_CPU).toFixed(3)} CPU (${quotaUs(memoryMb).toLocaleString('en-US')} µs per 100 ms)`;
  row(`${memoryMb} MB: ${quota ? share : 'no quota, a free CPU'}`, 'bridge', 'minimal handler', 'bridge ÷ minimal');
  row('floor (warm keep-alive HTTPS PATCH, same relay)', spread(of(bridge, 'floorMs')));
  row('warm p50 ÷ floor', ...floorRatio('warmP50Ms'));
  row('warm p95 ÷ floor', ...floorRatio('warmP95Ms'));
  row('warm p95', ...ms('warmP95Ms'));
  row('first call ÷ floor', ...floorRatio('firstMs'));
  row('init', ...ms('initMs'));
  row('CPU of init, all threads', ...ms('initCpuMs'));
  row('CPU of the first call, all threads', ...ms('firstCpuMs'));
  row('CPU per warm call, all threads', ...ms('warmCpuMs'), versus('warmCpuMs'));
  row('  of which on threads other than the main one', ...ms('warmOtherThreadsMs'));
  if (quota) {
    const throttled = (samples: Sample[]) =>
      spread(
        of(samples, 'throttledShare').map((share) => share * 100),
        '%',
        0,
      );
    row('warm calls: 100 ms periods that ran out of quota', throttled(bridge), throttled(minimal));
  }
  row('billed per warm call (each rounded up to 1 ms)', ...ms('warmBilledMs'));
  row('cost per million warm calls, requests included', cost(bridge), cost(minimal));
  row('billed per cold start (init + first call)', coldStart(bridge), coldStart(minimal));
  const failed = (samples: Sample[]) => String(samples.reduce((sum, sample) => sum + sample.failedCalls, 0));
  row('failed calls', failed(bridge), failed(minimal));
}
