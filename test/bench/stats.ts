/** The `p`-th percentile (0–100) of `values`, nearest-rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const median = (values: readonly number[]) => percentile(values, 50);

export const ms = (value: number) => `${value.toFixed(1)} ms`;

/** `median (min–max)` with `unit` after each number, e.g. `41.2 ms (39.0–47.5)`. */
export function spread(values: readonly number[], unit = ' ms', digits = 1): string {
  if (values.length === 0) return 'n/a';
  const f = (n: number) => n.toFixed(digits);
  if (values.length === 1) return `${f(values[0]!)}${unit}`;
  return `${f(median(values))}${unit} (${f(Math.min(...values))}–${f(Math.max(...values))})`;
}
