import { parseArgs } from 'node:util';

export const USAGE = 'usage: npm run doctor -- --env FILE [--certificate FILE] [--stack NAME]';

/** What `npm run doctor -- --help` prints: the usage, the options, the checks and the exit codes. */
export const HELP = `${USAGE}

A preflight of a real configuration, routing nothing: one line per check (PASS, FAIL with what to fix, or SKIP when
it needs an earlier check that failed), in order: settings valid, key store readable, RSA private key, the key
against the call center's certificate, Salesforce's host and TLS, Salesforce accepts the token; with --stack, the
deployed stack, its live alias's association with the Connect instance, and its settings against the file.
Salesforce is asked to clear routing for a call that does not exist. It never prints the key, a token or a secret.

  --env FILE          the settings to check: a dotenv file, as .env.example shows; its AWS_* variables
                      (AWS_REGION, AWS_PROFILE, …) win over the shell's
  --certificate FILE  the PEM certificate uploaded to the Salesforce call center: checks it holds the key's
                      public key
  --stack NAME        the deployed CloudFormation stack (cdk deploy's name, e.g. ConnectOmniFlowBridge)
  -h, --help          print this and exit

Exit codes:
  0  every check passed
  1  a check failed or was skipped
  2  the command line is wrong, or the --env file cannot be read`;

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

/**
 * Reads `--env FILE [--certificate FILE] [--stack NAME]`, or `--help` (`-h`), which wins over every other option.
 * @returns the arguments, or `'help'` when asked for {@link HELP}
 * @throws {UsageError} naming what is wrong
 */
export function parseDoctorArgs(argv: readonly string[]): DoctorArgs | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        env: { type: 'string' },
        certificate: { type: 'string' },
        stack: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
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
