import { createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import type { SecretKey } from './verification-key';
import type { JwtSocketAlgorithm } from './verification-key';

export const HMAC_ALGORITHMS: readonly JwtSocketAlgorithm[] = ['HS256', 'HS384', 'HS512'];
export const RSA_ALGORITHMS: readonly JwtSocketAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const RSA_PSS_ALGORITHMS: readonly JwtSocketAlgorithm[] = ['PS256', 'PS384', 'PS512'];
const EC_ALGORITHMS: readonly JwtSocketAlgorithm[] = ['ES256', 'ES384', 'ES512'];
const EDDSA_ALGORITHMS: readonly JwtSocketAlgorithm[] = ['EdDSA'];
/**
 * The one algorithm each curve verifies, under its two names: the JWK `crv`, and the OpenSSL name
 * `asymmetricKeyDetails.namedCurve` reports for an EC key (Edwards keys report their type instead).
 */
const CURVES: ReadonlyArray<{ jwk: string; openssl?: string; algorithms: readonly JwtSocketAlgorithm[] }> = [
  { jwk: 'P-256', openssl: 'prime256v1', algorithms: ['ES256'] },
  { jwk: 'P-384', openssl: 'secp384r1', algorithms: ['ES384'] },
  { jwk: 'P-521', openssl: 'secp521r1', algorithms: ['ES512'] },
  { jwk: 'Ed25519', algorithms: EDDSA_ALGORITHMS },
  { jwk: 'Ed448', algorithms: EDDSA_ALGORITHMS },
];

/** The algorithms of a JWK curve (`crv`), or undefined for a curve the library does not verify. */
export function algorithmsOfJwkCurve(crv: unknown): readonly JwtSocketAlgorithm[] | undefined {
  return CURVES.find((curve) => curve.jwk === crv)?.algorithms;
}
/** Every algorithm name the library verifies. */
export const KNOWN_ALGORITHMS: ReadonlySet<string> = new Set<string>([
  ...HMAC_ALGORITHMS,
  ...RSA_ALGORITHMS,
  ...EC_ALGORITHMS,
  ...EDDSA_ALGORITHMS,
]);
const PEM_PREFIX = '-----BEGIN';
const CACHE_LIMIT = 256;

/**
 * jsonwebtoken 9 re-parses a string or Buffer secret on every verify (a failed
 * `createPublicKey` first, ~400 µs); a KeyObject skips that. Strings are cached because
 * SecretProviders typically return the same few strings over and over.
 */
const keyCache = new Map<string, KeyObject>();

export function toKeyObject(secret: SecretKey): KeyObject {
  if (secret instanceof KeyObject) return secret;
  if (typeof secret === 'string') return cachedStringKey(secret);
  return parseKey(secret);
}

function cachedStringKey(secret: string): KeyObject {
  let key = keyCache.get(secret);
  if (!key) {
    key = parseKey(secret);
    if (keyCache.size >= CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value as string);
    keyCache.set(secret, key);
  }
  return key;
}

function parseKey(secret: string | Buffer): KeyObject {
  const isPem = typeof secret === 'string' ? secret.trimStart().startsWith(PEM_PREFIX) : secret.includes(PEM_PREFIX);
  // OpenSSL refuses blanks before the PEM armour (a key pasted from YAML or an env file has them).
  if (isPem) return createPublicKey(typeof secret === 'string' ? secret.trim() : secret);
  return createSecretKey(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret);
}

export function isUsableSecret(secret: unknown): secret is SecretKey {
  if (secret instanceof KeyObject) return secret.type !== 'private';
  if (typeof secret === 'string') return secret.length > 0;
  return Buffer.isBuffer(secret) && secret.length > 0;
}

/** The algorithms a key type can verify, the same choice jsonwebtoken makes. */
export function algorithmsForKey(key: KeyObject): readonly JwtSocketAlgorithm[] {
  if (key.type === 'secret') return HMAC_ALGORITHMS;
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return RSA_ALGORITHMS;
    case 'rsa-pss':
      return RSA_PSS_ALGORITHMS;
    case 'ec':
      return CURVES.find((curve) => curve.openssl === key.asymmetricKeyDetails?.namedCurve)?.algorithms ?? [];
    case 'ed25519':
    case 'ed448':
      return EDDSA_ALGORITHMS;
    default:
      return [];
  }
}
