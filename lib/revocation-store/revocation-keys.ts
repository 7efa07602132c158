import type { JwtPayload } from 'jsonwebtoken';
import { identityClaim } from '../verification/token-identity';

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
 * one-second resolution, so a token of the same second may predate the revocation), widened by the
 * clock tolerance: an issuer whose clock runs that far ahead stamps a pre-revocation token with a
 * later `iat`. A token that cannot be placed in time (no `iat`, or one further ahead of this
 * server's clock than the tolerance) cannot prove it came later: refused. A revoked token id is
 * refused outright.
 */
export function isRevokedBy(
  claims: JwtPayload,
  subjectRevokedAtMs: number | undefined,
  tokenIdRevoked: boolean,
  toleranceMs: number,
): boolean {
  if (tokenIdRevoked) return true;
  if (subjectRevokedAtMs === undefined) return false;
  const { iat } = claims;
  if (typeof iat !== 'number' || !Number.isFinite(iat) || iat * 1000 > Date.now() + toleranceMs) return true;
  return Math.floor(iat) <= Math.floor((subjectRevokedAtMs + toleranceMs) / 1000);
}

/**
 * Older than the store can vouch for: its records live `maxTokenLifetime` (plus the tolerance), so
 * a token issued longer ago than that could have been revoked by a record that is gone.
 */
export function isOlderThan(claims: JwtPayload, lifetimeMs: number): boolean {
  const { iat } = claims;
  return typeof iat === 'number' && Number.isFinite(iat) && Date.now() - iat * 1000 > lifetimeMs;
}

/** The latest instant Redis accepts for `PXAT`, and more than any token lives. */
const LATEST_EXPIRY_MS = Number.MAX_SAFE_INTEGER;

/** `PXAT` takes whole milliseconds within range: a fractional `exp` or tolerance must not lose the record. */
export function asRedisExpiry(expiresAtMs: number): number {
  return Math.min(Math.ceil(expiresAtMs), LATEST_EXPIRY_MS);
}

/** A stored subject revocation instant; a value another writer garbled counts as "now" (fails closed). */
export function revokedAtOf(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const instant = Number(value);
  return Number.isFinite(instant) ? instant : Date.now();
}
