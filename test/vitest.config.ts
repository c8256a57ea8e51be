import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/**/*.test.ts'],
    // Builds the bundle once when stale, before any file runs, and keeps anything from rebuilding it during the run.
    globalSetup: ['test/support/global-setup.ts'],
    // Only bounds a hang: a first CDK synth in a file passes 20 s when the two cores are busy (load 12 seen).
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The AWS SDK's notice that its 2027 releases need Node 22 is noise here: the function runs on Node 24.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
