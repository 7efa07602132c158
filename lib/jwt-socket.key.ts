import { createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import type { Algorithm } from 'jsonwebtoken';
import type { SecretKey } from './jwt-socket.options';

const HMAC_ALGORITHMS: Algorithm[] = ['HS256', 'HS384', 'HS512'];
const RSA_ALGORITHMS: Algorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const EC_ALGORITHMS: Algorithm[] = ['ES256', 'ES384', 'ES512'];
const KNOWN_ALGORITHMS = new Set<string>([...HMAC_ALGORITHMS, ...RSA_ALGORITHMS, ...EC_ALGORITHMS]);
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
  if (isPem) return createPublicKey(secret);
  return createSecretKey(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret);
}

export function isUsableSecret(secret: unknown): secret is SecretKey {
  if (secret instanceof KeyObject) return secret.type !== 'private';
  if (typeof secret === 'string') return secret.length > 0;
  return Buffer.isBuffer(secret) && secret.length > 0;
}

/** The algorithms a key type can verify, the same choice jsonwebtoken makes. */
export function algorithmsForKey(key: KeyObject): Algorithm[] {
  if (key.type === 'secret') return HMAC_ALGORITHMS;
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return RSA_ALGORITHMS;
    case 'ec':
      return EC_ALGORITHMS;
    default:
      return [];
  }
}

/** Throws at bootstrap on an empty list, `none`, or a name jsonwebtoken does not know. */
export function assertAlgorithmsAllowed(algorithms: readonly string[]): void {
  if (algorithms.length === 0) throw new Error('JwtSocketModule: `algorithms` must not be empty');
  for (const algorithm of algorithms) {
    if (!KNOWN_ALGORITHMS.has(algorithm)) {
      throw new Error(`JwtSocketModule: algorithm "${algorithm}" is not supported (\`none\` is never allowed)`);
    }
  }
}

/** Throws at bootstrap when a static key cannot verify any of the pinned algorithms. */
export function assertAlgorithmsFitKey(algorithms: readonly string[], key: KeyObject): void {
  const usable = algorithmsForKey(key);
  if (!algorithms.some((algorithm) => usable.includes(algorithm as Algorithm))) {
    throw new Error(
      `JwtSocketModule: the configured key (${key.asymmetricKeyType ?? key.type}) cannot verify ${algorithms.join(', ')}`,
    );
  }
}
