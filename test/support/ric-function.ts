import { type ChildProcess, spawn } from 'node:child_process';
import { setImmediate as turn } from 'node:timers/promises';
import { basename, dirname } from 'node:path';
import { BUNDLE } from './lambda-container.ts';
import { node24Binary } from './node-runtime.ts';
import { RIC_ENTRY, ricProblem } from './ric-install.ts';
import { type InitError, type Invocation, type InvokeOptions, type Outcome, RuntimeApi } from './runtime-api.ts';

/** What Lambda's `nodejs24.x` runtime sets besides the function's own variables. */
const LAMBDA_ENV = {
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_FUNCTION_NAME: 'connect-omniflow-bridge',
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/connect-omniflow-bridge',
  AWS_LAMBDA_LOG_STREAM_NAME: '2026/11/23/[$LATEST]0123456789abcdef0123456789abcdef',
  LANG: 'en_US.UTF-8',
  TZ: ':UTC',
} as const;

/** Lambda stops an init that takes longer than this. */
const INIT_LIMIT_MS = 10_000;

export interface RicFunctionOptions {
  /** The function's environment (settings, endpoints, NODE_EXTRA_CA_CERTS, AWS_LAMBDA_LOG_FORMAT…). */
  readonly env: Record<string, string>;
  /** The module `_HANDLER` names; its folder is `LAMBDA_TASK_ROOT`. @default BUNDLE */
  readonly bundle?: string;
  /** The exported function `_HANDLER` names. @default 'handler' */
  readonly handlerName?: string;
}

/** How init ended: the runtime asked for its first invocation, or posted an init error and exited. */
export type InitOutcome =
  | { readonly kind: 'ready'; readonly ms: number }
  | { readonly kind: 'failed'; readonly error: InitError; readonly exitCode: number | null };

/** One invocation: what `next` handed over, what the runtime posted, and the stdout lines written meanwhile. */
export interface RicInvocation {
  readonly invocation: Invocation;
  readonly outcome: Outcome;
  readonly stdout: readonly string[];
}

/**
 * A function running as on Lambda's managed Node runtime: Lambda's own Runtime Interface Client (`aws-lambda-ric`,
 * from `test/ric`) under Node 24, loading the module `_HANDLER` names and talking to a {@link RuntimeApi} of its
 * own. {@link start} returns once init is over; {@link invoke} feeds it one invocation at a time.
 */
export class RicFunction {
  readonly #exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    /** The runtime API this function's client talks to. */
    readonly api: RuntimeApi,
    readonly init: InitOutcome,
    /** Every line the process wrote to stdout / stderr, init included (the runtime's own lines too). */
    readonly stdout: string[],
    readonly stderr: string[],
    exited: Promise<number | null>,
  ) {
    this.#exited = exited;
  }

  /**
   * Starts the runtime client on the bundle and waits for the end of init.
   *
   * @throws Error saying how to install what is missing, when Node 24 or the runtime client is not installed.
   */
  static async start({ env, bundle = BUNDLE, handlerName = 'handler' }: RicFunctionOptions): Promise<RicFunction> {
    const problem = ricProblem();
    if (problem) throw new Error(problem);
    const api = await RuntimeApi.start();
    const taskRoot = dirname(bundle);
    const started = performance.now();
    const child = spawn(node24Binary(), [RIC_ENTRY], {
      cwd: taskRoot,
      env: {
        PATH: process.env.PATH ?? '',
        ...LAMBDA_ENV,
        ...env,
        AWS_LAMBDA_RUNTIME_API: api.address,
        LAMBDA_TASK_ROOT: taskRoot,
        _HANDLER: `${basename(bundle).replace(/\.[cm]?js$/, '')}.${handlerName}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout = collectLines(child.stdout!);
    const stderr = collectLines(child.stderr!);
    const exited = new Promise<number | null>((resolve) => {
      child.once('close', resolve);
      child.once('error', (error) => {
        stderr.push(`could not start the runtime client: ${error.message}`);
        resolve(null);
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const state = await Promise.race([
      api.idle(),
      exited.then(() => 'exited' as const),
      new Promise<'too long'>((resolve) => (timer = setTimeout(() => resolve('too long'), INIT_LIMIT_MS))),
    ]).finally(() => clearTimeout(timer));
    const ms = performance.now() - started;
    if (state === 'too long') {
      child.kill();
      await Promise.all([exited, api.close()]);
      throw new Error(`init did not finish in ${INIT_LIMIT_MS / 1000} s (Lambda's limit):\n${stderr.join('\n')}`);
    }
    if (state === 'next') return new RicFunction(child, api, { kind: 'ready', ms }, stdout, stderr, exited);
    const exitCode = await exited;
    await api.close();
    const [error] = api.initErrors;
    if (!error)
      throw new Error(`the runtime exited (${exitCode}) during init without an init error:\n${stderr.join('\n')}`);
    return new RicFunction(child, api, { kind: 'failed', error, exitCode }, stdout, stderr, exited);
  }

  /**
   * Invokes the function with `event`, and settles once the runtime has posted its answer and asked for the next
   * invocation (so everything the invocation wrote is in), or when nothing was posted by the deadline.
   *
   * @throws Error with the runtime's stderr when the process exits during the invocation.
   */
  async invoke(event: unknown, options?: InvokeOptions): Promise<RicInvocation> {
    const from = this.stdout.length;
    const { invocation, outcome } = this.api.invoke(event, options);
    const exited = this.#exited.then((code) => {
      throw new Error(`the runtime exited (${code}) during the invocation:\n${this.stderr.join('\n')}`);
    });
    exited.catch(() => undefined);
    const posted = await Promise.race([outcome, exited]);
    if (posted.kind !== 'timed-out') await Promise.race([this.api.idle(), exited]);
    await turn();
    return { invocation, outcome: posted, stdout: this.stdout.slice(from) };
  }

  /** The stdout lines that are JSON objects, parsed. */
  logs(lines: readonly string[] = this.stdout): Record<string, unknown>[] {
    return lines.flatMap((line) => {
      try {
        const value: unknown = JSON.parse(line);
        return typeof value === 'object' && value !== null ? [value as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
  }

  /** Stops the process (as Lambda stops an environment) and the runtime API, once everything written is read. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
    await this.#exited;
    await this.api.close();
  }
}

function collectLines(stream: NodeJS.ReadableStream): string[] {
  const lines: string[] = [];
  let rest = '';
  stream.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts.filter((line) => line !== ''));
  });
  stream.on('end', () => {
    if (rest !== '') lines.push(rest);
  });
  return lines;
}
