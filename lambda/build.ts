import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Plugin, transform } from 'esbuild';

/** The folder deployed as the function's code: the entry, the chunks it loads, and their source maps. */
export const BUNDLE_DIR = 'dist/lambda';
/** The deployable bundle's entry: what the tests run, what Lambda loads (`index.handler`), what `sam local invoke` finds. */
export const BUNDLE_FILE = `${BUNDLE_DIR}/index.mjs`;
/** esbuild's record of what went into the bundle (inputs and their sizes), kept outside the deployed folder. */
export const METAFILE = 'dist/lambda-meta.json';

/** Stands in for the AWS SDK's default credential chain in the bundle, loading the real chain only when it is called. */
const LAZY_CREDENTIAL_CHAIN = fileURLToPath(new URL('./src/key/lazy-credential-chain.ts', import.meta.url));

/**
 * Keeps the AWS SDK's default credential chain out of the init path. Every SDK client imports it statically, though
 * Lambda hands the function its credentials in the environment (see `key/sdk-config.ts`); the clients import a stand-in
 * instead, which imports the real chain — with its nested STS/SSO clients — as a chunk of its own, loaded only when
 * there are no credentials in the environment (e.g. a profile on a developer's machine).
 */
const lazyCredentialChain: Plugin = {
  name: 'lazy-credential-chain',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, ({ importer }) =>
      importer === LAZY_CREDENTIAL_CHAIN ? undefined : { path: LAZY_CREDENTIAL_CHAIN },
    );
  },
};

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
 * The one module in the bundle that imports `node:zlib`, for the one member it uses. The stand-in always has
 * `crc32`, so the SDK's fallback to its JavaScript CRC32 never runs: right for every Node this project supports
 * (`engines`: ≥ 20.19; `zlib.crc32` came in 20.15).
 */
const ZLIB_IMPORTER = `${sep}@smithy${sep}core${sep}dist-es${sep}submodules${sep}checksum${sep}crc32${sep}Crc32Node.js`;

/**
 * Gives the AWS SDK's CRC32 checksum a `node:zlib` that loads zlib on its first checksum, not at init. The SDK's
 * clients import the checksum code whether or not the service uses it (SSM and Secrets Manager never do), and it
 * tests `zlib.crc32` when it is evaluated; loading zlib costs ~5 ms of init on Node 24 (~1 ms on Node 20), for
 * nothing. Any other importer of zlib gets the real module (see `builtinsWithoutEsmImports`).
 */
const lazyZlibForChecksums: Plugin = {
  name: 'lazy-zlib-for-checksums',
  setup(build) {
    build.onResolve({ filter: /^(node:)?zlib$/ }, ({ importer }) =>
      importer.endsWith(ZLIB_IMPORTER) ? { path: 'node:zlib (crc32 only)', namespace: 'lazy-zlib' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-zlib' }, () => ({
      contents:
        "let zlib;\nexport const crc32 = (data, value) => (zlib ??= process.getBuiltinModule('node:zlib')).crc32(data, value);",
      loader: 'js',
    }));
  },
};

/**
 * Takes Node's built-in modules with `process.getBuiltinModule` (as CommonJS), not with ESM imports. An ESM import of
 * a built-in makes Node build a namespace from all of its exports, and on Node 24 reading `node:http`'s exports loads
 * Node's own copy of undici (fetch, WebSocket) — ~50 ms on this project's machine for an import the AWS SDK makes on
 * every cold start, against ~8 ms for the module itself.
 */
const builtinsWithoutEsmImports: Plugin = {
  name: 'builtins-without-esm-imports',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z_]+(\/[a-z_]+)?$/ }, ({ path }) => {
      const id = path.startsWith('node:') ? path : `node:${path}`;
      return isBuiltin(id) ? { path: id, namespace: 'builtin' } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, ({ path }) => ({
      contents: `module.exports = process.getBuiltinModule(${JSON.stringify(path)});`,
      loader: 'js',
    }));
  },
};

/** The compiler settings the bundle's TypeScript is read with. */
const TSCONFIG = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
/** The function's own sources (not its packages'). */
const OWN_SOURCES = /[\\/]lambda[\\/]src[\\/].*\.ts$/;
/** A module that declares an error class: a class extending `BridgeError`, `KeyError`, `Error`… */
const DECLARES_ERROR_CLASS = /\bclass\s+\w+\s+extends\s+\w*Error\b/;

/**
 * Keeps the class names of the function's own errors, which minifying would shorten to `u` or `R`: Lambda's runtime
 * logs a thrown error's `constructor.name` (the `errorType` of its "Invoke Error" line in the JSON log format), which
 * is what an operator reads in CloudWatch. Each of the function's modules that declares an error class is compiled
 * with esbuild's `keepNames` before it is bundled; the rest of the bundle is not (`keepNames` everywhere adds ~43 KiB,
 * past the bundle's size limits, for names nothing reads).
 */
const keepErrorClassNames: Plugin = {
  name: 'keep-error-class-names',
  setup(build) {
    build.onLoad({ filter: OWN_SOURCES }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      if (!DECLARES_ERROR_CLASS.test(source)) return undefined;
      const { code } = await transform(source, {
        loader: 'ts',
        keepNames: true,
        target: build.initialOptions.target,
        tsconfigRaw: await readFile(TSCONFIG, 'utf8'),
        sourcefile: path,
        sourcemap: 'inline',
      });
      return { contents: code, loader: 'js' };
    });
  },
};

/**
 * esbuild settings for the Lambda bundle. `node20.19` syntax runs both on the nodejs24.x runtime and on the
 * Node ≥ 20.19 that development machines and CI have. The AWS SDK is bundled (not taken from the runtime) so the
 * version tested is the version deployed. Code splitting makes `index.mjs` a small entry: what it imports dynamically
 * (the rest of the function, the SDK clients, the credential chain) becomes chunks beside it, read and compiled only
 * when imported. The banner gives bundled CommonJS code the `require` ESM lacks: after bundling, CommonJS code
 * requires only Node's built-in modules, which `process.getBuiltinModule` returns without loading `node:module`.
 */
export const BUNDLE_OPTIONS = {
  entryPoints: { index: 'lambda/src/index.ts' },
  outdir: BUNDLE_DIR,
  outExtension: { '.js': '.mjs' },
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  metafile: true,
  mainFields: ['module', 'main'],
  plugins: [
    lazyCredentialChain,
    undiciUsedPartsOnly,
    lazyZlibForChecksums,
    builtinsWithoutEsmImports,
    keepErrorClassNames,
  ],
  banner: {
    js: "const require=(id)=>process.getBuiltinModule(id)??(()=>{throw new Error('not a built-in module: '+id)})();",
  },
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** Builds {@link BUNDLE_DIR} afresh (no chunk of an earlier build is left in it) and returns its size in bytes. */
export async function buildBundle(): Promise<number> {
  await rm(BUNDLE_DIR, { recursive: true, force: true });
  const result = await build(BUNDLE_OPTIONS);
  await mkdir(dirname(METAFILE), { recursive: true });
  await writeFile(METAFILE, JSON.stringify(result.metafile));
  // The entry and every chunk, source maps excluded, as esbuild wrote them.
  return Object.entries(result.metafile.outputs)
    .filter(([file]) => file.endsWith('.mjs'))
    .reduce((sum, [, output]) => sum + output.bytes, 0);
}

/** What the bundle is made from: a change to any of these makes it stale. */
const INPUTS = ['lambda/src', 'lambda/build.ts', 'package-lock.json'];

/** True when the bundle is missing or older than any of its inputs. */
export function bundleIsStale(): Promise<boolean> {
  return isStale(BUNDLE_FILE, INPUTS);
}

/** True when `builtFile` is missing or older than any of `inputs` (files or folders). */
export async function isStale(builtFile: string, inputs: readonly string[]): Promise<boolean> {
  const built = await stat(builtFile).catch(() => undefined);
  if (!built) return true;
  const times = await Promise.all(inputs.map(newestChange));
  return Math.max(...times) > built.mtimeMs;
}

/** The last modification time of `path`, or of the newest file under it when it is a folder; 0 when it is missing. */
export async function newestChange(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) return info?.mtimeMs ?? 0;
  const entries = await readdir(path, { recursive: true });
  const times = await Promise.all(entries.map(async (entry) => (await stat(`${path}/${entry}`)).mtimeMs));
  return Math.max(info.mtimeMs, ...times);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const size = await buildBundle();
  console.log(`built ${BUNDLE_DIR} (${(size / 1024).toFixed(0)} KiB of JavaScript)`);
}
