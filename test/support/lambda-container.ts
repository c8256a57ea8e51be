import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { nodeBinary, type Runtime, runtimeFromEnv } from './node-runtime.ts';

/** The deployable bundle, the one file every integration test, the sandbox and the benchmark run. */
export const BUNDLE = fileURLToPath(new URL('../../dist/lambda/index.mjs', import.meta.url));
const RUNTIME = fileURLToPath(new URL('./container-runtime.mjs', import.meta.url));
/**
 * The line the container runtime writes to stdout after each invocation, before it sends the result. stdout and the
 * IPC channel are separate pipes, so the result can arrive before the invocation's last log line; an invocation is
 * over when both the result and this line are in.
 */
const FLUSHED = '@@container-runtime flushed ';

/** One invocation's outcome, as the Lambda service would see it. */
export interface Invocation {
  readonly result?: Record<string, string>;
  readonly error?: { readonly errorType: string; readonly errorMessage: string; readonly stack: string };
  /** True when the handler had not settled by the function timeout (Lambda would have killed it). */
  readonly timedOut?: boolean;
  readonly durationMs: number;
}

export interface ContainerOptions {
  /** The function's environment (settings, endpoints, NODE_EXTRA_CA_CERTS), on top of a minimal base. */
  readonly env: Record<string, string>;
  /** @default BUNDLE */
  readonly bundle?: string;
  /**
   * The Node that runs the container.
   * @default runtimeFromEnv() — what the vitest project names, else `host`
   */
  readonly runtime?: Runtime;
  /** Flags for the container's `node` (V8 tracing, say): Lambda's own command line can't be changed. @default none */
  readonly nodeFlags?: readonly string[];
  /**
   * Called with the process id as soon as the process is spawned, before init: to place it in a cgroup, say.
   * @default none
   */
  readonly onSpawn?: (pid: number) => void;
}

/** The container process's memory, and the CPU time all its threads have used so far. */
export interface ContainerStats {
  readonly rssBytes: number;
  readonly maxRssKiB: number;
  readonly cpuMs: number;
}

type Message =
  | { type: 'ready'; initMs: number; nodeVersion: string }
  | ({ type: 'stats'; id: string } & ContainerStats)
  | { type: 'init-error'; nodeVersion: string; errorType: string; errorMessage: string }
  | ({ type: 'result'; id: string } & Invocation);

/**
 * A Lambda container for the built bundle: a child process that loads it once (init) and then serves invocations
 * one at a time, each with a context whose `getRemainingTimeInMillis` counts down to the function timeout.
 */
export class LambdaContainer {
  readonly #pending = new Map<string, (answer: never) => void>();
  readonly #closed: Promise<unknown>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly flushes: Map<string, () => void>,
    readonly initMs: number,
    /** The runtime the container was started with. */
    readonly runtime: Runtime,
    /** `process.version` as the container process itself reports it. */
    readonly nodeVersion: string,
    /** Every line the function wrote to stdout / stderr, init included. */
    readonly stdout: string[],
    readonly stderr: string[],
  ) {
    this.#closed = new Promise((resolve) => child.once('close', resolve));
    child.on('message', (message: Message) => {
      if (message.type !== 'result' && message.type !== 'stats') return;
      const { type: _, id, ...answer } = message;
      this.#pending.get(id)?.(answer as never);
      this.#pending.delete(id);
    });
  }

  static async start({
    env,
    bundle = BUNDLE,
    runtime = runtimeFromEnv(),
    nodeFlags = [],
    onSpawn,
  }: ContainerOptions): Promise<LambdaContainer> {
    const child = fork(RUNTIME, [], {
      execPath: nodeBinary(runtime),
      // The deployed runtime is Node 24; the SDK's "Node < 22" notice would only be noise from this local stand-in.
      env: {
        PATH: process.env.PATH ?? '',
        TZ: 'UTC',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...env,
        BRIDGE_BUNDLE: bundle,
        BRIDGE_FLUSHED: FLUSHED,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [...nodeFlags],
    });
    try {
      if (child.pid !== undefined) onSpawn?.(child.pid);
    } catch (error) {
      child.kill();
      throw error;
    }
    const stdout: string[] = [];
    const stderr: string[] = [];
    const flushes = new Map<string, () => void>();
    collectLines(child.stdout!, stdout, (line) => {
      if (!line.startsWith(FLUSHED)) return false;
      flushes.get(line.slice(FLUSHED.length))?.();
      return true;
    });
    collectLines(child.stderr!, stderr);
    const first = await new Promise<Message>((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) =>
        reject(new Error(`container (${runtime}) exited during init (${code}): ${stderr.join('\n')}`)),
      );
    });
    if (first.type !== 'ready') throw new Error(`init failed (${runtime}): ${JSON.stringify(first)}`);
    return new LambdaContainer(child, flushes, first.initMs, runtime, first.nodeVersion, stdout, stderr);
  }

  /** The container's process id. */
  get pid(): number {
    return this.child.pid!;
  }

  /**
   * Invokes the handler with `event` and a function timeout of `timeoutMs` (Lambda's, not Connect's). Settles once
   * the result and every line the invocation wrote to stdout are in.
   */
  async invoke(event: unknown, { timeoutMs = 8_000 } = {}): Promise<Invocation> {
    const id = randomUUID();
    const flushed = new Promise<void>((resolve) => this.flushes.set(id, resolve));
    const answered = new Promise<Invocation>((resolve) => this.#pending.set(id, resolve));
    this.child.send({ id, event, timeoutMs });
    const [answer] = await Promise.all([answered, flushed]);
    this.flushes.delete(id);
    return answer;
  }

  /** The container's current and peak memory. */
  stats(): Promise<ContainerStats> {
    const id = randomUUID();
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.child.send({ id, type: 'stats' });
    });
  }

  /** The JSON log lines written so far. */
  logs(): Record<string, unknown>[] {
    return this.stdout.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  /** Stops the container and waits until everything it wrote has been read. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
    await this.#closed;
  }
}

function collectLines(stream: NodeJS.ReadableStream, into: string[], consumed = (_line: string) => false): void {
  let rest = '';
  stream.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    into.push(...lines.filter((line) => line !== '' && !consumed(line)));
  });
}
