import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS } from '../../lambda/build.ts';
import { nodeBinary, nodeVersion, type Runtime } from '../support/node-runtime.ts';
import { Sandbox } from '../support/sandbox.ts';
import { spread } from './stats.ts';

const run = promisify(execFile);
const PROBE = fileURLToPath(new URL('./sdk-probe.ts', import.meta.url));

interface ProbeFigures {
  readonly loadMs: number;
  readonly underWayMs: number;
  readonly answerMs: number;
}

/**
 * What the SSM key store's AWS SDK client costs by itself during init, in `processes` fresh processes per runtime:
 * `sdk-probe.ts`, built with the function's bundle settings, loads the client, sends GetParameter to the emulator
 * and reports when the request got under way and when its answer was parsed. The part of a container's configured
 * load that no change to the rest of the function can remove while the key is read with this client.
 */
export async function sdkCost(runtimes: readonly Runtime[], processes: number): Promise<void> {
  const outdir = mkdtempSync(join(tmpdir(), 'omniflow-sdk-probe-'));
  const sandbox = await Sandbox.start();
  try {
    await build({ ...BUNDLE_OPTIONS, entryPoints: { index: PROBE }, outdir, sourcemap: false });
    const env = { ...sandbox.env(), PATH: process.env.PATH ?? '' };
    for (const runtime of runtimes) {
      const figures: ProbeFigures[] = [];
      for (let i = 0; i < processes; i++) {
        const { stdout } = await run(nodeBinary(runtime), [join(outdir, 'index.mjs')], { env });
        figures.push(JSON.parse(stdout) as ProbeFigures);
      }
      const column = (pick: (f: ProbeFigures) => number) => spread(figures.map(pick));
      console.log(
        `the SSM key store's SDK client alone — node ${nodeVersion(runtime)}, ${processes} fresh processes, no added latency`,
      );
      console.log(`  load the client (ssm-sdk.ts, sdk-config.ts)          ${column((f) => f.loadMs)}`);
      console.log(`  construct, send, until the request is under way      ${column((f) => f.underWayMs)}`);
      console.log(`  until the answer is parsed                           ${column((f) => f.answerMs)}`);
      console.log(
        `  in all                                               ${column((f) => f.loadMs + f.underWayMs + f.answerMs)}`,
      );
      console.log('');
    }
  } finally {
    await sandbox.close();
    rmSync(outdir, { recursive: true, force: true });
  }
}
