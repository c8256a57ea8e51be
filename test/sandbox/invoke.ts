// npm start / npm run invoke -- [event.json] [--scenario NAME] [--timeout MS] [--real [--env FILE]]
//
// Runs the built bundle exactly as Lambda would (a fresh container: module load, then the handler with a context
// whose deadline counts down) and prints what was sent, what Connect gets back, and the timings. Without --real,
// local emulators stand in for Salesforce (HTTPS, verifying the JWT) and SSM (holding a generated key pair).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { SETTING_NAMES } from '../../lambda/src/config.ts';
import { type Invocation, LambdaContainer } from '../support/lambda-container.ts';
import { Sandbox } from '../support/sandbox.ts';
import { isScenario, SCENARIOS, type ScenarioName } from './scenarios.ts';

const DEFAULT_EVENT = new URL('../events/inbound-call.json', import.meta.url);
const PASS_THROUGH = /^(AWS_|NODE_EXTRA_CA_CERTS$|HTTPS?_PROXY$|NO_PROXY$)/;

interface Options {
  readonly eventFile: URL | string;
  readonly scenario: ScenarioName;
  readonly timeoutMs: number;
  readonly real: boolean;
  readonly envFile: string | undefined;
}

function usage(problem: string): never {
  console.error(
    `${problem}\n\nusage: npm run invoke -- [event.json] [--scenario ${Object.keys(SCENARIOS).join('|')}] [--timeout ms] [--real [--env FILE]]`,
  );
  process.exit(2);
}

function options(argv: string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        scenario: { type: 'string', default: 'agent' },
        timeout: { type: 'string', default: '8000' },
        real: { type: 'boolean', default: false },
        env: { type: 'string' },
      },
    });
  } catch (error) {
    usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) usage('give at most one event file');
  if (!isScenario(values.scenario)) usage(`unknown scenario "${values.scenario}"`);
  const timeoutMs = Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 900_000)
    usage('--timeout is a whole number of milliseconds');
  if (values.env && !values.real) usage('--env goes with --real');
  return {
    eventFile: positionals[0] ?? DEFAULT_EVENT,
    scenario: values.scenario,
    timeoutMs,
    real: values.real,
    envFile: values.env,
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
const indent = (value: unknown) => JSON.stringify(value, null, 2).replace(/^/gm, '  ');

function printOutcome(outcome: Invocation, container: LambdaContainer): void {
  heading('What Connect receives ($.External.<key>)');
  if (outcome.result) console.log(indent(outcome.result));
  else if (outcome.error)
    console.log(`  the invocation failed → the block takes its Error branch\n${indent(outcome.error)}`);
  else console.log('  no answer before the function timeout (Lambda would have killed the invocation)');

  const logLine = container.logs().find((line) => line.message === 'routed' || line.message === 'not routed');
  heading('Routing decision');
  const result = outcome.result ?? {};
  if (result.routingTarget === 'AGENT') console.log(`  → agent ${result.agentId ?? result.agent}`);
  else if (result.routingTarget === 'QUEUE') console.log(`  → queue ${result.queueId ?? result.queue}`);
  else if (result.status === 'WARM') console.log('  keep-warm ping answered; nothing routed');
  else
    console.log(
      `  → the flow's fallback (${String(result.errorType ?? outcome.error?.errorType ?? 'Salesforce named no target')})`,
    );

  heading('Timings');
  console.log(`  container init (module load, key fetch and TLS warm-up): ${container.initMs.toFixed(1)} ms`);
  console.log(`  invocation: ${outcome.durationMs.toFixed(1)} ms`);
  if (logLine) console.log(`  steps: ${JSON.stringify(logLine.ms)}, attempts: ${String(logLine.attempts)}`);

  heading('Function log');
  for (const line of [...container.stdout, ...container.stderr]) console.log(`  ${line}`);
}

function printRequests(sandbox: Sandbox): void {
  heading('Requests Salesforce received');
  if (sandbox.salesforce.requests.length === 0) console.log('  none');
  sandbox.salesforce.requests.forEach((request, i) => {
    const token = sandbox.salesforce.tokens[i];
    console.log(`  ${request.method} https://localhost${request.path}`);
    console.log(
      indent({ headers: { authorization: 'Bearer <JWT, redacted>', ...request.headers }, body: request.body }).replace(
        /^/gm,
        '  ',
      ),
    );
    if (token)
      console.log(
        indent({ jwtHeader: decodeProtectedHeader(token), jwtClaims: decodeJwt(token) }).replace(/^/gm, '  '),
      );
    console.log(`    verified like Salesforce would: ${request.refused ? `no (${request.refused})` : 'yes'}`);
  });
}

async function main(): Promise<number> {
  const opts = options(process.argv.slice(2));
  const event = readEvent(opts.eventFile);

  if (opts.real) {
    console.log('Invoking against your real AWS account and Salesforce org (settings from the environment).');
    const container = await LambdaContainer.start({ env: realEnv(opts.envFile) });
    try {
      printOutcome(await container.invoke(event, { timeoutMs: opts.timeoutMs }), container);
    } finally {
      await container.stop();
    }
    return 0;
  }

  const scenario = SCENARIOS[opts.scenario];
  console.log(`Local run: scenario "${opts.scenario}" — ${scenario.about}.`);
  console.log('Emulators: Salesforce over HTTPS (test CA, verifies the RS256 JWT), SSM holding a generated RSA key.');
  const sandbox = await Sandbox.start();
  try {
    sandbox.salesforce.script(...scenario.replies);
    const container = await LambdaContainer.start({ env: sandbox.env() });
    try {
      const outcome = await container.invoke(event, { timeoutMs: opts.timeoutMs });
      printRequests(sandbox);
      printOutcome(outcome, container);
      heading('Key store');
      console.log(
        `  SSM GetParameter calls: ${sandbox.aws.counts.getParameter}, TLS connections to Salesforce: ${sandbox.salesforce.tlsConnections}`,
      );
    } finally {
      await container.stop();
    }
  } finally {
    await sandbox.close();
  }
  return 0;
}

process.exitCode = await main();
