import type { KeyObject } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';

/** The audience Salesforce's telephony API expects in every token. */
export const SCRT_AUDIENCE = 'https://scrt.salesforce.com';
/** Token lifetime. Salesforce refuses an `exp` more than 3 minutes ahead; 2 leaves room for clock skew. */
export const TOKEN_LIFETIME_SECONDS = 120;

export interface TokenClaims {
  /** `iss`: the Salesforce org id. */
  readonly orgId: string;
  /** `sub`: the call center's API name. */
  readonly callCenterApiName: string;
}

/**
 * Mints the RS256 JWT for one request: `iss`, `sub`, `aud`, `iat`, `exp` ({@link TOKEN_LIFETIME_SECONDS} ahead) and a
 * fresh `jti`. Signing takes about a millisecond, so every request gets its own token.
 */
export function mintToken(key: KeyObject, claims: TokenClaims, nowMs: number = Date.now()): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuer(claims.orgId)
    .setSubject(claims.callCenterApiName)
    .setAudience(SCRT_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + TOKEN_LIFETIME_SECONDS)
    .setJti(randomUUID())
    .sign(key);
}
