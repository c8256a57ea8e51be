import { sampleEvent } from '../support/integration.ts';
import { type Invocation, LambdaContainer } from '../support/lambda-container.ts';
import type { Runtime } from '../support/node-runtime.ts';
import type { Sandbox } from '../support/sandbox.ts';
import type { Floor } from './floor.ts';
import type { BundleUnderTest } from './previous-bundle.ts';
import { percentile } from './stats.ts';

/** How one comparison is run. */
export interface ColdStartRun {
  /** The bundles, new first; they take turns, in alternating order, so machine load falls on all alike. */
  readonly bundles: readonly BundleUnderTest[];
  /** The Node the containers run under. */
  readonly runtime: Runtime;
  readonly sandbox: Sandbox;
  readonly floor: Floor;
  /** The function's environment with the emulators reached directly (no added latency): module load. */
  readonly directEnv: Record<string, string>;
  /** The function's environment with the emulators behind the latency relay: init and calls. */
  readonly relayedEnv: Record<string, string>;
  /** Fresh processes per bundle that only load the module. */
  readonly loads: number;
  /** Containers per bundle that are invoked: a first call, then `calls` warm calls. */
  readonly containers: number;
  readonly calls: number;
}

/** Every sample of one bundle: `loadMs` one per process, the rest one per container, in the same order. */
export interface BundleFigures {
  readonly loadMs: number[];
  readonly initMs: number[];
  readonly firstMs: number[];
  readonly warmP50Ms: number[];
  readonly warmP95Ms: number[];
  /** The floor measured just before the container ran, from this process and from a process of its own. */
  readonly floorMs: number[];
  readonly floorApartMs: number[];
  /** The separate client's first request on a connection opened ahead (`FloorsApart.freshMs`). */
  readonly floorFreshMs: number[];
  readonly keyReads: number[];
  readonly handshakes: number[];
  readonly rssMiB: number[];
  readonly peakMiB: number[];
  /** CPU time of the container's every thread, from its start to after the last call. */
  readonly cpuMs: number[];
  failedCalls: number;
}

/** Per container, `a[i] ÷ b[i]`: each figure against the floor measured in its own round. */
export const perContainer = (a: readonly number[], b: readonly number[]): number[] => a.map((x, i) => x / b[i]!);

const FLOOR_SAMPLES = 20;

/**
 * Runs both bundles in turns: module load in a configured container with no added latency (what the import costs
 * on the CPU, init's own work included), then containers behind the relay (init, the first call, warm calls), each
 * ratio against a floor measured in the same round.
 */
export async function compareColdStarts(run: ColdStartRun): Promise<Map<BundleUnderTest, BundleFigures>> {
  const figures = new Map(run.bundles.map((bundle) => [bundle, emptyFigures()]));
  const event = sampleEvent('inbound-call');
  const rounds = Math.max(run.loads, run.containers);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? run.bundles : [...run.bundles].reverse();
    for (const bundle of order) {
      const into = figures.get(bundle)!;
      if (round < run.loads) into.loadMs.push(await moduleLoad(bundle, run));
      if (round < run.containers) await containerRun(bundle, run, event, into);
    }
  }
  return figures;
}

async function moduleLoad(bundle: BundleUnderTest, { directEnv, runtime }: ColdStartRun): Promise<number> {
  const container = await LambdaContainer.start({ env: directEnv, bundle: bundle.path, runtime });
  await container.stop();
  return container.initMs;
}

async function containerRun(
  bundle: BundleUnderTest,
  run: ColdStartRun,
  event: Record<string, unknown>,
  into: BundleFigures,
): Promise<void> {
  const floorMs = await run.floor.measure(FLOOR_SAMPLES);
  const apart = await run.floor.measureApart(FLOOR_SAMPLES, run.runtime);
  run.sandbox.reset();
  const container = await LambdaContainer.start({ env: run.relayedEnv, bundle: bundle.path, runtime: run.runtime });
  const first = await container.invoke(event);
  const warm: Invocation[] = [];
  for (let i = 0; i < run.calls; i++) warm.push(await container.invoke(event));
  const stats = await container.stats();
  await container.stop();
  const durations = warm.map((o) => o.durationMs);
  into.floorMs.push(floorMs);
  into.floorApartMs.push(apart.keepAliveMs);
  into.floorFreshMs.push(apart.freshMs);
  into.initMs.push(container.initMs);
  into.firstMs.push(first.durationMs);
  into.warmP50Ms.push(percentile(durations, 50));
  into.warmP95Ms.push(percentile(durations, 95));
  into.keyReads.push(run.sandbox.aws.counts.getParameter);
  into.handshakes.push(run.sandbox.salesforce.tlsConnections);
  into.rssMiB.push(stats.rssBytes / 2 ** 20);
  into.peakMiB.push(stats.maxRssKiB / 1024);
  into.cpuMs.push(stats.cpuMs);
  into.failedCalls += [first, ...warm].filter((o) => o.result?.status !== 'OK').length;
}

function emptyFigures(): BundleFigures {
  return {
    loadMs: [],
    initMs: [],
    firstMs: [],
    warmP50Ms: [],
    warmP95Ms: [],
    floorMs: [],
    floorApartMs: [],
    floorFreshMs: [],
    keyReads: [],
    handshakes: [],
    rssMiB: [],
    peakMiB: [],
    cpuMs: [],
    failedCalls: 0,
  };
}
