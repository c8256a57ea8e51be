import { parseArgs } from 'node:util';

export const USAGE = 'usage: npm run doctor -- --env FILE [--certificate FILE] [--stack NAME]';

/** The command line of `npm run doctor`. */
export interface DoctorArgs {
  readonly envFile: string;
  readonly certificateFile?: string;
  readonly stackName?: string;
}

/** A command line the doctor cannot run with; the entry point prints it with {@link USAGE} and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Reads `--env FILE [--certificate FILE] [--stack NAME]`. @throws {UsageError} naming what is wrong */
export function parseDoctorArgs(argv: readonly string[]): DoctorArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        env: { type: 'string' },
        certificate: { type: 'string' },
        stack: { type: 'string' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (!values.env) throw new UsageError('--env FILE is required: the settings to check (see .env.example)');
  for (const name of ['certificate', 'stack'] as const) {
    if (values[name] !== undefined && values[name].trim() === '') throw new UsageError(`--${name} needs a value`);
  }
  return {
    envFile: values.env,
    ...(values.certificate ? { certificateFile: values.certificate } : {}),
    ...(values.stack ? { stackName: values.stack.trim() } : {}),
  };
}
