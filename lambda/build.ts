import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, sep } from 'node:path';
import { type BuildOptions, build, type Plugin } from 'esbuild';

/** The folder deployed as the function's code: it holds exactly the bundle and its source map. */
export const BUNDLE_DIR = 'dist/lambda';
/** The deployable bundle: what the tests run, what `cdk deploy` uploads, what `sam local invoke` finds. */
export const BUNDLE_FILE = `${BUNDLE_DIR}/index.mjs`;
/** esbuild's record of what went into the bundle (inputs and their sizes), kept outside the deployed folder. */
export const METAFILE = 'dist/lambda-meta.json';

/** undici modules the bridge never runs, by the file that requires them, and what stands in for each. */
const UNDICI_UNUSED: readonly { importer: string; path: string; standIn: string }[] = [
  {
    // Connections are HTTP/1.1 (ALPN offers only http/1.1); requiring the HTTP/2 client would load node:http2.
    importer: 'lib/dispatcher/client.js',
    path: './client-h2.js',
    standIn: "module.exports = () => { throw new Error('HTTP/2 is not in this bundle: connections are HTTP/1.1') }",
  },
  {
    // Request bodies are JSON strings; this is only required for FormData bodies and pulls in fetch's body mixins.
    importer: 'lib/dispatcher/client-h1.js',
    path: '../web/fetch/body.js',
    standIn: "exports.extractBody = () => { throw new Error('FormData bodies are not in this bundle') }",
  },
];

/** Leaves out of the bundle the parts of undici's HTTP/1.1 client that the bridge never runs (see `UNDICI_UNUSED`). */
const undiciUsedPartsOnly: Plugin = {
  name: 'undici-used-parts-only',
  setup(build) {
    for (const { importer, path, standIn } of UNDICI_UNUSED) {
      const filter = new RegExp(`^${path.replace(/[./]/g, '\\$&')}$`);
      build.onResolve({ filter }, (args) =>
        args.importer.endsWith(`${sep}undici${sep}${importer.split('/').join(sep)}`)
          ? { path: `${importer} → ${path}`, namespace: 'undici-unused', pluginData: standIn }
          : undefined,
      );
    }
    build.onLoad({ filter: /.*/, namespace: 'undici-unused' }, ({ pluginData }) => ({
      contents: pluginData as string,
      loader: 'js',
    }));
  },
};

/**
 * esbuild settings for the Lambda bundle. `node20.19` syntax runs both on the nodejs24.x runtime and on the
 * Node ≥ 20.19 that development machines and CI have. The AWS SDK is bundled (not taken from the runtime) so the
 * version tested is the version deployed. The banner gives bundled CommonJS code the `require` ESM lacks.
 */
export const BUNDLE_OPTIONS = {
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
  plugins: [undiciUsedPartsOnly],
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** Builds {@link BUNDLE_FILE} and returns its size in bytes. */
export async function buildBundle(): Promise<number> {
  const result = await build(BUNDLE_OPTIONS);
  await mkdir(dirname(METAFILE), { recursive: true });
  await writeFile(METAFILE, JSON.stringify(result.metafile));
  return (await stat(BUNDLE_FILE)).size;
}

/** What the bundle is made from: a change to any of these makes it stale. */
const INPUTS = ['lambda/src', 'lambda/build.ts', 'package-lock.json'];

/** True when the bundle is missing or older than any of its inputs. */
export async function bundleIsStale(): Promise<boolean> {
  const built = await stat(BUNDLE_FILE).catch(() => undefined);
  if (!built) return true;
  const times = await Promise.all(INPUTS.map(newestChange));
  return Math.max(...times) > built.mtimeMs;
}

async function newestChange(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) return info?.mtimeMs ?? 0;
  const entries = await readdir(path, { recursive: true });
  const times = await Promise.all(entries.map(async (entry) => (await stat(`${path}/${entry}`)).mtimeMs));
  return Math.max(info.mtimeMs, ...times);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const size = await buildBundle();
  console.log(`built ${BUNDLE_FILE} (${(size / 1024).toFixed(0)} KiB)`);
}
