import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CODE_PATH } from '../../infra/omniflow-bridge.ts';
import { packageRoot } from '../../infra/package-root.ts';
import { LIBRARY_DIR } from '../../infra/build.ts';
import { ROOT } from '../support/run-command.ts';

/** Writes `files` (path → JSON content) under a fresh temporary folder, and returns it. */
function tree(files: Record<string, object>): string {
  const dir = mkdtempSync(join(tmpdir(), 'package-root-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), JSON.stringify(content));
  }
  return dir;
}

describe('Function: packageRoot', () => {
  it('finds the repository from a source file of the construct', () => {
    expect(DEFAULT_CODE_PATH).toBe(join(ROOT, 'dist', 'lambda'));
  });

  it('finds the same folder from the compiled construct the package ships', async () => {
    const compiled = pathToFileURL(join(ROOT, LIBRARY_DIR, 'infra', 'omniflow-bridge.js')).href;

    const { DEFAULT_CODE_PATH: fromCompiled } = (await import(compiled)) as { DEFAULT_CODE_PATH: string };

    expect(fromCompiled).toBe(join(ROOT, 'dist', 'lambda'));
  });

  it("finds the installed package in an app's node_modules, past package.json files of other names", () => {
    const app = tree({
      'package.json': { name: 'my-cdk-app' },
      'node_modules/connect-omniflow-bridge/package.json': { name: 'connect-omniflow-bridge' },
      'node_modules/connect-omniflow-bridge/dist/lib/package.json': { type: 'module' },
    });
    const module = join(app, 'node_modules/connect-omniflow-bridge/dist/lib/infra/omniflow-bridge.js');

    expect(packageRoot(pathToFileURL(module))).toBe(join(app, 'node_modules/connect-omniflow-bridge'));
    expect(packageRoot(module)).toBe(join(app, 'node_modules/connect-omniflow-bridge'));
  });

  it('names the package and the folder when it is not above the file', () => {
    const elsewhere = tree({ 'package.json': { name: 'my-cdk-app' } });

    expect(() => packageRoot(join(elsewhere, 'lib', 'stack.js'))).toThrow(
      `no package.json of connect-omniflow-bridge in ${join(elsewhere, 'lib')} or above it`,
    );
  });
});
