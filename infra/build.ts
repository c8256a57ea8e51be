import { cp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { isStale } from '../lambda/build.ts';

/** The compiled construct library: `infra/index.ts` and every module it imports, as JavaScript and declarations. */
export const LIBRARY_DIR = 'dist/lib';
/** The library's entry, what the package's `exports` name. */
export const LIBRARY_ENTRY = `${LIBRARY_DIR}/infra/index.js`;
/** The compiler settings of the library: the project's, emitting (see the file). */
const TSCONFIG = 'tsconfig.build.json';
/** The sample flows `contact-flow.ts` reads at run time, copied beside the compiled module. */
const FLOWS = 'infra/flows';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * A relative specifier ending in `.ts` in a declaration file. `rewriteRelativeImportExtensions` rewrites the
 * JavaScript's imports to `.js` but leaves the declarations' as written (microsoft/TypeScript#61037); TypeScript
 * reads either, but the package holds no `.ts` file for an editor or another tool to follow.
 */
const TS_SPECIFIER = /((?:from |import\()(['"])\.{1,2}\/[^'"]*)\.ts\2/g;

/**
 * Builds {@link LIBRARY_DIR} afresh with the TypeScript compiler: the library's JavaScript, imports rewritten to `.js`,
 * its declarations, and the flows. Throws with the compiler's messages when the sources do not compile.
 *
 * @returns the files written, relative to the project
 */
export async function buildLibrary(): Promise<string[]> {
  await rm(join(ROOT, LIBRARY_DIR), { recursive: true, force: true });
  const configFile = join(ROOT, TSCONFIG);
  const { config, error } = ts.readConfigFile(configFile, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const { fileNames, options, errors } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT, undefined, configFile);
  const program = ts.createProgram({ rootNames: fileNames, options, configFileParsingDiagnostics: errors });
  const written: string[] = [];
  const result = program.emit(undefined, (file, text, bom) => {
    ts.sys.writeFile(file, file.endsWith('.d.ts') ? text.replace(TS_SPECIFIER, '$1.js$2') : text, bom);
    written.push(file.slice(ROOT.length));
  });
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (diagnostics.length > 0) {
    throw new Error(
      ts.formatDiagnostics(diagnostics, {
        getCanonicalFileName: (name) => name,
        getCurrentDirectory: () => ROOT,
        getNewLine: () => '\n',
      }),
    );
  }
  const flows = `${LIBRARY_DIR}/${FLOWS}`;
  await cp(join(ROOT, FLOWS), join(ROOT, flows), { recursive: true });
  const copied = (await readdir(join(ROOT, flows))).map((name) => `${flows}/${name}`);
  return [...written, ...copied].sort();
}

/** What the library is made from: its sources (the top of `infra/`, not the doctor), the flows and the settings. */
async function inputs(): Promise<string[]> {
  const infra = (await readdir(join(ROOT, 'infra'))).filter((name) => name.endsWith('.ts')).map((n) => `infra/${n}`);
  return [...infra, FLOWS, 'lambda/src', 'tsconfig.json', TSCONFIG, 'package-lock.json'];
}

/** True when the library is missing or older than any of its inputs. */
export async function libraryIsStale(): Promise<boolean> {
  return isStale(
    join(ROOT, LIBRARY_ENTRY),
    (await inputs()).map((path) => join(ROOT, path)),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = await buildLibrary();
  console.log(`built ${LIBRARY_DIR} (${files.length} files)`);
}
