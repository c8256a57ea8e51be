import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The unit tests Stryker runs against each mutant (see `stryker.config.json`): `test/lambda`, without the two files that
 * test the build rather than `lambda/src` (they bundle with esbuild, and the sandbox holds no `dist/`). No global setup:
 * the unit tests import the sources, never the bundle.
 */
// eslint-disable-next-line no-restricted-syntax -- vitest reads its configuration from the default export
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/lambda/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'test/lambda/bundle-size.test.ts', 'test/lambda/build-plugins.test.ts'],
    // Only bounds a hang; Stryker's own timeout (timeoutMS) decides when a mutant's run counts as a timeout.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The AWS SDK's notice that its 2027 releases need Node 22 is noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
