import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BundleUnderTest } from './previous-bundle.ts';

const CHUNK_REFERENCE = /["'](\.\/[\w.-]+\.mjs)["']/g;

/** The bytes of JavaScript a bundle consists of: its entry file and every chunk it imports, statically or not. */
export function bundleBytes(entry: string): number {
  const seen = new Set<string>();
  const pending = [entry];
  let bytes = 0;
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file) || !existsSync(file)) continue;
    seen.add(file);
    bytes += statSync(file).size;
    for (const [, chunk] of readFileSync(file, 'utf8').matchAll(CHUNK_REFERENCE)) {
      pending.push(join(dirname(file), chunk!));
    }
  }
  return bytes;
}

/** A report's line naming a bundle in its `role` (new, previous) and its bytes of JavaScript. */
export const bundleLine = (role: string, bundle: BundleUnderTest): string =>
  `  ${role.padEnd(9)} ${bundle.label}: ${(bundleBytes(bundle.path) / 1024).toFixed(0)} KiB of JavaScript`;
