import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { BUNDLE } from '../support/lambda-container.ts';
import { ROOT } from '../support/run-command.ts';

/** The revision whose bundle the benchmark compares with by default: main before the cold-start work (issue 10). */
export const PREVIOUS_REVISION = 'b3d9036';

/** A bundle to benchmark: its entry file (chunks, if any, beside it) and how the report names it. */
export interface BundleUnderTest {
  readonly label: string;
  readonly path: string;
}

/** The bundle this checkout built, which the previous one is compared with. */
export const THIS_BUNDLE: BundleUnderTest = { label: 'this checkout (dist/lambda)', path: BUNDLE };

const run = promisify(execFile);

/**
 * The bundle to compare with: `file` when given (a bundle built earlier, e.g. a copy of an older
 * `dist/lambda/index.mjs`), else the bundle of git `revision`, built from that revision's `lambda/` with this
 * checkout's `node_modules` into a folder under the system's temp dir (reused while it exists, since a commit's
 * sources never change).
 *
 * @throws Error naming the file or revision when it does not exist or does not build
 */
export async function previousBundle({ file, revision = PREVIOUS_REVISION }: { file?: string; revision?: string }) {
  if (file !== undefined) {
    const path = resolve(file);
    if (!existsSync(path)) throw new Error(`--previous ${file}: no such file`);
    return { label: file, path } satisfies BundleUnderTest;
  }
  const sha = await commitOf(revision);
  const dir = join(tmpdir(), `omniflow-bridge-bench-${sha.slice(0, 12)}`);
  const path = join(dir, 'dist', 'lambda', 'index.mjs');
  if (!existsSync(path)) await buildAt(sha, dir);
  return { label: `${revision} (${sha.slice(0, 7)})`, path } satisfies BundleUnderTest;
}

async function commitOf(revision: string): Promise<string> {
  try {
    const { stdout } = await run('git', ['rev-parse', '--verify', `${revision}^{commit}`], { cwd: ROOT });
    return stdout.trim();
  } catch (error) {
    throw new Error(`--previous-rev ${revision}: not a commit of this repository (a shallow clone may lack it)`, {
      cause: error,
    });
  }
}

/** Extracts the revision's sources with `git archive` and runs its own `lambda/build.ts` there. */
async function buildAt(sha: string, dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await pipe(
    spawn('git', ['archive', '--format=tar', sha, 'lambda', 'package.json', 'tsconfig.json'], { cwd: ROOT }),
    spawn('tar', ['-x', '-C', dir]),
  );
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  try {
    await run(process.execPath, ['--import', 'tsx', 'lambda/build.ts'], { cwd: dir });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`building the bundle of ${sha.slice(0, 7)} failed: ${(error as Error).message}`, { cause: error });
  }
}

function pipe(from: ReturnType<typeof spawn>, to: ReturnType<typeof spawn>): Promise<void> {
  from.stdout!.pipe(to.stdin!);
  const exited = (child: ReturnType<typeof spawn>, name: string) =>
    new Promise<void>((done, fail) =>
      child.on('close', (code) => (code === 0 ? done() : fail(new Error(`${name} exited with ${code}`)))),
    );
  return Promise.all([exited(from, 'git archive'), exited(to, 'tar')]).then(() => undefined);
}
