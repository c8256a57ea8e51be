import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_OPTIONS } from '../../lambda/build.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'omniflow-build-plugins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Builds `source` with the bundle's own settings and plugins, resolving packages from the project's root. */
async function bundled(source: string): Promise<{ file: string; inputs: string[] }> {
  const outdir = mkdtempSync(join(dir, 'out-'));
  const { entryPoints: _, ...options } = BUNDLE_OPTIONS;
  const result = await build({
    ...options,
    stdin: { contents: source, resolveDir: process.cwd(), sourcefile: 'entry.mjs', loader: 'js' },
    outdir,
    sourcemap: false,
    logLevel: 'silent',
  });
  return { file: join(outdir, 'stdin.mjs'), inputs: Object.keys((result.metafile as Metafile).inputs) };
}

describe('Build: the bundle plugins', () => {
  it("gives the AWS SDK's CRC32 checksum a zlib loaded on its first checksum, computing as Node's", async () => {
    // Prepare: the SDK's checksum, bundled as the function bundles it, run in a fresh process that reports whether
    // Node has loaded zlib before and after one checksum
    const { file, inputs } = await bundled(`
      import { Crc32 } from '@smithy/core/checksum';
      const zlibLoaded = () => process.moduleLoadList.includes('NativeModule zlib');
      const before = zlibLoaded();
      const crc = new Crc32();
      crc.update(new TextEncoder().encode('connect-omniflow-bridge'));
      console.log(JSON.stringify({ before, sum: crc.digestSync(), after: zlibLoaded(), fields: Object.keys(crc) }));`);

    // Act
    const { stdout } = await run(process.execPath, [file]);

    // Assert: zlib's CRC32 through the SDK's native class (its running `value`, where the JavaScript fallback keeps a
    // `checksum`), with zlib loaded by the checksum, not by the import
    expect(JSON.parse(stdout)).toEqual({
      before: false,
      sum: crc32('connect-omniflow-bridge'),
      after: true,
      fields: ['digestLength', 'value'],
    });
    expect(inputs).toContain('lazy-zlib:node:zlib (crc32 only)');
    expect(inputs).not.toContain('builtin:node:zlib');
  });
});

describe('Build: the undici parts', () => {
  it('pins undici to one exact version, since the bridge imports files inside the package by path', async () => {
    // Prepare: the spec in package.json (a devDependency: the bundle carries it) and the version the lock installed
    const spec = JSON.parse(await readFile('package.json', 'utf8')).devDependencies.undici;
    const installed = JSON.parse(await readFile('node_modules/undici/package.json', 'utf8')).version;
    const imported = (await readFile('lambda/src/salesforce-client.ts', 'utf8')).match(/'undici\/lib\/[^']+'/g);

    // Assert: an exact version (no range an install could move within), the one installed, and the parts it names
    expect(spec).toMatch(/^\d+\.\d+\.\d+$/);
    expect(spec).toBe(installed);
    expect(imported).toEqual([
      "'undici/lib/api/api-request.js'",
      "'undici/lib/core/connect.js'",
      "'undici/lib/dispatcher/pool.js'",
    ]);
  });
});
