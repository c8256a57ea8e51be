import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { BUNDLE } from '../support/lambda-container.ts';
import { percentile } from './stats.ts';

/** What Lambda's init phase loads: each dependency alone, and the whole bundle (no settings, so no warm-up). */
const SUBJECTS: readonly [string, string][] = [
  ['jose', 'jose'],
  ['undici', 'undici'],
  ['@aws-sdk/client-ssm', '@aws-sdk/client-ssm'],
  ['@aws-sdk/client-secrets-manager', '@aws-sdk/client-secrets-manager'],
  ['the bundle (dist/lambda/index.mjs)', pathToFileURL(BUNDLE).href],
];

function importOnce(specifier: string): Promise<number> {
  // The figure goes to stderr: the bundle, loaded without settings, logs its CONFIG line on stdout.
  const script = `const t=performance.now();await import(${JSON.stringify(specifier)});process.stderr.write(String(performance.now()-t))`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { env: { PATH: process.env.PATH ?? '' } },
      (error, _stdout, stderr) => (error ? reject(error) : resolve(Number(stderr))),
    );
  });
}

/** Median import time of each subject in a fresh Node process, over `runs` processes. */
export async function importCosts(runs = 7): Promise<{ name: string; medianMs: number }[]> {
  const results = [];
  for (const [name, specifier] of SUBJECTS) {
    const times = [];
    for (let i = 0; i < runs; i++) times.push(await importOnce(specifier));
    results.push({ name, medianMs: percentile(times, 50) });
  }
  return results;
}

export function bundleKiB(): number {
  return statSync(BUNDLE).size / 1024;
}
