import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Metafile } from 'esbuild';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BUNDLE_DIR, METAFILE } from '../../lambda/build.ts';
import { expectCleanLogs, sampleEvent, useSandbox } from '../support/integration.ts';
import { BUNDLE, LambdaContainer } from '../support/lambda-container.ts';
import { ORG_B_SECRET, SECRET_ONLY_ENV } from '../support/sandbox.ts';

const { sandbox, container } = useSandbox();

const copies: string[] = [];
const started: LambdaContainer[] = [];

/** A copy of the built bundle in which `replace` maps output files (by the source they were built from) to new text. */
function bundleCopy(replace: (entryPoint: string) => string | 'delete' | undefined): string {
  const meta = JSON.parse(readFileSync(METAFILE, 'utf8')) as Metafile;
  const dir = mkdtempSync(join(tmpdir(), 'omniflow-bundle-'));
  copies.push(dir);
  cpSync(BUNDLE_DIR, dir, { recursive: true });
  for (const [output, { entryPoint }] of Object.entries(meta.outputs)) {
    const change = entryPoint === undefined ? undefined : replace(entryPoint);
    if (change === 'delete') rmSync(join(dir, basename(output)));
    else if (change !== undefined) writeFileSync(join(dir, basename(output)), change);
  }
  return join(dir, 'index.mjs');
}

async function start(bundle: string, env: Record<string, string | undefined> = {}): Promise<LambdaContainer> {
  const lambda = await LambdaContainer.start({ env: sandbox().env(env), bundle });
  started.push(lambda);
  return lambda;
}

afterEach(async () => {
  const containers = started.splice(0);
  await Promise.all(containers.map((c) => c.stop()));
  for (const lambda of containers) expectCleanLogs(lambda, sandbox());
});
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

describe('Integration: cold start of the built bundle', () => {
  it('opens the TLS connection to SCRT_ENDPOINT_BASE from the entry, before the rest of the function is loaded', async () => {
    // Prepare: the rest of init replaced by a stand-in that only reports on the entry's connection
    const bundle = bundleCopy((source) =>
      source === 'lambda/src/container.ts'
        ? `export async function startContainer(_settings, connection) {
             const socket = await connection;
             return async () => ({ status: 'STAND-IN', connection: socket ? socket.alpnProtocol : 'none' });
           }`
        : undefined,
    );

    // Act
    const lambda = await start(bundle);
    const outcome = await lambda.invoke(sampleEvent('inbound-call'));

    // Assess
    expect(outcome.result).toEqual({ status: 'STAND-IN', connection: 'http/1.1' });
    expect(sandbox().salesforce.tlsConnections).toBe(1);
    expect(sandbox().aws.counts.getParameter).toBe(0);
  });

  it.each([
    ['the entry opened (SCRT_ENDPOINT_BASE)', {}],
    ['init opened once the contact-centre secret named the host', SECRET_ONLY_ENV],
  ])('routes over the connection %s: one TLS handshake for init and every call', async (_opened, env) => {
    const lambda = await container(env);

    const outcomes = [
      await lambda.invoke(sampleEvent('inbound-call')),
      await lambda.invoke(sampleEvent('inbound-call')),
    ];

    expect(outcomes.map((o) => o.result?.status)).toEqual(['OK', 'OK']);
    expect(sandbox().salesforce.tlsConnections).toBe(1);
    expect(lambda.logs().find((l) => l.message === 'container ready')).toMatchObject({ connection: 'open' });
  });

  it("opens the connection again during init when the entry's attempt failed, and routes over it", async () => {
    // Prepare: in front of Salesforce, a proxy that drops the first connection (the entry's) and relays the others
    let accepted = 0;
    const proxy = createServer((socket) => {
      if (++accepted === 1) {
        socket.destroy();
        return;
      }
      const upstream = connect(sandbox().salesforce.port, '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      for (const end of [socket, upstream]) end.on('error', () => (socket.destroy(), upstream.destroy()));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = proxy.address() as AddressInfo;
      const lambda = await start(BUNDLE, { SCRT_ENDPOINT_BASE: `https://localhost:${port}/telephony/v1` });
      const atInit = accepted;

      // Act
      const outcome = await lambda.invoke(sampleEvent('inbound-call'));

      // Assert: the warm-up's connection, opened during init, carried the call
      expect(outcome.result?.status).toBe('OK');
      expect(lambda.logs().find((l) => l.message === 'container ready')).toMatchObject({ connection: 'open' });
      expect([atInit, accepted, sandbox().salesforce.tlsConnections]).toEqual([2, 2, 1]);
    } finally {
      proxy.close();
    }
  });

  it("keeps undici's HTTP parser on V8's baseline compiler: no TurboFan compile in the background of early calls", async () => {
    // Prepare: V8 traces every WebAssembly function it compiles, naming the compiler
    const lambda = await LambdaContainer.start({
      env: sandbox().env(),
      nodeFlags: ['--trace-wasm-compilation-times'],
    });
    started.push(lambda);

    // Act: more calls than V8's default budget lets the parser run before recompiling it, then time for a compile
    for (let i = 0; i < 40; i++) await lambda.invoke(sampleEvent('inbound-call'));
    await sleep(1_000);

    // Assert
    const compiled = [...lambda.stdout, ...lambda.stderr].filter((line) => /^Compiled function .* using /.test(line));
    expect(compiled.some((line) => line.includes('using Liftoff'))).toBe(true);
    expect(compiled.filter((line) => line.includes('using TurboFan'))).toEqual([]);
    expect(lambda.stderr).toEqual([]);
  });

  it('rehearses a whole call in memory during init, sending Salesforce nothing and logging no call', async () => {
    // Act
    const lambda = await container();
    const duringInit = { requests: sandbox().salesforce.requests.length, logs: lambda.logs() };
    const outcome = await lambda.invoke(sampleEvent('inbound-call'));

    // Assess
    expect(duringInit.requests).toBe(0);
    expect(duringInit.logs.find((l) => l.message === 'container ready')).toMatchObject({
      rehearsal: 'routed in memory (NONE)',
    });
    expect(duringInit.logs.filter((l) => /routed/.test(String(l.message)))).toEqual([]);
    expect(outcome.result?.routingTarget).toBe('AGENT');
    expect(sandbox().salesforce.requests).toHaveLength(1);
    expect(lambda.logs().filter((l) => /routed/.test(String(l.message)))).toHaveLength(1);
  });

  describe("the AWS SDK's credentials", () => {
    /** The bundle without the SDK's default credential chain (and the chunks only it loads). */
    const withoutChain = () =>
      bundleCopy((source) =>
        /^node_modules\/@aws-sdk\/(credential-provider-(node|ini|sso|process|web-identity|http|login)|nested-clients)\//.test(
          source,
        )
          ? 'delete'
          : undefined,
      );

    it.each([
      ['an SSM parameter', {}],
      ["Salesforce's contact-centre secret, and a second org's", SECRET_ONLY_ENV],
    ])("come from Lambda's environment without loading the default chain: key in %s", async (_where, env) => {
      const lambda = await start(withoutChain(), env);

      const home = await lambda.invoke(sampleEvent('inbound-call'));
      const other = sampleEvent('inbound-call') as { Details: { Parameters: Record<string, string> } };
      other.Details.Parameters.secretName = ORG_B_SECRET;
      const orgB = await lambda.invoke(other);

      expect([home.result?.status, orgB.result?.status], JSON.stringify([home, orgB])).toEqual(['OK', 'OK']);
      expect(sandbox().aws.counts.unsigned).toBe(0);
    });

    it('come from the default chain when the environment holds no keys (here a shared credentials file)', async () => {
      // Prepare
      const dir = mkdtempSync(join(tmpdir(), 'omniflow-aws-'));
      copies.push(dir);
      const credentials = join(dir, 'credentials');
      writeFileSync(
        credentials,
        '[default]\naws_access_key_id = AKIDFROMPROFILE\naws_secret_access_key = from-profile\n',
      );

      // Act
      const lambda = await container({
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_SHARED_CREDENTIALS_FILE: credentials,
        AWS_CONFIG_FILE: join(dir, 'config'),
      });
      const outcome = await lambda.invoke(sampleEvent('inbound-call'));

      // Assess
      expect(outcome.result?.status, JSON.stringify(outcome)).toBe('OK');
      expect(sandbox().aws.counts.getParameter).toBe(1);
    });
  });

  describe('tokens minted ahead', () => {
    it('sends every request a token never sent before, so Salesforce refuses none', async () => {
      const lambda = await container();

      for (let i = 0; i < 8; i++) await lambda.invoke(sampleEvent('inbound-call'));

      const { requests } = sandbox().salesforce;
      expect(requests.map((r) => r.refused)).toEqual(Array(8).fill(undefined));
      expect(new Set(requests.map((r) => r.claims?.jti)).size).toBe(8);
    });

    it("mints the first call's token during init and each next one while the call before is in flight", async () => {
      // Prepare: each call comes more than a second after the previous token can have been minted
      const lambda = await container();
      const callStarts: number[] = [];

      // Act
      for (let i = 0; i < 3; i++) {
        await sleep(1_100);
        callStarts.push(Math.floor(Date.now() / 1000));
        await lambda.invoke(sampleEvent('inbound-call'));
      }

      // Assess: a token minted when its call starts would carry that second (or a later one) as iat
      const issued = sandbox().salesforce.requests.map((r) => r.claims?.iat);
      expect(issued).toHaveLength(3);
      issued.forEach((iat, i) => expect(iat).toBeLessThan(callStarts[i]!));
      expect(lambda.logs().filter((l) => l.message === 'routed')).toHaveLength(3);
    });
  });
});
