import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type BuildOptions, build } from 'esbuild';

/** The deployable bundle: what the tests run, what `cdk deploy` uploads, what `sam local invoke` finds. */
export const BUNDLE_FILE = 'dist/lambda/index.mjs';

/**
 * esbuild settings for the Lambda bundle. `node20.19` syntax runs both on the nodejs24.x runtime and on the
 * Node ≥ 20.19 that development machines and CI have. The AWS SDK is bundled (not taken from the runtime) so the
 * version tested is the version deployed. The banner gives bundled CommonJS code the `require` ESM lacks.
 */
export const BUNDLE_OPTIONS: BuildOptions = {
  entryPoints: ['lambda/src/index.ts'],
  outfile: BUNDLE_FILE,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  metafile: true,
  mainFields: ['module', 'main'],
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  logLevel: 'warning',
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await build(BUNDLE_OPTIONS);
  await mkdir(dirname(BUNDLE_FILE), { recursive: true });
  await writeFile(`${dirname(BUNDLE_FILE)}/meta.json`, JSON.stringify(result.metafile));
  const { size } = await stat(BUNDLE_FILE);
  console.log(`built ${BUNDLE_FILE} (${(size / 1024).toFixed(0)} KiB)`);
}
