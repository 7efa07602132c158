import type { JwtPayload } from 'jsonwebtoken';
import { identityClaim } from '../socket/identity-rooms';

/**
 * Where a revocation lives in Redis: one key per subject, valued with the revocation instant (epoch
 * ms), and one key per token id. Only identifiers are stored, never a token.
 */
export function subjectKey(prefix: string, subject: string): string {
  return `${prefix}sub:${subject}`;
}

export function tokenIdKey(prefix: string, tokenId: string): string {
  return `${prefix}jti:${tokenId}`;
}

/** The keys that can revoke a token with these claims: its subject's and its token id's. */
export function keysOf(prefix: string, claims: JwtPayload): { subject?: string; tokenId?: string } {
  const subject = identityClaim(claims.sub);
  const tokenId = identityClaim(claims.jti);
  return {
    subject: subject === undefined ? undefined : subjectKey(prefix, subject),
    tokenId: tokenId === undefined ? undefined : tokenIdKey(prefix, tokenId),
  };
}

/**
 * A subject revoked at `revokedAtMs` refuses its tokens issued at or before that second (`iat` has
 * one-second resolution, so a token of the same second may predate the revocation). A token
 * without `iat` cannot prove it came later: refused. A revoked token id is refused outright.
 */
export function isRevokedBy(
  claims: JwtPayload,
  subjectRevokedAtMs: number | undefined,
  tokenIdRevoked: boolean,
): boolean {
  if (tokenIdRevoked) return true;
  if (subjectRevokedAtMs === undefined) return false;
  if (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat)) return true;
  return claims.iat <= Math.floor(subjectRevokedAtMs / 1000);
}

/** A stored subject revocation instant; a value another writer garbled counts as "now" (fails closed). */
export function revokedAtOf(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const instant = Number(value);
  return Number.isFinite(instant) ? instant : Date.now();
}
