import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Functions per page, small so that the doctor's paging is exercised. */
const PAGE_SIZE = 2;

/**
 * A stand-in for Amazon Connect's `ListLambdaFunctions` (`GET /instance/{InstanceId}/lambda-functions`), which
 * moto_server does not implement: the Lambda ARNs associated with each instance, in pages, 404 for an unknown
 * instance, and a refusal of unsigned requests.
 */
export class ConnectStub {
  /** Associated Lambda ARNs by instance id. */
  readonly instances = new Map<string, string[]>();
  /** Request paths seen, in order. */
  readonly requests: string[] = [];
  readonly #server: Server;

  private constructor() {
    this.#server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://stub');
      this.requests.push(url.pathname);
      const send = (status: number, body: unknown, errorType?: string) => {
        res.writeHead(status, {
          'content-type': 'application/json',
          ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
        });
        res.end(JSON.stringify(body));
      };
      if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
        return send(403, { Message: 'Missing Authentication Token' }, 'AccessDeniedException');
      }
      const [, instanceId] = /^\/instance\/([^/]+)\/lambda-functions$/.exec(url.pathname) ?? [];
      const functions = instanceId ? this.instances.get(decodeURIComponent(instanceId)) : undefined;
      if (!functions) return send(404, { Message: 'Instance not found' }, 'ResourceNotFoundException');
      const start = Number(url.searchParams.get('nextToken') ?? 0);
      const next = start + PAGE_SIZE < functions.length ? String(start + PAGE_SIZE) : undefined;
      send(200, { LambdaFunctions: functions.slice(start, start + PAGE_SIZE), ...(next ? { NextToken: next } : {}) });
    });
  }

  static async start(): Promise<ConnectStub> {
    const stub = new ConnectStub();
    await new Promise<void>((resolve) => stub.#server.listen(0, '127.0.0.1', resolve));
    return stub;
  }

  /** Forgets the instances and the requests seen. */
  reset(): void {
    this.instances.clear();
    this.requests.length = 0;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
