// npm run doctor -- --env FILE [--certificate FILE] [--stack NAME]
//
// A preflight against a real configuration: one line per check, in order, each failure saying what to fix; exit 0
// only when every check passed (1 otherwise, 2 for a bad command line). It routes nothing: Salesforce is asked to clear
// routing for a call that does not exist. `--help` prints HELP.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { type DoctorArgs, HELP, parseDoctorArgs, USAGE } from './args.ts';
import { ignoreClosedStdout } from './closed-pipe.ts';
import { type EnvFile, readEnvFile } from './env-file.ts';

async function main(argv: readonly string[]): Promise<number> {
  let args: DoctorArgs | 'help';
  let file: EnvFile;
  try {
    args = parseDoctorArgs(argv);
    if (args === 'help') {
      console.log(HELP);
      return 0;
    }
    file = readEnvFile(args.envFile);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const caFile = file.environment.NODE_EXTRA_CA_CERTS;
  if (caFile && resolve(caFile) !== resolve(process.env.NODE_EXTRA_CA_CERTS ?? '')) return restartWithCa(caFile);
  // Loaded only now (the AWS SDK among them), so a restart above does not pay for them twice.
  const { runDoctor } = await import('./run-doctor.ts');
  return runDoctor(args, file);
}

/**
 * Node reads NODE_EXTRA_CA_CERTS only when it starts, so a CA named in the file takes a fresh process: the same
 * command again, with it set.
 */
function restartWithCa(caFile: string): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
  });
  return new Promise((done) => child.once('exit', (code) => done(code ?? 1)));
}

// `npm run doctor | head -3` closes the pipe early: the lines after it go nowhere, the exit code stays the checks'.
ignoreClosedStdout();
process.exitCode = await main(process.argv.slice(2));
