// npm start / npm run invoke -- [event.json] [--scenario NAME] [--timeout MS] [--on-error MODE] [--real [--env FILE]]
//
// Runs the built bundle exactly as Lambda would (a fresh container: module load, then the handler with a context
// whose deadline counts down) and prints the verdict on the first line - routed to whom in how long, or how it failed
// and what Connect does then - followed by labelled detail: what Connect gets, what Salesforce received, the timings
// and the function's log. Without --real, local emulators stand in for Salesforce (HTTPS, verifying the JWT) and SSM
// (holding a generated key pair). Exit codes: see HELP.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { SETTING_NAMES } from '../../lambda/src/config.ts';
import { type Invocation, LambdaContainer } from '../support/lambda-container.ts';
import { orgRecordEnv, Sandbox } from '../support/sandbox.ts';
import { isScenario, SCENARIOS, type ScenarioName } from './scenarios.ts';
import { type InvocationLog, verdict } from './verdict.ts';
import { ignoreClosedStdout } from '../../infra/doctor/closed-pipe.ts';

const DEFAULT_EVENT = new URL('../events/inbound-call.json', import.meta.url);
/** Local runs record contacts' orgs in the AWS endpoint's S3, so a create with a per-call secret shows its record. */
const ORG_RECORD_ENV = orgRecordEnv();
const PASS_THROUGH = /^(AWS_|NODE_EXTRA_CA_CERTS$|HTTPS?_PROXY$|NO_PROXY$)/;

interface Options {
  readonly eventFile: URL | string;
  /** undefined: `agent` for a routing event, `accepted` for the others. */
  readonly scenario: ScenarioName | undefined;
  readonly timeoutMs: number;
  readonly real: boolean;
  readonly envFile: string | undefined;
  readonly onError: 'throw' | 'attributes' | undefined;
}

/** The exit codes: the call served as asked, not served, or a command line the command cannot run with. */
const EXIT = { served: 0, notServed: 1, usage: 2 } as const;

const USAGE = `usage: npm run invoke -- [event.json] [--scenario ${Object.keys(SCENARIOS).join('|')}] [--timeout ms] [--on-error throw|attributes] [--real [--env FILE]]`;

const HELP = `${USAGE}
       npm start -- … (the same)

Runs the built bundle (dist/lambda) once on a Connect event, as Lambda would: a fresh container, then the handler
with a deadline. Prints the verdict on the first line (routed to whom in how long, or how it failed and what Connect
does then), then what Connect gets, what Salesforce received, the timings and the function's log. Without --real,
local emulators stand in for Salesforce (HTTPS, verifying the JWT) and SSM (holding a generated key).

  event.json                   the Connect event (default: test/events/inbound-call.json; more in test/events/)
  --scenario NAME              what the local Salesforce answers (below; default: agent for a routing call,
                               accepted for the other methods)
  --timeout MS                 the function's timeout in milliseconds (default: 8000, Connect's maximum)
  --on-error throw|attributes  how a failure reaches Connect, as ON_ERROR (default: throw)
  --real                       your real key store and Salesforce org, with the settings from the environment
  --env FILE                   with --real: the settings from this dotenv file (see .env.example)
  -h, --help                   print this and exit

Scenarios:
${Object.entries(SCENARIOS)
  .map(([name, { about }]) => `  ${name.padEnd(9)} ${about}`)
  .join('\n')}

Exit codes:
  0  the call was served as asked: routed to an agent or a queue, another method answered status OK, or a
     keep-warm ping answered
  1  it was not: failed (the block's Error branch, or status=ERROR), no answer within the timeout, or a routing
     call routed nowhere (routingTarget NONE)
  2  the command line is wrong: an unknown option, a bad value, an event or env file that cannot be read`;

function usage(problem: string): never {
  console.error(`${problem}\n\n${USAGE}`);
  process.exit(EXIT.usage);
}

/** The options of the command line; prints {@link HELP} and exits 0 on `--help`, or exits 2 on a mistake. */
function options(argv: string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h', default: false },
        scenario: { type: 'string' },
        timeout: { type: 'string', default: '8000' },
        real: { type: 'boolean', default: false },
        env: { type: 'string' },
        'on-error': { type: 'string' },
      },
    });
  } catch (error) {
    usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    process.exit(EXIT.served);
  }
  if (positionals.length > 1) usage('give at most one event file');
  if (values.scenario !== undefined && !isScenario(values.scenario)) usage(`unknown scenario "${values.scenario}"`);
  const timeoutMs = Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 900_000)
    usage('--timeout is a whole number of milliseconds');
  if (values.env && !values.real) usage('--env goes with --real');
  const onError = values['on-error'];
  if (onError !== undefined && onError !== 'throw' && onError !== 'attributes') {
    usage('--on-error is throw or attributes');
  }
  if (onError && values.real) usage('--on-error is for local runs; with --real, set ON_ERROR in the env file');
  return {
    eventFile: positionals[0] ?? DEFAULT_EVENT,
    scenario: values.scenario as ScenarioName | undefined,
    timeoutMs,
    real: values.real,
    envFile: values.env,
    onError,
  };
}

function readEvent(file: URL | string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    usage(`cannot read the event ${String(file)}: ${(error as Error).message}`);
  }
}

/** The environment of a --real run: the bridge's settings and AWS's, from the shell or an env file. */
function realEnv(envFile: string | undefined): Record<string, string> {
  if (envFile) {
    try {
      process.loadEnvFile(envFile);
    } catch (error) {
      usage(`cannot read ${envFile}: ${(error as Error).message}`);
    }
  }
  const chosen = Object.entries(process.env).filter(
    ([name]) => (SETTING_NAMES as readonly string[]).includes(name) || PASS_THROUGH.test(name),
  );
  return Object.fromEntries(chosen.filter((entry): entry is [string, string] => entry[1] !== undefined));
}

const bold = process.stdout.isTTY && !process.env.NO_COLOR;
const heading = (text: string) => console.log(bold ? `\n\x1b[1m${text}\x1b[0m` : `\n${text}`);
const json = (value: unknown) => JSON.stringify(value);
/** `key  value` lines, the keys aligned. */
const table = (fields: Readonly<Record<string, unknown>>, indent = '  ') => {
  const width = Math.max(0, ...Object.keys(fields).map((key) => key.length));
  for (const [key, value] of Object.entries(fields)) {
    console.log(`${indent}${key.padEnd(width)}  ${value === '' ? '""' : String(value)}`);
  }
};

/** The function's one summary line of the invocation (`routed` / `not routed`, `done` / `failed`), if it wrote one. */
function invocationLog(container: LambdaContainer): InvocationLog | undefined {
  return container.logs().find((line) => 'Method' in line && 'Outcome' in line);
}

/** The scenario a local run plays: the one asked for, else an agent for a routing call and Salesforce's usual answer for the others. */
function scenarioFor(asked: ScenarioName | undefined, event: unknown): ScenarioName {
  if (asked) return asked;
  const method = (event as { Details?: { Parameters?: { methodName?: unknown } } } | null)?.Details?.Parameters
    ?.methodName;
  return method === undefined || method === 'executeOmniFlow' ? 'agent' : 'accepted';
}

/** What Connect does with the outcome: the attributes it gets, or the block's Error branch and why. */
function printConnect(outcome: Invocation): void {
  if (outcome.timedOut) {
    heading("Connect: takes the block's Error branch");
    console.log('  the handler had not answered when the function timed out (Lambda would have ended it)');
    return;
  }
  if (outcome.error) {
    heading('Connect: takes the Error branch of the "Invoke AWS Lambda function" block');
    table({ errorType: outcome.error.errorType, errorMessage: outcome.error.errorMessage });
    return;
  }
  heading('Connect gets ($.External.<key>)');
  table(outcome.result ?? {});
  if (outcome.result?.status === 'ERROR') {
    console.log(
      "  (ON_ERROR=attributes: the flow goes on down the block's success branch and must check $.External.status;\n" +
        "   Salesforce's sample flows never read it and would go on with empty targets)",
    );
  }
}

function printTimings(outcome: Invocation, container: LambdaContainer, log: Record<string, unknown> | undefined): void {
  heading('Timings');
  table({
    'container init:': `${container.initMs.toFixed(1)} ms (module load, key fetch and TLS warm-up)`,
    'invocation:': `${outcome.durationMs.toFixed(1)} ms`,
    ...(log?.ms ? { 'steps:': steps(log) } : {}),
  });
}

/** `key 0.1 ms, sign 0.8 ms, http 11.2 ms, total 12.4 ms; 1 attempt` from the log line. */
function steps(log: Record<string, unknown>): string {
  const ms = Object.entries((log.ms ?? {}) as Record<string, number>).map(([step, n]) => `${step} ${n} ms`);
  const attempts = Number(log.attempts ?? 0);
  return `${ms.join(', ')}; ${attempts} attempt${attempts === 1 ? '' : 's'}`;
}

function printLog(container: LambdaContainer): void {
  heading('Function log');
  for (const line of [...container.stdout, ...container.stderr]) console.log(`  ${line}`);
}

function printRequests(sandbox: Sandbox): void {
  heading('Salesforce received');
  const orgs = [sandbox.salesforce, sandbox.salesforceB].filter((org) => org.requests.length > 0);
  if (orgs.length === 0) console.log('  nothing');
  for (const org of orgs) printRequestsOf(org);
}

function printRequestsOf(org: Sandbox['salesforce']): void {
  org.requests.forEach((request, i) => {
    const token = org.tokens[i];
    console.log(`  ${request.method} https://localhost${request.path}`);
    table(
      {
        'verified like Salesforce would:': request.refused ? `no (${request.refused})` : 'yes',
        'headers:': json({ authorization: 'Bearer <JWT, redacted>', ...request.headers }),
        'body:': request.body === '' ? '(none)' : json(request.body),
        ...(token ? { 'JWT header:': json(decodeProtectedHeader(token)), 'JWT claims:': json(decodeJwt(token)) } : {}),
      },
      '    ',
    );
  });
}

/** Prints the verdict on the first line, then the labelled detail. @returns the exit code: 0 when the call was served */
function report(outcome: Invocation, container: LambdaContainer, about: string, sandbox?: Sandbox): number {
  const log = invocationLog(container) as (InvocationLog & Record<string, unknown>) | undefined;
  const { line, served } = verdict(outcome, log);
  console.log(line);
  heading('Run');
  console.log(`  ${about}`);
  printConnect(outcome);
  if (sandbox) printRequests(sandbox);
  printTimings(outcome, container, log);
  if (sandbox) {
    heading('Key store');
    table({
      'SSM GetParameter calls:': sandbox.aws.counts.getParameter,
      'TLS connections to Salesforce:': sandbox.salesforce.tlsConnections,
    });
    heading(`Org records in S3 (SECRET_CACHE_S3=${ORG_RECORD_ENV.SECRET_CACHE_S3})`);
    if (sandbox.aws.objects.size === 0) console.log('  none written');
    for (const [key, object] of sandbox.aws.objects) table({ [`s3://${key}`]: object.body });
  }
  printLog(container);
  return served ? EXIT.served : EXIT.notServed;
}

async function main(): Promise<number> {
  const opts = options(process.argv.slice(2));
  const event = readEvent(opts.eventFile);
  const eventName = String(opts.eventFile instanceof URL ? 'test/events/inbound-call.json' : opts.eventFile);

  if (opts.real) {
    const container = await LambdaContainer.start({ env: realEnv(opts.envFile) });
    try {
      const outcome = await container.invoke(event, { timeoutMs: opts.timeoutMs });
      const settings = opts.envFile ? `settings from ${opts.envFile}` : 'settings from the environment';
      return report(outcome, container, `your real AWS account and Salesforce org (${settings}), event ${eventName}`);
    } finally {
      await container.stop();
    }
  }

  const scenarioName = scenarioFor(opts.scenario, event);
  const scenario = SCENARIOS[scenarioName];
  const sandbox = await Sandbox.start();
  try {
    sandbox.salesforce.script(...scenario.replies);
    sandbox.salesforceB.script(...scenario.replies);
    const env = sandbox.env({ ON_ERROR: opts.onError, ...ORG_RECORD_ENV });
    const container = await LambdaContainer.start({ env });
    try {
      const outcome = await container.invoke(event, { timeoutMs: opts.timeoutMs });
      const about =
        `local emulators (Salesforce over HTTPS verifying the RS256 JWT, SSM holding a generated key), ` +
        `scenario "${scenarioName}": ${scenario.about}; event ${eventName}` +
        (opts.onError ? `; ON_ERROR=${opts.onError}` : '');
      return report(outcome, container, about, sandbox);
    } finally {
      await container.stop();
    }
  } finally {
    await sandbox.close();
  }
}

// `npm run invoke | head -1` reads the verdict and closes the pipe: the exit code stays the verdict's.
ignoreClosedStdout();
process.exitCode = await main();
