import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This package's name, as its package.json gives it: how {@link packageRoot} tells its own folder from others. */
export const PACKAGE_NAME = 'connect-omniflow-bridge';

/**
 * The folder of this package's package.json, the nearest one above `from` named {@link PACKAGE_NAME}: the repository
 * when `from` is a source file (`infra/…`), the installed package when it is a compiled one
 * (`node_modules/connect-omniflow-bridge/dist/lib/infra/…`). Found from the file, not the working directory, so an app
 * run from any folder finds the package's own files (the Lambda bundle in `dist/lambda`).
 *
 * @param from - a file of the package, as a `file:` URL (`import.meta.url`) or a path
 * @throws Error naming the package and the folder searched from when no such package.json is above it.
 */
export function packageRoot(from: string | URL): string {
  const start = dirname(from instanceof URL || from.startsWith('file:') ? fileURLToPath(from) : from);
  for (let dir = start; ; dir = dirname(dir)) {
    if (nameIn(join(dir, 'package.json')) === PACKAGE_NAME) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json of ${PACKAGE_NAME} in ${start} or above it`);
  }
}

function nameIn(manifest: string): unknown {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
}
