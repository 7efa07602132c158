import type { KeyObject } from 'node:crypto';
import { algorithmsForKey, isUsableSecret, KNOWN_ALGORITHMS, toKeyObject } from '../verification/keys';
import type { JwtSocketAlgorithm } from '../verification/verification-key';
import { describeReceived, JwtSocketConfigError } from './config-error';

const ACCEPTED_KEYS = 'a non-empty HMAC secret (string or Buffer), a PEM public key or a public/secret KeyObject';

/** Throws at bootstrap on an empty list, `none`, or a name the library does not verify. */
export function assertAlgorithmsAllowed(algorithms: readonly string[]): void {
  if (algorithms.length === 0) throw new JwtSocketConfigError('JwtSocketModule: `algorithms` must not be empty');
  for (const algorithm of algorithms) {
    if (!KNOWN_ALGORITHMS.has(algorithm)) {
      throw new JwtSocketConfigError(
        `JwtSocketModule: algorithm ${JSON.stringify(algorithm)} is not supported. Supported: ${[...KNOWN_ALGORITHMS].join(', ')} (\`none\` is never allowed)`,
      );
    }
  }
}

/** Throws at bootstrap when a static key cannot verify any of the pinned algorithms. */
export function assertAlgorithmsFitKey(algorithms: readonly string[], key: KeyObject): void {
  const usable = algorithmsForKey(key);
  if (!algorithms.some((algorithm) => usable.includes(algorithm as JwtSocketAlgorithm))) {
    throw new JwtSocketConfigError(
      `JwtSocketModule: the configured key (${key.asymmetricKeyType ?? key.type}) cannot verify ${algorithms.join(', ')}`,
    );
  }
}

/**
 * Key material given in the options (`secret`, `issuers[...].key`), parsed once. A private key is
 * refused: a server that only verifies needs the public key, and a private key in its config is
 * one more copy to leak.
 */
export function resolveConfiguredKey(name: string, value: unknown): KeyObject {
  if (isPrivateKeyMaterial(value)) {
    throw new JwtSocketConfigError(
      `JwtSocketModule: \`${name}\` is a private key. Give the public key: verifying needs nothing else.`,
    );
  }
  if (!isUsableSecret(value)) {
    const problem = isEmpty(value) ? 'is missing or empty' : 'is not a usable public key or secret';
    throw new JwtSocketConfigError(
      `JwtSocketModule: \`${name}\` ${problem}: received ${describeReceived(value)}. Pass ${ACCEPTED_KEYS}.`,
    );
  }
  try {
    return toKeyObject(value);
  } catch (error) {
    throw new JwtSocketConfigError(
      `JwtSocketModule: \`${name}\` looks like a PEM key but could not be parsed as a public key.`,
      { cause: error },
    );
  }
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Buffer.isBuffer(value) && value.length === 0);
}

function isPrivateKeyMaterial(value: unknown): boolean {
  if (typeof value === 'string' || Buffer.isBuffer(value)) return String(value).includes('PRIVATE KEY-----');
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'private';
}
