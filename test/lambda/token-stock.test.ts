import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import type { Org } from '../../lambda/src/key/source.ts';
import { MAX_TOKEN_AGE_MS, MINT_NEXT_AFTER_MS, TokenStock } from '../../lambda/src/token-stock.ts';

const keyPair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const A = keyPair();
const B = keyPair();
const ORG_A: Org = {
  settings: {
    endpointBase: 'https://acme.my.salesforce-scrt.com/telephony/v1',
    orgId: '00DKz000001AbCdEAA',
    callCenterApiName: 'AcmeCallCenter',
  },
  key: A.privateKey,
};
const ORG_B: Org = {
  settings: {
    endpointBase: 'https://partner.my.salesforce-scrt.com/telephony/v1',
    orgId: '00DKz000002XyZwEAA',
    callCenterApiName: 'PartnerCallCenter',
  },
  key: B.privateKey,
};

/** A clock the test moves by hand. */
function manualClock(start = Date.UTC(2026, 10, 27, 12, 0, 0)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** Lets the stock's next-token minting (scheduled with setImmediate) start. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const jti = (token: string) => decodeJwt(token).jti;
const iat = (token: string) => decodeJwt(token).iat;

describe('Class: TokenStock', () => {
  describe('Method: take', () => {
    it('hands out the token minted ahead, and mints the next while the caller uses it', async () => {
      // Prepare
      const clock = manualClock();
      const stock = new TokenStock({ now: clock.now });
      await stock.prepare(ORG_A);
      clock.advance(5_000);

      // Act
      const first = await stock.take(ORG_A);
      await sleep(MINT_NEXT_AFTER_MS + 1);
      clock.advance(5_000);
      const second = await stock.take(ORG_A);

      // Assess
      expect(iat(first)).toBe(Math.floor((clock.now() - 10_000) / 1000));
      expect(iat(second)).toBe(Math.floor((clock.now() - 5_000) / 1000));
      expect(stock.counts).toEqual({ ahead: 2, onTheSpot: 0 });
    });

    it('never hands out a token twice, also to concurrent callers', async () => {
      const stock = new TokenStock();
      await stock.prepare(ORG_A);

      const tokens = await Promise.all(Array.from({ length: 5 }, () => stock.take(ORG_A)));
      for (let i = 0; i < 5; i++) {
        await sleep(MINT_NEXT_AFTER_MS + 1);
        tokens.push(await stock.take(ORG_A));
      }

      expect(new Set(tokens).size).toBe(10);
      expect(new Set(tokens.map(jti)).size).toBe(10);
      expect(stock.counts.ahead).toBeGreaterThanOrEqual(6);
    });

    it('mints a fresh token when the one minted ahead is older than 60 s', async () => {
      // Prepare
      const clock = manualClock();
      const stock = new TokenStock({ now: clock.now });
      await stock.prepare(ORG_A);
      clock.advance(MAX_TOKEN_AGE_MS);

      // Act
      const token = await stock.take(ORG_A);

      // Assess
      expect(iat(token)).toBe(Math.floor(clock.now() / 1000));
      expect(stock.counts).toEqual({ ahead: 0, onTheSpot: 1 });
    });

    it('still hands out the token minted ahead just under 60 s later', async () => {
      const clock = manualClock();
      const stock = new TokenStock({ now: clock.now });
      await stock.prepare(ORG_A);
      const mintedAt = clock.now();
      clock.advance(MAX_TOKEN_AGE_MS - 1);

      const token = await stock.take(ORG_A);

      expect(iat(token)).toBe(Math.floor(mintedAt / 1000));
      expect(stock.counts).toEqual({ ahead: 1, onTheSpot: 0 });
    });

    it("keeps one token per org, each signed with that org's key and naming that org", async () => {
      const stock = new TokenStock();
      await Promise.all([stock.prepare(ORG_A), stock.prepare(ORG_B)]);

      const forB = await stock.take(ORG_B);
      const forA = await stock.take(ORG_A);

      const b = await jwtVerify(forB, B.publicKey, { issuer: ORG_B.settings.orgId, subject: 'PartnerCallCenter' });
      const a = await jwtVerify(forA, A.publicKey, { issuer: ORG_A.settings.orgId, subject: 'AcmeCallCenter' });
      expect(b.payload.jti).not.toBe(a.payload.jti);
      expect(stock.counts).toEqual({ ahead: 2, onTheSpot: 0 });
    });

    it('does not hand an org loaded again (a new key after a 401) the token minted for the old one', async () => {
      const stock = new TokenStock();
      await stock.prepare(ORG_A);
      const reloaded: Org = { settings: ORG_A.settings, key: keyPair().privateKey };

      const token = await stock.take(reloaded);

      await expect(jwtVerify(token, A.publicKey)).rejects.toThrow('signature verification failed');
      expect(stock.counts).toEqual({ ahead: 0, onTheSpot: 1 });
    });

    it('mints no next token with mintAhead off, so the rehearsal leaves no signature running after init', async () => {
      const stock = new TokenStock({ mintAhead: false });
      await stock.take(ORG_A);
      await sleep(MINT_NEXT_AFTER_MS + 5);

      await stock.take(ORG_A);

      expect(stock.counts).toEqual({ ahead: 0, onTheSpot: 2 });
    });

    it('starts the next signature only once the request is on its way, not on the turn it is written', async () => {
      const stock = new TokenStock();
      await stock.prepare(ORG_A);
      await stock.take(ORG_A);

      await nextTurn();
      await stock.take(ORG_A);

      expect(stock.counts).toEqual({ ahead: 1, onTheSpot: 1 });
    });

    it('mints on the spot when nothing was minted ahead', async () => {
      const stock = new TokenStock();

      const token = await stock.take(ORG_A);

      expect((await jwtVerify(token, A.publicKey)).payload.iss).toBe(ORG_A.settings.orgId);
      expect(stock.counts).toEqual({ ahead: 0, onTheSpot: 1 });
    });
  });

  describe('Method: prepare', () => {
    it('rejects when the key cannot sign RS256, without leaving an unhandled rejection behind', async () => {
      const stock = new TokenStock();
      const ecOrg: Org = {
        settings: ORG_A.settings,
        key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
      };

      await expect(stock.prepare(ecOrg)).rejects.toThrow();
      await expect(stock.take(ecOrg)).rejects.toThrow();
      await nextTurn();
    });
  });
});

describe('Class: TokenStock, what it keeps', () => {
  const org = (key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey): Org => ({
    settings: { endpointBase: 'https://x/telephony/v1', orgId: '00DKz000001AbCdEAA', callCenterApiName: 'C' },
    key,
  });

  it('keeps the token minted ahead while it is fresh: preparing again mints none', async () => {
    // Prepare
    let now = 1_000_000;
    const stock = new TokenStock({ now: () => now, mintAhead: false });
    const target = org();

    // Act
    await stock.prepare(target);
    now += 5_000;
    await stock.prepare(target);
    const token = await stock.take(target);

    // Assess
    expect(decodeJwt(token).iat).toBe(1_000);
  });

  it('drops a token whose signing failed: the next take mints on the spot', async () => {
    const stock = new TokenStock({ mintAhead: false });
    const unusable = org(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);

    await expect(stock.prepare(unusable)).rejects.toThrow();
    await stock.take(unusable).catch(() => undefined);

    expect(stock.counts).toEqual({ ahead: 0, onTheSpot: 1 });
  });
});
