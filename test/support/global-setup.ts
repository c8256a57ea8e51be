import { BUNDLE_FILE, buildBundle, bundleIsStale } from '../../lambda/build.ts';
import { BUNDLE_FROZEN_VARIABLE } from './run-command.ts';

/**
 * vitest global setup: before any test file runs, builds `dist/lambda/index.mjs` (as `npm run build` does) when it
 * is missing or older than its sources, so `npx vitest run` never tests a stale bundle. Then it sets
 * {@link BUNDLE_FROZEN_VARIABLE} for the run: `infra/app.ts` does not rebuild the bundle while it is set, so every test
 * file runs the same bundle, whatever changes on disk meanwhile.
 */
export async function setup(): Promise<void> {
  if (await bundleIsStale()) {
    const size = await buildBundle();
    console.log(`global setup: built ${BUNDLE_FILE} (${(size / 1024).toFixed(0)} KiB), its sources had changed`);
  }
  process.env[BUNDLE_FROZEN_VARIABLE] = '1';
}
