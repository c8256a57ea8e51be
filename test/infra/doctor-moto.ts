import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * moto_server — an independent implementation of the AWS APIs, preinstalled on development and CI machines — on a
 * free loopback port, for the doctor's CloudFormation and Lambda calls. Always {@link MotoServer.stop} it.
 */
export class MotoServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly endpoint: string,
  ) {}

  /** Starts moto_server and waits until it answers. @throws Error saying so when it is missing or does not answer */
  static async start(readyTimeoutMs = 60_000): Promise<MotoServer> {
    const port = await freePort();
    const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    const server = new MotoServer(child, `http://127.0.0.1:${port}`);
    let failure: Error | undefined;
    child.once('error', (error) => (failure = new Error(`moto_server could not be started: ${error.message}`)));
    child.once('exit', (code) => (failure ??= new Error(`moto_server exited (${code}) before answering`)));
    const deadline = Date.now() + readyTimeoutMs;
    while (!(await answers(`${server.endpoint}/moto-api/data.json`))) {
      if (failure) throw failure;
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`moto_server did not answer within ${readyTimeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return server;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
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
