import { KeyObject } from 'node:crypto';
import type { Algorithm } from 'jsonwebtoken';

/** Key material: an HMAC secret, a PEM key, or a `KeyObject`. */
export type SecretKey = string | Buffer | KeyObject;

/** Every algorithm the library verifies: jsonwebtoken's, plus `EdDSA` (Ed25519/Ed448, verified with node:crypto). */
export type JwtSocketAlgorithm = Exclude<Algorithm, 'none'> | 'EdDSA';

/**
 * A key with the algorithms it may verify, pinned by whoever knows the key (a JWK's `alg`, its
 * `kty`/`crv`, your configuration), never by the token. A SecretProvider may return it instead of a
 * plain key; the token's `alg` must then be in `algorithms` (and in `options.algorithms`, if set).
 */
export interface VerificationKey {
  key: SecretKey;
  algorithms: readonly JwtSocketAlgorithm[];
}

export function isVerificationKey(value: unknown): value is VerificationKey {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof KeyObject) &&
    !Buffer.isBuffer(value) &&
    'key' in value &&
    Array.isArray((value as { algorithms?: unknown }).algorithms)
  );
}
