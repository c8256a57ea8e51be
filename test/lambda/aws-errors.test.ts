import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createServer as createHttpServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { KeyError, TimeoutError } from '../../lambda/src/errors.ts';
import { keyFetchError, RetryableKeyError } from '../../lambda/src/key/aws-errors.ts';

const WHERE = 'SSM parameter /k (PRIVATE_KEY_PARAM_NAME)';
const live = () => new AbortController().signal;

/** Starts `server` on loopback for one test and returns its URL. */
async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<string> {
  onTestFinished(() => void server.close());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** What the real SSM client throws when its endpoint answers like `server` (one attempt, as the bridge's clients). */
async function ssmError(endpoint: string): Promise<unknown> {
  const client = new SSMClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  onTestFinished(() => client.destroy());
  return client.send(new GetParameterCommand({ Name: '/k', WithDecryption: true })).then(
    () => expect.unreachable('GetParameter succeeded'),
    (error: unknown) => error,
  );
}

/** An endpoint answering every request with `status` and an AWS JSON 1.1 error of type `type`. */
const answering = (status: number, type: string) =>
  listen(
    createHttpServer((req, res) => {
      req.resume().on('end', () => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type });
        res.end(JSON.stringify({ __type: type, message: type }));
      });
    }),
  );

describe('Function: keyFetchError', () => {
  it('retries a network fault: a reset connection, which has no HTTP status', async () => {
    const endpoint = await listen(createTcpServer((socket) => socket.resetAndDestroy()));
    const fault = await ssmError(endpoint);

    const error = keyFetchError(fault, WHERE, live());

    expect((fault as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBeUndefined();
    expect(error).toBeInstanceOf(RetryableKeyError);
    // The reset reaches the client as ECONNRESET, or as EPIPE when it was still sending.
    expect(error.message).toMatch(/failed: the connection was (reset \(ECONNRESET\)|closed while sending \(EPIPE\))$/);
  });

  it('retries a 5xx', async () => {
    const fault = await ssmError(await answering(500, 'InternalServerError'));

    const error = keyFetchError(fault, WHERE, live());

    expect(error).toBeInstanceOf(RetryableKeyError);
    expect(error.message).toBe(`reading ${WHERE} failed: AWS answered InternalServerError, HTTP 500`);
  });

  it('does not retry a 4xx it has no name for', async () => {
    const fault = await ssmError(await answering(400, 'ValidationException'));

    const error = keyFetchError(fault, WHERE, live());

    expect(error).toBeInstanceOf(KeyError);
    expect(error).not.toBeInstanceOf(RetryableKeyError);
    expect(error.message).toBe(`reading ${WHERE} failed: AWS answered ValidationException, HTTP 400`);
  });

  it.each<[string, number, string, boolean]>([
    ['ThrottlingException', 400, `reading ${WHERE} was throttled (ThrottlingException)`, true],
    ['ParameterNotFound', 400, `${WHERE} was not found`, false],
    ['AccessDeniedException', 400, `the function is not allowed to read ${WHERE} (AccessDeniedException)`, false],
    ['InvalidKeyId', 400, `${WHERE} could not be decrypted with its KMS key (InvalidKeyId)`, false],
  ])('reads %s (%i) as KEY: "%s", retried: %s', async (type, status, message, retried) => {
    const fault = await ssmError(await answering(status, type));

    const error = keyFetchError(fault, WHERE, live());

    expect(error).toBeInstanceOf(KeyError);
    expect(error instanceof RetryableKeyError).toBe(retried);
    expect(error.message).toBe(message);
  });

  it('reports TIMEOUT, whatever the failure, once the deadline has aborted the read', () => {
    const aborted = AbortSignal.abort();

    const error = keyFetchError(new Error('The operation was aborted'), WHERE, aborted);

    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toBe(`reading ${WHERE} did not finish in time`);
  });
});
