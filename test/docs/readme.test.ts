import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bin, ROOT, runCommand } from '../support/run-command.ts';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const DOCS = ['README.md', 'docs/development.md', 'docs/performance.md'];
const SCRIPTS = Object.keys(
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: object }).scripts,
);
/** npm's own commands the README may use besides the package's scripts. */
const NPM_COMMANDS = new Set(['ci', 'install', 'test', 'start', 'pack']);

/** The lines of the README's shell blocks (`sh`), comments cut off. */
function shellLines(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((block) => block.split('\n')).map((line) => line.replace(/\s+#.*$/, '').trim());
}

describe('Document: README.md', () => {
  it('names only npm scripts the package has', () => {
    const code = [...README.matchAll(/```[\s\S]*?```|`[^`\n]+`/g)].map((m) => m[0]).join('\n');
    const named = [...code.matchAll(/\bnpm (?:run )?(?!run\b)([a-z][\w:-]*)/g)].map((m) => m[1]!);

    const unknown = named.filter((name) => !SCRIPTS.includes(name) && !NPM_COMMANDS.has(name));

    expect(named.length).toBeGreaterThan(10);
    expect([...new Set(unknown)]).toEqual([]);
  });

  it.each(DOCS)('%s points only at files that exist, and at headings that exist', (doc) => {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    const paths = [...text.matchAll(/`((?:test|infra|lambda|docs|\.ci)\/[\w./-]+\.(?:json|ts|md|mjs))`/g)].map(
      (m) => m[1]!,
    );
    const anchors = [...text.matchAll(/\]\(#([a-z0-9-]+)\)/g)].map((m) => m[1]!);
    const headings = [...text.matchAll(/^#+ (.+)$/gm)].map((m) =>
      m[1]!
        .toLowerCase()
        .replace(/[^\w\s-]/g, '')
        .trim()
        .replace(/\s/g, '-'),
    );

    expect(paths.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
    expect(anchors.filter((anchor) => !headings.includes(anchor))).toEqual([]);
  });

  // `npm run invoke -- ARGS` is `npm run build` and then this: the bundle is not rebuilt while the suite runs.
  const invokeLines = shellLines(README)
    .filter((line) => line.startsWith('npm run invoke -- ') && !line.includes('--real'))
    .map((line) => line.slice('npm run invoke -- '.length).split(/\s+/));

  it('shows local invoke commands', () => {
    expect(invokeLines.length).toBeGreaterThanOrEqual(6);
  });

  it.each(invokeLines.map((args) => [args.join(' '), args] as const))(
    'runs `npm run invoke -- %s` as written: a verdict first, no usage error',
    async (_line, args) => {
      const run = await runCommand(bin('tsx'), ['test/sandbox/invoke.ts', ...args], { NO_COLOR: '1' });

      expect(run.code, run.stderr).not.toBe(2);
      expect(run.stdout.split('\n')[0]).toMatch(
        /^(routed to|not routed|created VoiceCall|callback requested|failed:|keep-warm|\w+ answered status)/,
      );
    },
    90_000,
  );
});
