import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crc32 } from 'node:zlib';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_OPTIONS } from '../../lambda/build.ts';

const dir = mkdtempSync(join(tmpdir(), 'omniflow-build-plugins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Builds `source` (an entry in the project's root) with the bundle's own settings and plugins, and imports it. */
async function bundled(source: string): Promise<Record<string, unknown>> {
  const entry = join(process.cwd(), `.build-plugins-entry-${process.pid}.ts`);
  writeFileSync(entry, source);
  try {
    const outdir = mkdtempSync(join(dir, 'out-'));
    await build({ ...BUNDLE_OPTIONS, entryPoints: { index: entry }, outdir, sourcemap: false, logLevel: 'silent' });
    return (await import(pathToFileURL(join(outdir, 'index.mjs')).href)) as Record<string, unknown>;
  } finally {
    rmSync(entry, { force: true });
  }
}

describe('Build: the bundle plugins', () => {
  it("gives the AWS SDK's CRC32 checksum a zlib that computes as Node's, loaded only when called", async () => {
    // Prepare: the SDK's checksum, bundled as the function bundles it
    const module = await bundled(`
      import { Crc32 } from '@smithy/core/checksum';
      export async function checksum(text) {
        const crc = new Crc32();
        crc.update(new TextEncoder().encode(text));
        return crc.digestSync();
      }
      export const fields = Object.keys(new Crc32());`);

    // Act
    const sum = await (module.checksum as (text: string) => Promise<number>)('connect-omniflow-bridge');

    // Assert: zlib's CRC32, through the SDK's native class (its running \`value\`), not the JavaScript fallback (its
    // \`checksum\`): the stand-in passes the SDK's test for zlib.crc32
    expect(sum).toBe(crc32('connect-omniflow-bridge'));
    expect(module.fields).toEqual(['digestLength', 'value']);
  });
});
