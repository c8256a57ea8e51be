import type { DoctorArgs } from './args.ts';
import { AwsClients } from './aws-clients.ts';
import type { DoctorOptions } from './check.ts';
import { doctorChecks } from './checks/index.ts';
import type { EnvFile } from './env-file.ts';
import { formatTally, runChecks } from './run-checks.ts';

/**
 * Runs every check the arguments ask for against the file's settings, printing one line per check and a closing
 * line. The file's AWS variables win over the shell's (the SDK reads them from `process.env`).
 * @returns the exit code: 0 when every check passed, 1 otherwise
 */
export async function runDoctor(
  args: DoctorArgs,
  file: EnvFile,
  print = (line: string) => console.log(line),
): Promise<number> {
  Object.assign(process.env, file.environment);
  // The SDK's notice about Node < 22 on a development machine is not a finding of the preflight.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const options: DoctorOptions = { ...args, settings: file.settings, unknownNames: file.unknownNames };
  const aws = new AwsClients();
  print(`connect-omniflow-bridge doctor: ${args.envFile}${args.stackName ? `, stack ${args.stackName}` : ''}`);
  try {
    const tally = await runChecks(doctorChecks(options, aws), { options }, print);
    print(formatTally(tally));
    return tally.failed === 0 && tally.skipped === 0 ? 0 : 1;
  } finally {
    aws.destroy();
  }
}
