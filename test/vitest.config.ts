import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import { NODE24_INSTALLS_HERE, RUNTIME_VARIABLE, type Runtime } from './support/node-runtime.ts';

/** The suites that run the built bundle in Lambda containers: they run once more, under Node 24. */
const CONTAINER_SUITES = ['test/integration/**/*.test.ts'];

/** Runs the bundle under Lambda's own runtime client, which needs Node 24 itself: once is enough, in `host`. */
const RIC_SUITE = 'test/integration/ric.test.ts';

/** One vitest project per runtime; the container harness reads the runtime from the project's environment. */
const project = (name: Runtime, include: string[], exclude: string[] = []) => ({
  extends: true as const,
  test: { name, include, exclude: [...configDefaults.exclude, ...exclude], env: { [RUNTIME_VARIABLE]: name } },
});

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    // Builds the bundle once when stale, before any file runs, and keeps anything from rebuilding it during the run.
    globalSetup: ['test/support/global-setup.ts'],
    // Only bounds a hang: a first CDK synth in a file passes 20 s when the two cores are busy (load 12 seen).
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The AWS SDK's notice that its 2027 releases need Node 22 is noise here: the function runs on Node 24.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // Each project names its files: with `extends: true` a root `include` would be added to both.
    projects: [
      project('host', ['test/**/*.test.ts']),
      ...(NODE24_INSTALLS_HERE ? [project('node24', CONTAINER_SUITES, [RIC_SUITE])] : []),
    ],
  },
});
