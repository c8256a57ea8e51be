import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { mintToken, SCRT_AUDIENCE, TOKEN_LIFETIME_SECONDS } from '../../lambda/src/token.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const CLAIMS = { orgId: '00DKz000001AbCdEAA', callCenterApiName: 'ConnectCallCenter' };

describe('Function: mintToken', () => {
  it('signs RS256 with the documented claims', async () => {
    // Prepare
    const now = Date.now();

    // Act
    const token = await mintToken(privateKey, CLAIMS, now);

    // Assess
    const { payload } = await jwtVerify(token, publicKey, {
      algorithms: ['RS256'],
      issuer: CLAIMS.orgId,
      subject: CLAIMS.callCenterApiName,
      audience: SCRT_AUDIENCE,
    });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(payload.iat).toBe(Math.floor(now / 1000));
    expect(payload.exp! - payload.iat!).toBe(TOKEN_LIFETIME_SECONDS);
    expect(TOKEN_LIFETIME_SECONDS).toBeLessThanOrEqual(180);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives every token its own jti', async () => {
    const tokens = await Promise.all(Array.from({ length: 20 }, () => mintToken(privateKey, CLAIMS)));

    const jtis = await Promise.all(tokens.map(async (token) => (await jwtVerify(token, publicKey)).payload.jti));
    expect(new Set(jtis).size).toBe(20);
  });

  it('does not verify with another key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;

    await expect(jwtVerify(await mintToken(privateKey, CLAIMS), other)).rejects.toThrow(
      'signature verification failed',
    );
  });
});

describe('Function: mintToken, its audience', () => {
  it("addresses every token to Salesforce's telephony API", async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

    const token = await mintToken(privateKey, { orgId: '00DKz000001AbCdEAA', callCenterApiName: 'C' });

    expect(decodeJwt(token).aud).toBe('https://scrt.salesforce.com');
  });
});
