/** The memory sizes `--memory` alone measures, in MB: Lambda's smallest, the stack's, and twice that. */
export const DEFAULT_MEMORY_MB = [128, 256, 512] as const;
/** Lambda's range of memory sizes, in MB. */
const MIN_MB = 128;
const MAX_MB = 10_240;

/** The command line with a bare `--memory` (the last argument, or one followed by another option) given the default. */
export function withDefaultMemory(argv: readonly string[]): string[] {
  return argv.map((arg, i) =>
    arg === '--memory' && (argv[i + 1] ?? '-').startsWith('-') ? `--memory=${DEFAULT_MEMORY_MB.join(',')}` : arg,
  );
}

/** `--memory`'s value as memory sizes in MB, in its order; or the usage error's message. */
export function memorySizes(text: string): number[] | string {
  const sizes = text.split(',').map(Number);
  if (!/^\d+(,\d+)*$/.test(text) || sizes.some((mb) => mb < MIN_MB || mb > MAX_MB)) {
    return `--memory must be memory sizes in MB from ${MIN_MB} to ${MAX_MB}, comma-separated, not "${text}"`;
  }
  return sizes;
}
