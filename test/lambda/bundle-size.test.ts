import { readFileSync } from 'node:fs';
import type { Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { METAFILE } from '../../lambda/build.ts';

/**
 * JavaScript a container loads during init — the entry, the rest of init, the key store's SDK client, the bridge and
 * the chunks they share — at most. 519 KiB (SSM) and 456 KiB (Secrets Manager) when this limit was set; the single
 * bundle before the cold-start work (issue 10) loaded 937 KiB, most of it code it never ran.
 */
const INIT_LIMIT_KIB = 560;
/**
 * All the JavaScript in the deployed folder, the chunks loaded only on demand included: 682 KiB when first set, 829 KiB
 * once the S3 client for org records (`SECRET_CACHE_S3`, loaded only when set) came in.
 */
const TOTAL_LIMIT_KIB = 860;
/** The entry runs before the rest is even read: its own code and the chunks it imports statically. */
const ENTRY_LIMIT_KIB = 16;

/** The modules imported dynamically on a configured container's init path, by key store. */
const INIT_PATH = {
  ssm: [
    'lambda/src/index.ts',
    'lambda/src/container.ts',
    'lambda/src/key/orgs.ts',
    'lambda/src/bridge.ts',
    'lambda/src/key/ssm-sdk.ts',
  ],
  secretsManager: [
    'lambda/src/index.ts',
    'lambda/src/container.ts',
    'lambda/src/key/orgs.ts',
    'lambda/src/bridge.ts',
    'lambda/src/key/secrets-manager-sdk.ts',
  ],
} as const;

/**
 * What must never be loaded during init: undici beyond its HTTP/1.1 client, the SDK's default credential chain, zlib
 * (~5 ms on Node 24; only the SDK's CRC32 checksums use it, and only through a stand-in that loads it when called),
 * the S3 client (org records: loaded at init only when `SECRET_CACHE_S3` is set).
 */
const NEVER_AT_INIT = [
  /^node_modules\/@aws-sdk\/client-s3\//,
  /^lambda\/src\/org-record-sdk\.ts$/,
  /^builtin:node:zlib$/,
  /^node_modules\/undici\/index\.js$/,
  /^node_modules\/undici\/lib\/(web|mock|cache|interceptor)\//,
  /^node_modules\/undici\/lib\/dispatcher\/(agent|client-h2|proxy-agent|h2c-client|retry-agent)\.js$/,
  /^node_modules\/@aws-sdk\/credential-provider-(node|ini|sso|process|web-identity|http|login)\//,
  /^node_modules\/@aws-sdk\/nested-clients\//,
];

function metafile(): Metafile {
  try {
    return JSON.parse(readFileSync(METAFILE, 'utf8')) as Metafile;
  } catch (error) {
    throw new Error(`${METAFILE} is missing: run npm run build first`, { cause: error });
  }
}

/** The output files loaded when `entries` are imported: theirs and, transitively, the chunks they import statically. */
function loadedWith(meta: Metafile, entries: readonly string[]): string[] {
  const loaded = new Set<string>();
  const visit = (output: string) => {
    if (loaded.has(output)) return;
    loaded.add(output);
    for (const { path, kind } of meta.outputs[output]!.imports) {
      if (kind === 'import-statement' && meta.outputs[path]) visit(path);
    }
  };
  const roots = Object.entries(meta.outputs).filter(([, out]) => entries.includes(out.entryPoint ?? ''));
  expect(roots.map(([, out]) => out.entryPoint).sort()).toEqual([...entries].sort());
  for (const [output] of roots) visit(output);
  return [...loaded];
}

const kib = (meta: Metafile, outputs: readonly string[]) =>
  outputs.reduce((sum, output) => sum + meta.outputs[output]!.bytes, 0) / 1024;
const inputsOf = (meta: Metafile, outputs: readonly string[]) =>
  outputs.flatMap((output) => Object.keys(meta.outputs[output]!.inputs));

describe('Bundle: dist/lambda', () => {
  it.each(Object.entries(INIT_PATH))(
    `loads at most ${INIT_LIMIT_KIB} KiB during init with its key in %s`,
    (_store, entries) => {
      const meta = metafile();

      const loaded = loadedWith(meta, entries);

      expect(kib(meta, loaded)).toBeLessThanOrEqual(INIT_LIMIT_KIB);
      const unwanted = inputsOf(meta, loaded).filter((input) => NEVER_AT_INIT.some((pattern) => pattern.test(input)));
      expect(unwanted).toEqual([]);
    },
  );

  it(`holds at most ${TOTAL_LIMIT_KIB} KiB of JavaScript in all`, () => {
    const meta = metafile();

    const all = Object.keys(meta.outputs).filter((output) => output.endsWith('.mjs'));

    expect(kib(meta, all)).toBeLessThanOrEqual(TOTAL_LIMIT_KIB);
  });

  it(`starts from an entry of at most ${ENTRY_LIMIT_KIB} KiB holding none of undici, jose or the AWS SDK`, () => {
    const meta = metafile();

    const entry = loadedWith(meta, ['lambda/src/index.ts']);

    expect(kib(meta, entry)).toBeLessThanOrEqual(ENTRY_LIMIT_KIB);
    expect(inputsOf(meta, entry).filter((input) => !/^(lambda\/src\/|builtin:node:)/.test(input))).toEqual([]);
  });

  it('takes every built-in module with process.getBuiltinModule, never with an ESM import', () => {
    const meta = metafile();

    const esmImports = Object.keys(meta.outputs)
      .filter((output) => output.endsWith('.mjs'))
      .flatMap((output) => readFileSync(output, 'utf8').match(/(?:from|import)\s*["'](?:node:)?[a-z_/]+["']/g) ?? []);

    expect(esmImports).toEqual([]);
  });
});
