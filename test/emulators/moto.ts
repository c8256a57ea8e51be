import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { CreateBucketCommand, GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { REGION, sdkEnv, type StoredObject } from './aws.ts';

/** How to get moto_server when it is missing (CI and development machines have it preinstalled). */
const MOTO_INSTALL = "pip install 'moto[server]'";

export interface MotoServerOptions {
  /**
   * The moto_server executable, looked up on the PATH.
   * @default 'moto_server'
   */
  readonly command?: string;
  /**
   * How long to wait for moto_server to answer before giving up (it takes a few seconds to import moto).
   * @default 30_000
   */
  readonly readyTimeoutMs?: number;
}

/**
 * moto_server — an independent implementation of the AWS APIs — on a free loopback port, for checking the real AWS
 * SDK clients and the built bundle against something other than this repository's own AWS endpoint. Start it with
 * {@link MotoServer.start} and always {@link MotoServer.stop} it (also done when the test process exits).
 */
export class MotoServer {
  readonly #killOnExit = () => this.child.kill('SIGKILL');
  #s3Client: S3Client | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    process.once('exit', this.#killOnExit);
  }

  /**
   * Starts moto_server and waits until it answers.
   *
   * @throws Error saying how to install it when `moto_server` is not on the PATH, or with its output when it exits or
   *   does not answer in time (the process is stopped first).
   */
  static async start({
    command = 'moto_server',
    readyTimeoutMs = 30_000,
  }: MotoServerOptions = {}): Promise<MotoServer> {
    const port = await freePort();
    const child = spawn(command, ['-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const server = new MotoServer(child, port);
    try {
      await server.#ready(command, readyTimeoutMs, output);
      return server;
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  /** `http://127.0.0.1:<port>`, for every AWS service moto emulates. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The environment that points the real SDK clients (SSM, Secrets Manager, S3) at moto, with dummy credentials. */
  get env(): Record<string, string> {
    return sdkEnv(this.endpoint, 'AKIDMOTOSERVER', 'moto-server-secret');
  }

  /** Creates `bucket` in moto's S3, as an admin would before pointing `SECRET_CACHE_S3` at it. */
  async createBucket(bucket: string): Promise<void> {
    await this.#s3().send(new CreateBucketCommand({ Bucket: bucket }));
  }

  /** The object at `bucket`/`key` in moto's S3 (body as text), or undefined when there is none. */
  async readObject(bucket: string, key: string): Promise<Omit<StoredObject, 'etag'> | undefined> {
    try {
      const object = await this.#s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return { body: await object.Body!.transformToString(), contentType: object.ContentType };
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  /** Stops moto_server (SIGTERM, then SIGKILL after 2 s) and waits for it to exit. */
  async stop(): Promise<void> {
    process.off('exit', this.#killOnExit);
    this.#s3Client?.destroy();
    if (this.child.pid === undefined || this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const escalate = setTimeout(() => this.child.kill('SIGKILL'), 2_000);
    await exited;
    clearTimeout(escalate);
  }

  /** A path-style S3 client on moto, with the credentials of {@link env}. */
  #s3(): S3Client {
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = this.env;
    this.#s3Client ??= new S3Client({
      endpoint: this.endpoint,
      region: REGION,
      credentials: { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey! },
      forcePathStyle: true,
    });
    return this.#s3Client;
  }

  async #ready(command: string, timeoutMs: number, output: string[]): Promise<void> {
    let failure: Error | undefined;
    const onError = (error: NodeJS.ErrnoException) => {
      failure =
        error.code === 'ENOENT'
          ? new Error(`${command} is not installed (not on the PATH): ${MOTO_INSTALL}`)
          : new Error(`${command} could not be started: ${error.message}`);
    };
    const onExit = (code: number | null) => {
      failure ??= new Error(`${command} exited (${code}) before answering:\n${output.join('')}`);
    };
    this.child.once('error', onError).once('exit', onExit);
    try {
      const deadline = Date.now() + timeoutMs;
      while (failure === undefined) {
        if (await answers(`${this.endpoint}/moto-api/data.json`)) return;
        if (Date.now() > deadline) {
          throw new Error(`${command} did not answer on ${this.endpoint} within ${timeoutMs} ms:\n${output.join('')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw failure;
    } finally {
      this.child.off('error', onError).off('exit', onExit);
    }
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
