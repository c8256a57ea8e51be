import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join, relative, sep } from 'node:path';
import { ROOT } from '../support/run-command.ts';

/** How a command ended: its exit code (non-zero also when killed or timed out) and its output, both streams. */
export interface Run {
  readonly code: number;
  readonly out: string;
}

/**
 * Runs a command in `cwd` as on a machine that only has Node and npm: PATH without this project's
 * `node_modules/.bin`, HOME (npm's cache is under it), and `env`. No AWS credentials, no network settings.
 */
export function run(
  file: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<Run> {
  const path = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => !dir.endsWith(`${sep}node_modules${sep}.bin`))
    .join(delimiter);
  const npmCache = process.env.npm_config_cache ? { npm_config_cache: process.env.npm_config_cache } : {};
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd, env: { PATH: path, HOME: homedir(), ...npmCache, ...env }, timeout: timeoutMs },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) || 1 : 0, out: stdout + stderr }),
    );
  });
}

/** What `npm pack --json` says of the tarball it wrote. */
export interface Packed {
  /** The tarball's path. */
  readonly tarball: string;
  /** The paths in the package, sorted. */
  readonly files: readonly string[];
  /** The tarball's size and the package's unpacked size, in bytes. */
  readonly size: number;
  readonly unpackedSize: number;
  /** The tarball's SRI hash, as a lock file records it. */
  readonly integrity: string;
}

/**
 * Packs the project as it is built now into a folder of its own, as `npm pack` and `npm publish` would. No script
 * runs (`--ignore-scripts`): the package holds the bundle the test run tested, not a rebuild.
 */
export async function packProject(): Promise<Packed> {
  const dir = mkdtempSync(join(tmpdir(), 'omniflow-pack-'));
  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
  if (pack.code !== 0) throw new Error(`npm pack failed (exit ${pack.code}):\n${pack.out}`);
  const [result] = JSON.parse(pack.out.slice(pack.out.indexOf('['))) as {
    filename: string;
    files: { path: string }[];
    size: number;
    unpackedSize: number;
    integrity: string;
  }[];
  return {
    tarball: join(dir, result!.filename),
    files: result!.files.map((file) => file.path).sort(),
    size: result!.size,
    unpackedSize: result!.unpackedSize,
    integrity: result!.integrity,
  };
}

interface LockEntry {
  readonly version?: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  readonly optional?: boolean;
  readonly [field: string]: unknown;
}

/** An app's package.json, as far as its lock is concerned. */
export interface AppManifest {
  readonly name: string;
  readonly version: string;
  readonly dependencies: Record<string, string>;
  readonly devDependencies: Record<string, string>;
}

/**
 * A package-lock.json for `app` that pins each of its dependencies, and theirs, to the version this project's lock
 * installed, so npm installs them from its cache with no network: `npm install --offline` of names alone needs the
 * registry's metadata, which the cache does not keep, while a lock needs only the tarballs, found by integrity.
 *
 * @throws Error naming a dependency this project's lock does not hold.
 */
export function lockFor(app: AppManifest, extra: Record<string, LockEntry> = {}): object {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  lock.packages = { ...lock.packages, ...extra };
  const packages: Record<string, LockEntry> = {};
  const visit = (from: string, name: string, optional: boolean) => {
    const location = locate(lock.packages, from, name);
    if (location === undefined) {
      if (optional) return;
      throw new Error(`${name} (needed by ${from || app.name}) is not in this project's package-lock.json`);
    }
    if (packages[location]) return;
    const { dev: _dev, ...entry } = lock.packages[location]!;
    packages[location] = entry;
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(location, dep, false);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(location, dep, true);
    for (const dep of Object.keys(entry.peerDependencies ?? {})) {
      visit(location, dep, entry.peerDependenciesMeta?.[dep]?.optional === true);
    }
  };
  for (const name of [...Object.keys(app.dependencies), ...Object.keys(app.devDependencies)]) visit('', name, false);
  const root = { name: app.name, version: app.version, dependencies: app.dependencies };
  return {
    name: app.name,
    version: app.version,
    lockfileVersion: 3,
    requires: true,
    packages: { '': { ...root, devDependencies: app.devDependencies }, ...packages },
  };
}

/** Where Node would find `name` from the package at `from` (a lock path, '' for the root): nearest first. */
function locate(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  const chain = from === '' ? [] : from.slice('node_modules/'.length).split('/node_modules/');
  for (let depth = chain.length; depth >= 0; depth--) {
    const location = `node_modules/${[...chain.slice(0, depth), name].join('/node_modules/')}`;
    if (packages[location]) return location;
  }
  return undefined;
}

/** The version of `name` this project's lock installed at the top of node_modules. */
export function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`${name} is not in this project's package-lock.json`);
  return version;
}

/**
 * Installs the app in `dir` with the packed package as one more dependency (`file:` the tarball), all of it from
 * npm's cache only: `npm ci --offline` with the lock {@link lockFor} makes. (`npm install --offline <tarball>` does not
 * do: it asks the registry about the package's peer dependencies, even when the app already has them.) No install
 * script runs: the package has none, and the app's tools need none.
 *
 * @throws Error with npm's output when the install fails.
 */
export async function installOffline(dir: string, packed: Packed): Promise<void> {
  const manifest = await run('tar', ['-xOzf', packed.tarball, 'package/package.json'], dir);
  if (manifest.code !== 0) throw new Error(`cannot read the package's package.json:\n${manifest.out}`);
  const { name, version, license, engines, peerDependencies } = JSON.parse(manifest.out) as Record<string, never>;
  const spec = `file:${relative(dir, packed.tarball)}`;
  const file = join(dir, 'package.json');
  const app = JSON.parse(readFileSync(file, 'utf8')) as AppManifest;
  const withPackage = { ...app, dependencies: { ...app.dependencies, [name]: spec } };
  writeFileSync(file, `${JSON.stringify(withPackage, null, 2)}\n`);
  const entry = { version, resolved: spec, integrity: packed.integrity, license, engines, peerDependencies };
  const lock = lockFor(withPackage, { [`node_modules/${name}`]: entry });
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  const install = await run(
    'npm',
    ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'],
    dir,
    {},
    180_000,
  );
  if (install.code !== 0) throw new Error(`npm ci --offline failed (exit ${install.code}):\n${install.out}`);
}
