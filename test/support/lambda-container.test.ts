import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LambdaContainer } from './lambda-container.ts';

/** A stand-in bundle whose handler logs a line of `bytes` characters and then returns. */
function loudBundle(bytes: number): string {
  const file = join(mkdtempSync(join(tmpdir(), 'loud-bundle-')), 'index.mjs');
  writeFileSync(
    file,
    `export const handler = async (event) => {
      process.stdout.write(JSON.stringify({ message: 'last words', call: event.call, pad: 'x'.repeat(${bytes}) }) + '\\n');
      return { status: 'OK' };
    };\n`,
  );
  return file;
}

describe('Class: LambdaContainer', () => {
  describe('Method: invoke', () => {
    it('settles only once every line the invocation logged has been read', async () => {
      const container = await LambdaContainer.start({ env: {}, bundle: loudBundle(1024 * 1024), runtime: 'host' });
      try {
        for (let call = 1; call <= 3; call++) {
          const outcome = await container.invoke({ call });

          expect(outcome.result).toEqual({ status: 'OK' });
          expect(container.logs().map((line) => line.call)).toEqual([1, 2, 3].slice(0, call));
        }
      } finally {
        await container.stop();
      }
    });
  });
});
