import { isJsonObject } from '../util/json-object';
import { DEFAULT_JWKS_TIMEOUT_MS, isJwksSource, type IssuerKeySource, type JwksOptions } from '../jwks/options';
import { algorithmsForKey } from '../verification/keys';
import type { JwtSocketAlgorithm, VerificationKey } from '../verification/verification-key';
import { assertAlgorithmsAllowed, resolveConfiguredKey } from './check-keys';
import { JwtSocketConfigError } from './config-error';
import { assertNonNegative } from './number-checks';
import type { JwtSocketModuleOptions } from './module-options';

/** True when `jwks` or `issuers` is configured, so the module serves keys with `JwksSecretProvider`. */
export function usesKeySources(options: JwtSocketModuleOptions): boolean {
  return options.jwks !== undefined || options.issuers !== undefined;
}

/** Throws at bootstrap on a malformed `jwks` or `issuers` option, or one combined with `secret`. */
export function assertKeySourceOptions(options: JwtSocketModuleOptions & { secretTimeout: number }): void {
  const { jwks, issuers, secret } = options;
  if (jwks !== undefined && issuers !== undefined) {
    throw new JwtSocketConfigError(
      'JwtSocketModule: give either `jwks` (one identity provider) or `issuers` (an allow-list), not both',
    );
  }
  if (usesKeySources(options) && secret !== undefined) {
    throw new JwtSocketConfigError(
      'JwtSocketModule: `secret` cannot be combined with `jwks` or `issuers` (put static keys in `issuers`)',
    );
  }
  if (jwks !== undefined) assertJwksOptions('jwks', jwks, options.secretTimeout);
  if (issuers !== undefined) assertIssuers(issuers, options.secretTimeout);
}

/** The static keys of `issuers`, parsed once at bootstrap: issuer -> key with the algorithms it may verify. */
export function resolveIssuerStaticKeys(
  issuers: Record<string, IssuerKeySource>,
  allowed: readonly JwtSocketAlgorithm[] | undefined,
): Map<string, VerificationKey> {
  const keys = new Map<string, VerificationKey>();
  for (const [issuer, source] of Object.entries(issuers)) {
    if (!isJwksSource(source)) keys.set(issuer, issuerStaticKey(issuer, source.key, source.algorithms, allowed));
  }
  return keys;
}

/** Fails loudly when the key is unusable or cannot verify any allowed algorithm. */
function issuerStaticKey(
  issuer: string,
  value: unknown,
  pinned: JwtSocketAlgorithm[] | undefined,
  allowed: readonly JwtSocketAlgorithm[] | undefined,
): VerificationKey {
  const name = `issuers[${JSON.stringify(issuer)}].key`;
  const key = resolveConfiguredKey(name, value);
  if (pinned) assertAlgorithmsAllowed(pinned);
  const usable = algorithmsForKey(key);
  const algorithms = (pinned ?? usable).filter(
    (algorithm) => usable.includes(algorithm) && (!allowed || allowed.includes(algorithm)),
  );
  if (algorithms.length === 0) {
    throw new JwtSocketConfigError(
      `JwtSocketModule: \`${name}\` (${key.asymmetricKeyType ?? key.type}) cannot verify any allowed algorithm`,
    );
  }
  return { key, algorithms };
}

function assertIssuers(issuers: unknown, secretTimeout: number): void {
  if (!isJsonObject(issuers)) {
    throw new JwtSocketConfigError(
      'JwtSocketModule: `issuers` must be an object mapping each `iss` to { jwksUri } or { key }',
    );
  }
  const entries = Object.entries(issuers);
  if (entries.length === 0) throw new JwtSocketConfigError('JwtSocketModule: `issuers` must list at least one issuer');
  for (const [issuer, source] of entries) {
    const name = `issuers[${JSON.stringify(issuer)}]`;
    if (issuer.length === 0) throw new JwtSocketConfigError('JwtSocketModule: an issuer name in `issuers` is empty');
    if (typeof source !== 'object' || source === null) {
      throw new JwtSocketConfigError(`JwtSocketModule: \`${name}\` must be { jwksUri } or { key }`);
    }
    const hasUri = 'jwksUri' in source;
    const hasKey = 'key' in source;
    if (hasUri === hasKey)
      throw new JwtSocketConfigError(`JwtSocketModule: \`${name}\` needs exactly one of \`jwksUri\` or \`key\``);
    if (hasUri) assertJwksOptions(name, source as JwksOptions, secretTimeout);
  }
}

function assertJwksOptions(name: string, jwks: unknown, secretTimeout: number): void {
  if (typeof jwks !== 'object' || jwks === null)
    throw new JwtSocketConfigError(`JwtSocketModule: \`${name}\` must be { jwksUri }`);
  const { jwksUri, cooldown, cacheMaxAge, timeout } = jwks as JwksOptions;
  assertHttpUrl(`${name}.jwksUri`, jwksUri);
  if (cooldown !== undefined) assertNonNegative(`${name}.cooldown`, cooldown, { unit: 'milliseconds' });
  if (cacheMaxAge !== undefined) assertNonNegative(`${name}.cacheMaxAge`, cacheMaxAge, { unit: 'milliseconds' });
  if (timeout !== undefined) assertNonNegative(`${name}.timeout`, timeout, { unit: 'milliseconds' });
  const effectiveTimeout = timeout ?? DEFAULT_JWKS_TIMEOUT_MS;
  if (effectiveTimeout <= 0 || effectiveTimeout >= secretTimeout) {
    // Otherwise `secretTimeout` fires first and the client gets `secret_unavailable` instead of `jwks_unavailable`.
    throw new JwtSocketConfigError(
      `JwtSocketModule: \`${name}.timeout\` (${effectiveTimeout} ms) must be positive and below \`secretTimeout\` (${secretTimeout} ms)`,
    );
  }
}

function assertHttpUrl(name: string, value: unknown): void {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new JwtSocketConfigError(`JwtSocketModule: \`${name}\` must be an absolute http(s) URL`);
  }
}
