import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NODE24_INSTALLS_HERE, nodeBinary } from '../support/node-runtime.ts';

/**
 * `npm run mutation`: Stryker on `lambda/src` with the vitest runner and the unit tests (`test/lambda`), under the
 * project's Node 24, then the score per file. Stryker lives in `test/mutation`, a private package of its own (exact
 * pins, its own lock), installed here on first use so the project's users never install it; its vitest runner uses the
 * project's own vitest, found up the tree from `test/mutation/node_modules`.
 */
const USAGE = `Usage: npm run mutation -- [options]

Stryker on lambda/src with the unit tests (test/lambda), under the tests' Node 24; prints the score per file and
fails below 90 %. Every run records its results in dist/mutation/ (incremental.json, report.html, report.json).

  (no option)             every mutant again (about 23 minutes on two cores)
  --incremental           only the mutants whose code, or whose covering tests, changed since the last run
  --mutate <file[:lines]> only this file's mutants (lambda/src/retry.ts, lambda/src/retry.ts:60-70); repeatable,
                          or comma-separated; the other files keep their last results
  --survivors             also list the mutants no test killed (of the --mutate files, when given)
  --concurrency <n>       test runner processes (default 2)
  --help                  this text`;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The folder of the mutation tool: its package.json, lock, Stryker's configuration and this script. */
const MUTATION_DIR = fileURLToPath(new URL('./', import.meta.url));
const STRYKER = join(MUTATION_DIR, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js');
const CONFIG = join(MUTATION_DIR, 'stryker.config.json');
/** Written after a successful install: the hash of what it was installed from. */
const STAMP = join(MUTATION_DIR, 'node_modules', '.mutation-install-key');
/** Stryker's output files, all under dist/ (ignored by git); the same names as in stryker.config.json. */
const OUTPUT_DIR = join(ROOT, 'dist', 'mutation');
const REPORT_FILE = join(OUTPUT_DIR, 'report.json');

/** What an install is keyed by: the files it came from. */
function installKey(): string {
  const hash = createHash('sha256');
  for (const file of ['package.json', 'package-lock.json', '.npmrc'])
    hash.update(readFileSync(join(MUTATION_DIR, file)));
  return hash.digest('hex');
}

/** The environment of a child under Node 24: its directory first on PATH, without what an outer npm passes down. */
function node24Env(node24: string): NodeJS.ProcessEnv {
  return {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name))),
    PATH: `${dirname(node24)}${delimiter}${process.env.PATH ?? ''}`,
  };
}

async function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number | null> {
  const child = spawn(command, args, { cwd, env, stdio: 'inherit' });
  return new Promise((resolve) => child.on('close', resolve));
}

/**
 * Installs `test/mutation` with `npm ci` under Node 24 unless the same lock is installed already. No package in it has
 * an install script, and none may run (`--ignore-scripts`); its `.npmrc` leaves out the runner's peer dependency,
 * vitest, so the project's own is the one used.
 */
async function install(node24: string): Promise<void> {
  if (existsSync(STAMP) && existsSync(STRYKER) && readFileSync(STAMP, 'utf8') === installKey()) return;
  console.log('mutation: installing Stryker in test/mutation (npm ci, once per lock)');
  rmSync(join(MUTATION_DIR, 'node_modules'), { recursive: true, force: true });
  const args = ['ci', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'];
  const code = await run('npm', args, MUTATION_DIR, node24Env(node24));
  if (code !== 0) throw new Error(`npm ci in test/mutation failed (exit ${code})`);
  writeFileSync(STAMP, installKey());
}

interface ReportMutant {
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: string;
  readonly location: { readonly start: { readonly line: number; readonly column: number } };
}

/**
 * The mutants no test killed, from Stryker's JSON report: `file:line:column Mutator (status) → replacement`; only in
 * `files` (paths from the root, a `:lines` range ignored) when given.
 */
function survivors(files?: readonly string[]): string[] {
  const report = JSON.parse(readFileSync(REPORT_FILE, 'utf8')) as {
    files: Record<string, { mutants: ReportMutant[] }>;
  };
  const wanted = files && new Set(files.map((file) => file.replace(/:[\d:-]+$/, '')));
  const kept = Object.entries(report.files).filter(([file]) => !wanted || wanted.has(relative(ROOT, join(ROOT, file))));
  return kept.flatMap(([file, { mutants }]) =>
    mutants
      .filter(({ status }) => status === 'Survived' || status === 'NoCoverage')
      .map(({ mutatorName, replacement, status, location: { start } }) => {
        const text = (replacement ?? '').replace(/\s+/g, ' ').slice(0, 100);
        return `${relative(ROOT, join(ROOT, file))}:${start.line}:${start.column} ${mutatorName} (${status}) → ${text}`;
      }),
  );
}

/** The command line's options; undefined, after saying why, for one it cannot run. */
function options() {
  try {
    return parseArgs({
      options: {
        incremental: { type: 'boolean', default: false },
        mutate: { type: 'string', multiple: true },
        survivors: { type: 'boolean', default: false },
        concurrency: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    console.error(`mutation: ${(error as Error).message}\n\n${USAGE}`);
    return undefined;
  }
}

async function main(): Promise<number> {
  const values = options();
  if (values === undefined) return 2;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!NODE24_INSTALLS_HERE) {
    console.error(`mutation: Stryker runs under the tests' Node 24, which is installed on linux x64 only`);
    return 1;
  }
  const node24 = nodeBinary('node24');
  await install(node24);
  mkdirSync(OUTPUT_DIR, { recursive: true });
  // Every run records its results (dist/mutation/incremental.json), which --incremental reuses; without it every
  // mutant in scope is tested again. Stryker keeps the last results of the files a --mutate run leaves out.
  const args = [
    STRYKER,
    'run',
    relative(ROOT, CONFIG),
    '--incremental',
    ...(values.incremental ? [] : ['--force']),
    ...(values.mutate ? ['--mutate', values.mutate.join(',')] : []),
    ...(values.concurrency ? ['--concurrency', values.concurrency] : []),
  ];
  const started = performance.now();
  const startedAt = Date.now();
  const code = await run(node24, args, ROOT, node24Env(node24));
  const seconds = (performance.now() - started) / 1000;
  // Only this run's report: a run that failed before writing one must not list the last run's survivors.
  if (values.survivors && existsSync(REPORT_FILE) && statSync(REPORT_FILE).mtimeMs >= startedAt) {
    const left = survivors(values.mutate?.flatMap((patterns) => patterns.split(',')));
    console.log(left.length === 0 ? 'mutation: no mutant survived' : `mutation: survivors\n${left.join('\n')}`);
  }
  console.log(`mutation: Stryker took ${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s (exit ${code})`);
  return code ?? 1;
}

process.exitCode = await main();
