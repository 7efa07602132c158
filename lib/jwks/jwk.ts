import { isJsonObject } from '../util/json-object';
import { quote } from '../verification/log-safe';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { algorithmsOfJwkCurve, RSA_ALGORITHMS } from '../verification/keys';
import type { JwtSocketAlgorithm, VerificationKey } from '../verification/verification-key';

/** A verification key of a key set, with the `kid` it is published under (if any). */
export interface JwkEntry {
  kid?: string;
  verificationKey: VerificationKey;
}

/** A JWK the key set skips, and why (never the key material). */
export class UnusableJwkError extends Error {}

/**
 * Turns one JWK of a key set into a public verification key whose algorithms are pinned by the
 * JWK itself: its `alg`, or else the algorithms of its `kty`/`crv`. Symmetric (`oct`) keys,
 * encryption keys and JWKs holding private parts are refused: a public key set must not make a
 * token's `alg` choose how a key is used.
 */
export function jwkToEntry(jwk: unknown): JwkEntry {
  if (!isJsonObject(jwk)) throw new UnusableJwkError('not a JSON object');
  const { kid, use, key_ops: keyOps, kty } = jwk as Record<string, unknown>;
  if (kid !== undefined && typeof kid !== 'string') throw new UnusableJwkError('"kid" is not a string');
  if (use !== undefined && use !== 'sig') throw new UnusableJwkError(`"use" is ${quote(use)}, not "sig"`);
  if (keyOps !== undefined && !(Array.isArray(keyOps) && keyOps.includes('verify'))) {
    throw new UnusableJwkError('"key_ops" does not include "verify"');
  }
  if (kty === 'oct') throw new UnusableJwkError('symmetric keys (kty "oct") are never accepted from a key set');
  if ('d' in jwk) throw new UnusableJwkError('it holds private key material');
  const algorithms = pinnedAlgorithms(jwk as Record<string, unknown>);
  let key;
  try {
    key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    throw new UnusableJwkError(`not a valid ${typeof kty === 'string' ? kty : 'public'} key`);
  }
  return { kid, verificationKey: { key, algorithms } };
}

function pinnedAlgorithms(jwk: Record<string, unknown>): readonly JwtSocketAlgorithm[] {
  const byType = algorithmsOfKeyType(jwk.kty, jwk.crv);
  if (jwk.alg === undefined) return byType;
  const alg = jwk.alg as JwtSocketAlgorithm;
  if (!byType.includes(alg)) {
    throw new UnusableJwkError(`"alg" ${quote(jwk.alg)} is not supported for this key type`);
  }
  return [alg];
}

function algorithmsOfKeyType(kty: unknown, crv: unknown): readonly JwtSocketAlgorithm[] {
  if (kty === 'RSA') return RSA_ALGORITHMS;
  if (kty === 'EC' || kty === 'OKP') {
    const algorithms = algorithmsOfJwkCurve(crv);
    const isEdwardsCurve = crv === 'Ed25519' || crv === 'Ed448';
    if (algorithms && isEdwardsCurve === (kty === 'OKP')) return algorithms;
    throw new UnusableJwkError(`curve ${quote(crv)} is not supported for kty ${quote(kty)}`);
  }
  throw new UnusableJwkError(`kty ${quote(kty)} is not supported`);
}

/** Parses a key set document; unusable keys are reported to `onSkip` and left out. */
export function parseJwks(document: unknown, onSkip: (kid: unknown, reason: string) => void): JwkEntry[] {
  const keys = typeof document === 'object' && document !== null ? (document as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys)) throw new Error('the response is not a JSON Web Key Set (no "keys" array)');
  const entries: JwkEntry[] = [];
  for (const jwk of keys) {
    try {
      entries.push(jwkToEntry(jwk));
    } catch (error) {
      if (!(error instanceof UnusableJwkError)) throw error;
      onSkip((jwk as { kid?: unknown } | null)?.kid, error.message);
    }
  }
  return entries;
}
