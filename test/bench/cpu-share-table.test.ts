import { describe, expect, it } from 'vitest';
import { type Column, memorySizeTable, type Sample, tableLine } from './cpu-share-table.ts';

/** A container's figures: `cpuMs` per warm call, the rest fixed. */
const sample = (cpuMs: number): Sample => ({
  floorMs: 20,
  initMs: 150,
  initCpuMs: 70,
  firstMs: 25,
  firstCpuMs: 4,
  warmP50Ms: 22,
  warmP95Ms: 40,
  warmCpuMs: cpuMs,
  warmOtherThreadsMs: 0.3,
  warmBilledMs: 23,
  throttledShare: 0.25,
  failedCalls: 0,
});

const column = (label: string, ...cpuMs: number[]): Column => ({ label, samples: cpuMs.map(sample) });

/** The table's cells, split on the runs of two spaces or more that separate them. */
const cells = (line: string) => line.trim().split(/ {2,}/);

const lineOf = (lines: readonly string[], label: string) => lines.find((line) => line.trimStart().startsWith(label))!;

describe('Function: memorySizeTable', () => {
  it('has a column for the bridge and one for the minimal handler, and their quotient of CPU per warm call', () => {
    const lines = memorySizeTable(128, true, [column('bridge', 3, 3), column('minimal handler', 2, 2)]);

    expect(cells(lines[0]!)).toEqual([
      '128 MB: 0.072 CPU (7,236 µs per 100 ms)',
      'bridge',
      'minimal handler',
      'bridge ÷ minimal',
    ]);
    expect(cells(lineOf(lines, 'CPU per warm call'))).toEqual([
      'CPU per warm call, all threads',
      '3.0 ms (3.0–3.0)',
      '2.0 ms (2.0–2.0)',
      '1.50× (1.50–1.50)',
    ]);
    expect(cells(lineOf(lines, 'init '))).toEqual(['init', '150.0 ms (150.0–150.0)', '150.0 ms (150.0–150.0)']);
  });

  it('with a previous bundle: new, previous and minimal handler, then new ÷ minimal and previous ÷ minimal', () => {
    const columns = [column('new', 3, 3.3), column('previous', 4, 4), column('minimal handler', 2, 2.2)];

    const lines = memorySizeTable(256, true, columns);

    expect(cells(lines[0]!)).toEqual([
      '256 MB: 0.145 CPU (14,471 µs per 100 ms)',
      'new',
      'previous',
      'minimal handler',
      'new ÷ minimal',
      'previous ÷ minimal',
    ]);
    expect(cells(lineOf(lines, 'CPU per warm call'))).toEqual([
      'CPU per warm call, all threads',
      '3.0 ms (3.0–3.3)',
      '4.0 ms (4.0–4.0)',
      '2.0 ms (2.0–2.2)',
      '1.50× (1.50–1.50)',
      '1.82× (1.82–2.00)',
    ]);
    expect(cells(lineOf(lines, 'failed calls'))).toEqual(['failed calls', '0', '0', '0']);
    expect(cells(lineOf(lines, 'warm calls: 100 ms periods'))).toHaveLength(4);
  });

  it('starts each column at the same place on every line, the ratios included', () => {
    const columns = [column('new', 3), column('previous', 4), column('minimal handler', 2)];

    const lines = memorySizeTable(128, true, columns);

    const header = lines[0]!;
    const starts = ['new', 'previous', 'minimal handler', 'new ÷ minimal', 'previous ÷ minimal'].map((label) =>
      header.indexOf(label),
    );
    const cpu = lineOf(lines, 'CPU per warm call');
    expect(starts.map((start) => cpu[start - 1])).toEqual([' ', ' ', ' ', ' ', ' ']);
    expect(starts.map((start) => cpu[start])).toEqual(['3', '4', '2', '1', '2']);
    for (const line of lines) expect(line.slice(starts[0]! - 1, starts[0]! + 1)).toMatch(/^ \S$/);
  });

  it('leaves out the row of throttled periods, and says so in the label, without a quota', () => {
    const lines = memorySizeTable(512, false, [column('bridge', 3), column('minimal handler', 2)]);

    expect(lines[0]).toMatch(/^ {2}512 MB: no quota, a free CPU +bridge/);
    expect(lines.join('\n')).not.toContain('ran out of quota');
  });
});

describe('Function: tableLine', () => {
  it('pads the label to 52 characters and each cell but the last to 24', () => {
    const line = tableLine('label', ['a', 'b', 'c']);

    expect(line).toBe(`  ${'label'.padEnd(52)} ${'a'.padEnd(24)} ${'b'.padEnd(24)} c`);
  });
});
