import { perContainer } from './cold-start.ts';
import { MB_PER_CPU, quotaUs } from './cpu-quota.ts';
import { billedMs, costPerMillion } from './lambda-prices.ts';
import { spread } from './stats.ts';

/** One container's figures; CPU times are of all its threads. */
export interface Sample {
  readonly floorMs: number;
  readonly initMs: number;
  readonly initCpuMs: number;
  readonly firstMs: number;
  readonly firstCpuMs: number;
  readonly warmP50Ms: number;
  readonly warmP95Ms: number;
  /** Per warm call. */
  readonly warmCpuMs: number;
  readonly warmOtherThreadsMs: number;
  readonly warmBilledMs: number;
  /** Of the CFS periods the warm calls spanned, the share in which the quota ran out (NaN without a quota). */
  readonly throttledShare: number;
  readonly failedCalls: number;
}

/** One handler's column: its name in the header and its containers' samples, one per round, in round order. */
export interface Column {
  readonly label: string;
  readonly samples: readonly Sample[];
}

const LABEL_WIDTH = 52;
const CELL_WIDTH = 24;

/** One line of a table: the label, then each cell in a column of its own (the last one unpadded: it ends the line). */
export function tableLine(label: string, cells: readonly string[]): string {
  const padded = cells.map((cell, i) => (i < cells.length - 1 ? cell.padEnd(CELL_WIDTH) : cell));
  return `  ${label.padEnd(LABEL_WIDTH)} ${padded.join(' ')}`;
}

/**
 * The table of one memory size: a column per handler, the last one the minimal handler, which the others are divided
 * by in the columns after them (on the row of CPU per warm call only). Each ratio and quotient is per round, then the
 * median (min–max) over the rounds.
 */
export function memorySizeTable(memoryMb: number, quota: boolean, columns: readonly Column[]): string[] {
  const minimal = columns.at(-1)!.samples;
  const compared = columns.slice(0, -1);
  const lines: string[] = [];
  const row = (label: string, values: readonly string[], ratios: readonly string[] = []) =>
    lines.push(tableLine(label, [...fill(values, columns.length), ...fill(ratios, compared.length)]));
  const each = (cell: (samples: readonly Sample[]) => string) => columns.map((column) => cell(column.samples));
  const ms = (figure: keyof Sample) => each((samples) => spread(of(samples, figure)));
  const floorRatio = (figure: keyof Sample) =>
    each((samples) => spread(perContainer(of(samples, figure), of(samples, 'floorMs')), '×', 2));
  const versusMinimal = (figure: keyof Sample) =>
    compared.map(({ samples }) => spread(perContainer(of(samples, figure), of(minimal, figure)), '×', 2));

  row(
    sizeLabel(memoryMb, quota),
    columns.map((column) => column.label),
    compared.map((column) => `${column.label} ÷ minimal`),
  );
  row('floor (warm keep-alive HTTPS PATCH, same relay)', [spread(of(columns[0]!.samples, 'floorMs'))]);
  row('warm p50 ÷ floor', floorRatio('warmP50Ms'));
  row('warm p95 ÷ floor', floorRatio('warmP95Ms'));
  row('warm p95', ms('warmP95Ms'));
  row('first call ÷ floor', floorRatio('firstMs'));
  row('init', ms('initMs'));
  row('CPU of init, all threads', ms('initCpuMs'));
  row('CPU of the first call, all threads', ms('firstCpuMs'));
  row('CPU per warm call, all threads', ms('warmCpuMs'), versusMinimal('warmCpuMs'));
  row('  of which on threads other than the main one', ms('warmOtherThreadsMs'));
  if (quota) row('warm calls: 100 ms periods that ran out of quota', each(throttled));
  row('billed per warm call (each rounded up to 1 ms)', ms('warmBilledMs'));
  row(
    'cost per million warm calls, requests included',
    each((samples) => cost(memoryMb, samples)),
  );
  row('billed per cold start (init + first call)', each(coldStart));
  row('failed calls', each(failed));
  return lines;
}

function sizeLabel(memoryMb: number, quota: boolean): string {
  if (!quota) return `${memoryMb} MB: no quota, a free CPU`;
  const quotaText = `${quotaUs(memoryMb).toLocaleString('en-US')} µs per 100 ms`;
  return `${memoryMb} MB: ${(memoryMb / MB_PER_CPU).toFixed(3)} CPU (${quotaText})`;
}

/** `cells`, then empty ones up to `count`. */
const fill = (cells: readonly string[], count: number) => [
  ...cells,
  ...Array<string>(Math.max(0, count - cells.length)).fill(''),
];

const of = (samples: readonly Sample[], figure: keyof Sample) => samples.map((sample) => sample[figure]);

const throttled = (samples: readonly Sample[]) =>
  spread(
    of(samples, 'throttledShare').map((share) => share * 100),
    '%',
    0,
  );

const cost = (memoryMb: number, samples: readonly Sample[]) =>
  `$${spread(
    samples.map((sample) => costPerMillion(memoryMb, sample.warmBilledMs)),
    '',
    3,
  )}`;

const coldStart = (samples: readonly Sample[]) =>
  spread(samples.map((sample) => billedMs(sample.initMs) + billedMs(sample.firstMs)));

const failed = (samples: readonly Sample[]) => String(samples.reduce((sum, sample) => sum + sample.failedCalls, 0));
