import { generateKeyPairSync } from 'node:crypto';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Bridge } from '../../lambda/src/bridge.ts';
import { readConfig } from '../../lambda/src/config.ts';
import { Deadline } from '../../lambda/src/deadline.ts';
import { KeyError } from '../../lambda/src/errors.ts';
import type { CachedOrg } from '../../lambda/src/key/cache.ts';
import { OrgCache } from '../../lambda/src/key/cache.ts';
import type { Org, OrgSource } from '../../lambda/src/key/source.ts';
import { Logger } from '../../lambda/src/logger.ts';
import type { OrgRecordStore } from '../../lambda/src/org-record.ts';
import { SalesforceClient } from '../../lambda/src/salesforce-client.ts';
import { TokenStock } from '../../lambda/src/token-stock.ts';

const KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

let server: Server;
let port: number;
const accepted: Socket[] = [];

beforeAll(async () => {
  server = createServer((socket) => void accepted.push(socket.resume()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(async () => {
  for (const socket of accepted) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

/** The local stand-in for Salesforce's host (it accepts, and never answers). */
const endpointBase = () => `https://127.0.0.1:${port}/telephony/v1`;
const org = (base = endpointBase()): Org => ({
  settings: { endpointBase: base, orgId: '00DKz000001AbCdEAA', callCenterApiName: 'ConnectCallCenter' },
  key: KEY,
});

/** A TCP connection to the stand-in, once open. */
async function openSocket(): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

/** A bridge configured from the environment (`home: 'env'`) or by a contact-centre secret, whose lines are kept. */
function bridge(home: 'env' | 'secret', orgRecords?: OrgRecordStore) {
  const env =
    home === 'env'
      ? {
          SCRT_ENDPOINT_BASE: endpointBase(),
          SALESFORCE_ORG_ID: '00DKz000001AbCdEAA',
          CALL_CENTER_API_NAME: 'ConnectCallCenter',
          PRIVATE_KEY_PARAM_NAME: '/connect/key',
        }
      : { SECRET_NAME: 'sfdc/acme' };
  const lines: Record<string, unknown>[] = [];
  const config = readConfig(env);
  const source: OrgSource = { description: 'in memory', load: async () => org() };
  const orgs = new OrgCache(source, { ttlMs: 60_000, sourceFor: () => source });
  const logger = new Logger('INFO', (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  const client = new SalesforceClient(config);
  const tokens = new TokenStock({ mintAhead: false });
  const instance = new Bridge(config, logger, orgs, client, tokens, orgRecords);
  return { instance, lines, client, tokens };
}

const loaded = (value = org()): Promise<CachedOrg> => Promise.resolve({ org: value, fetched: true });

describe('Class: Bridge', () => {
  describe('Method: warmUp', () => {
    it("takes the entry's connection, mints the first token and rehearses a call, and says so", async () => {
      // Prepare
      const { instance, lines, client, tokens } = bridge('env');
      const adopt = vi.spyOn(client, 'adopt');
      const socket = await openSocket();
      const home = org();

      // Act
      await instance.warmUp({ deadline: Deadline.in(3_000), home: loaded(home), connection: Promise.resolve(socket) });
      await tokens.take(home);

      // Assess
      expect(adopt.mock.calls).toEqual([[endpointBase(), socket]]);
      expect(adopt.mock.results[0]!.value).toBe(true);
      expect(tokens.counts).toEqual({ ahead: 1, onTheSpot: 0 });
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'INFO',
          message: 'container ready',
          key: 'ready',
          connection: 'open',
          rehearsal: 'routed in memory (NONE)',
          ms: expect.any(Number),
        }),
      ]);
      expect(lines[0]!.ms).toBeLessThan(3_000);
      await client.close();
    });

    it('opens the connection to the host the contact-centre secret names, once it is read', async () => {
      const { instance, client } = bridge('secret');
      const adopt = vi.spyOn(client, 'adopt');
      const socket = await openSocket();
      const other = `https://127.0.0.1:${port}/other/telephony/v1`;

      await instance.warmUp({
        deadline: Deadline.in(3_000),
        home: loaded(org(other)),
        connection: Promise.resolve(socket),
      });

      expect(adopt.mock.calls).toEqual([[other, socket]]);
      await client.close();
    });

    it("opens one itself when the entry's did not open: here to a host that speaks no TLS, so none", async () => {
      const { instance, lines, client } = bridge('env');
      const adopt = vi.spyOn(client, 'adopt');
      const before = accepted.length;

      await instance.warmUp({ deadline: Deadline.in(300), home: loaded(), connection: Promise.resolve(undefined) });

      expect(accepted.length).toBe(before + 1);
      expect(adopt).not.toHaveBeenCalled();
      expect(lines[0]).toMatchObject({ key: 'ready', connection: 'not open', rehearsal: 'routed in memory (NONE)' });
      await client.close();
    });

    it('says not open when the client refuses the connection (closed already)', async () => {
      const { instance, lines } = bridge('env');
      const socket = await openSocket();
      socket.destroy();

      await instance.warmUp({ deadline: Deadline.in(3_000), home: loaded(), connection: Promise.resolve(socket) });

      expect(lines[0]).toMatchObject({ connection: 'not open' });
    });

    it("stops waiting for the connection at the warm-up's deadline", async () => {
      const { instance, lines } = bridge('env');
      const started = performance.now();

      await instance.warmUp({ deadline: Deadline.in(100), home: loaded(), connection: new Promise(() => {}) });

      expect(performance.now() - started).toBeLessThan(1_000);
      expect(lines[0]).toMatchObject({ connection: 'not open' });
    });

    it('says why the key is not ready when the read failed, and that the rehearsal could not run', async () => {
      const { instance, lines, client } = bridge('env');
      const socket = await openSocket();
      const failed = Promise.reject(new KeyError('SSM parameter /connect/key (PRIVATE_KEY_PARAM_NAME) was not found'));

      await instance.warmUp({ deadline: Deadline.in(3_000), home: failed, connection: Promise.resolve(socket) });

      expect(lines[0]).toMatchObject({
        key: 'SSM parameter /connect/key (PRIVATE_KEY_PARAM_NAME) was not found',
        connection: 'open',
        rehearsal: 'failed',
      });
      await client.close();
    });

    it('loads the S3 client when org records are written', async () => {
      const prepare = vi.fn(async () => undefined);
      const { instance } = bridge('env', { prepare } as unknown as OrgRecordStore);
      const socket = await openSocket();

      await instance.warmUp({ deadline: Deadline.in(3_000), home: loaded(), connection: Promise.resolve(socket) });

      expect(prepare).toHaveBeenCalledTimes(1);
    });
  });
});
