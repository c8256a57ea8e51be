import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Bridge } from '../../lambda/src/bridge.ts';
import { readConfig } from '../../lambda/src/config.ts';
import type { Deadline } from '../../lambda/src/deadline.ts';
import { OrgCache } from '../../lambda/src/key/cache.ts';
import { KeyError } from '../../lambda/src/errors.ts';
import { Logger } from '../../lambda/src/logger.ts';
import inboundCall from '../events/inbound-call.json' with { type: 'json' };

const ENV = {
  SCRT_ENDPOINT_BASE: 'https://acme.my.salesforce-scrt.com/telephony/v1',
  SALESFORCE_ORG_ID: '00DKz000001AbCdEAA',
  CALL_CENTER_API_NAME: 'ConnectCallCenter',
  PRIVATE_KEY_PARAM_NAME: '/connect/key',
};

/** A Lambda context with `remainingMs` left, which does not count down (the clock is fake). */
const lambdaContext = (remainingMs: number) =>
  ({ awsRequestId: 'r-1', getRemainingTimeInMillis: () => remainingMs }) as unknown as Context;

/** A bridge whose log lines are kept, and whose org and key read (the first lower layer) never settles. */
function stuckBridge(env: Record<string, string> = {}): { bridge: Bridge; deadlines: Deadline[]; lines: string[] } {
  const deadlines: Deadline[] = [];
  vi.spyOn(OrgCache.prototype, 'get').mockImplementation((_secretName, deadline) => {
    deadlines.push(deadline);
    return new Promise(() => {});
  });
  const lines: string[] = [];
  const bridge = new Bridge(readConfig({ ...ENV, ...env }), new Logger('INFO', (line) => lines.push(line)));
  return { bridge, deadlines, lines };
}

describe('Class: Bridge', () => {
  describe('Method: handle', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
      vi.restoreAllMocks();
    });

    it("gives the call Lambda's remaining time less 300 ms", () => {
      const { bridge, deadlines } = stuckBridge();

      void bridge.handle(inboundCall, lambdaContext(1_000)).catch(() => {});

      expect(deadlines.map((deadline) => deadline.remaining())).toEqual([700]);
    });

    it("takes what init cost from the block's timeout: Connect's clock ran while the container started", () => {
      const { bridge, deadlines } = stuckBridge({ FLOW_BLOCK_TIMEOUT_SECONDS: '4' });

      void bridge.handle(inboundCall, lambdaContext(8_000), 3_300).catch(() => {});

      expect(deadlines.map((deadline) => deadline.remaining())).toEqual([4_000 - 3_300 - 300]);
    });

    it('leaves no abort behind: the signal that bounded its requests never fires once it has answered', async () => {
      // Prepare
      const signals: AbortSignal[] = [];
      vi.spyOn(OrgCache.prototype, 'get').mockImplementation((_secretName, deadline) => {
        signals.push(deadline.signal());
        return Promise.reject(new KeyError('the key parameter was not found'));
      });
      const bridge = new Bridge(readConfig(ENV), new Logger('INFO', () => {}));

      // Act
      await bridge.handle(inboundCall, lambdaContext(1_000)).catch(() => {});
      await vi.advanceTimersByTimeAsync(2_000);

      // Assess
      expect(signals).toHaveLength(1);
      expect(signals[0]!.aborted).toBe(false);
    });

    it("settles with TIMEOUT 150 ms before Lambda's deadline when a lower layer never settles", async () => {
      // Prepare
      const { bridge, lines } = stuckBridge();
      let settled: unknown;

      // Act
      void bridge.handle(inboundCall, lambdaContext(1_000)).catch((error: unknown) => (settled = error));
      await vi.advanceTimersByTimeAsync(849);
      const before = settled;
      await vi.advanceTimersByTimeAsync(1);

      // Assess
      expect(before).toBeUndefined();
      expect(settled).toMatchObject({ code: 'TIMEOUT', message: 'routing the call did not finish in time' });
      expect(JSON.parse(lines.at(-1)!)).toMatchObject({ message: 'not routed', errorType: 'TIMEOUT' });
    });
  });
});
