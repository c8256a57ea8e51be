import { BUNDLE_FILE, buildBundle, bundleIsStale } from '../../lambda/build.ts';
import { LIBRARY_DIR, buildLibrary, libraryIsStale } from '../../infra/build.ts';
import { NODE24_INSTALLS_HERE, TEST_RUNTIMES_DIR } from './node-runtime.ts';
import { installRic } from './ric-install.ts';
import { BUNDLE_FROZEN_VARIABLE } from './run-command.ts';

/**
 * vitest global setup, before any test file runs:
 * - builds `dist/lambda/index.mjs` and the construct library in `dist/lib` (as `npm run build` does) when either is
 *   missing or older than its sources, so `npx vitest run` never tests a stale build;
 * - installs the tests' own runtimes in `test/ric` (Node 24 and Lambda's runtime client) where Node 24 installs, when
 *   they are missing or their lock changed: ~1.5 minutes the first time, then kept;
 * - sets {@link BUNDLE_FROZEN_VARIABLE} for the run: `infra/app.ts` does not rebuild the bundle while it is set, so
 *   every test file runs — and the package test packs — the same bundle, whatever changes on disk meanwhile.
 */
export async function setup(): Promise<void> {
  if (await bundleIsStale()) {
    const size = await buildBundle();
    console.log(`global setup: built ${BUNDLE_FILE} (${(size / 1024).toFixed(0)} KiB), its sources had changed`);
  }
  if (await libraryIsStale()) {
    const files = await buildLibrary();
    console.log(`global setup: built ${LIBRARY_DIR} (${files.length} files), its sources had changed`);
  }
  if (NODE24_INSTALLS_HERE) {
    const started = performance.now();
    if ((await installRic()) === 'installed') {
      const seconds = ((performance.now() - started) / 1000).toFixed(0);
      console.log(`global setup: installed Node 24 and aws-lambda-ric in ${TEST_RUNTIMES_DIR} (${seconds} s, kept)`);
    }
  }
  process.env[BUNDLE_FROZEN_VARIABLE] = '1';
}
