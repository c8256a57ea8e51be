import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIBRARY_DIR } from '../../infra/build.ts';
import { BUNDLE_DIR } from '../../lambda/build.ts';
import { ROOT } from '../support/run-command.ts';
import { type Packed, packProject, run } from './package-tarball.ts';

/** The files of a folder of the project, recursively, as paths from the project's root. */
const builtFiles = (dir: string) =>
  readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(ROOT.length));

describe('Package: what `npm pack` puts in connect-omniflow-bridge', () => {
  let packed: Packed;
  let unpacked: string;

  beforeAll(async () => {
    packed = await packProject();
    unpacked = mkdtempSync(join(tmpdir(), 'omniflow-unpacked-'));
    const untar = await run('tar', ['-xzf', packed.tarball, '-C', unpacked], unpacked);
    if (untar.code !== 0) throw new Error(`tar failed:\n${untar.out}`);
  }, 60_000);
  afterAll(() => {
    rmSync(dirname(packed.tarball), { recursive: true, force: true });
    rmSync(unpacked, { recursive: true, force: true });
  });

  it('holds the manifest, README, LICENSE, the compiled library and the Lambda bundle, and nothing else', () => {
    expect(packed.files).toEqual(
      ['LICENSE', 'README.md', 'package.json', ...builtFiles(BUNDLE_DIR), ...builtFiles(LIBRARY_DIR)].sort(),
    );
    expect(packed.files.filter((path) => path.startsWith(`${BUNDLE_DIR}/`))).toContain(`${BUNDLE_DIR}/index.mjs`);
    expect(
      packed.files.filter(
        (path) =>
          !/^dist\/lambda\/[\w-]+\.mjs(\.map)?$/.test(path) &&
          !/^dist\/lib\/(infra|lambda\/src)\/[\w-]+\.(js|d\.ts)$/.test(path) &&
          !/^dist\/lib\/infra\/flows\/[\w-]+\.json$/.test(path),
      ),
    ).toEqual(['LICENSE', 'README.md', 'package.json']);
  });

  it('holds the very bundle the tests ran, byte for byte', () => {
    for (const path of builtFiles(BUNDLE_DIR)) {
      expect(readFileSync(join(unpacked, 'package', path)).equals(readFileSync(join(ROOT, path))), path).toBe(true);
    }
  });

  it('declares its entry point and types, depends on nothing but its peers, and runs no install script', () => {
    const manifest = JSON.parse(readFileSync(join(unpacked, 'package', 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;

    expect(manifest).toMatchObject({
      name: 'connect-omniflow-bridge',
      type: 'module',
      license: 'Apache-2.0',
      exports: { '.': { types: './dist/lib/infra/index.d.ts', default: './dist/lib/infra/index.js' } },
      peerDependencies: { 'aws-cdk-lib': expect.any(String), constructs: expect.any(String) },
    });
    expect(manifest).not.toHaveProperty('private');
    expect(manifest).not.toHaveProperty('dependencies');
    expect(manifest).not.toHaveProperty('optionalDependencies');
    expect(
      Object.keys(manifest.scripts as object).filter((name) => /^((pre|post)?install|prepare)$/.test(name)),
    ).toEqual([]);
  });

  it('ships declarations that import the compiled modules, not the TypeScript sources', () => {
    const declarations = packed.files.filter((path) => path.endsWith('.d.ts'));

    expect(declarations).toContain('dist/lib/infra/index.d.ts');
    for (const path of declarations) {
      expect(readFileSync(join(unpacked, 'package', path), 'utf8'), path).not.toMatch(/from '\.{1,2}\/[^']*\.ts'/);
    }
  });
});
