import { JwtSocketConfigError } from '../options/config-error';
import type { JwtSocketModuleOptions, SecretKey } from '../options/module-options';
import type { JwtSocketAlgorithm } from '../verification/verification-key';

/** Where and how to fetch an identity provider's JSON Web Key Set. */
export interface JwksOptions {
  /** The JWKS URL, e.g. `https://idp.example/.well-known/jwks.json` (the `jwks_uri` of the OIDC discovery document). */
  jwksUri: string;
  /** Minimum ms between two fetches caused by an unknown `kid` or a failed fetch. Default 30000. */
  cooldown?: number;
  /** Ms after which the cached key set is fetched again on the next lookup. Default 600000 (10 min). */
  cacheMaxAge?: number;
  /** Ms a fetch may take, body included; must be below `secretTimeout`. Default 3000. */
  timeout?: number;
}

/** A static key of one issuer; `algorithms` defaults to those of the key type. */
export interface IssuerStaticKey {
  key: SecretKey;
  algorithms?: JwtSocketAlgorithm[];
}

/** One entry of the `issuers` allow-list: its JWKS or its static key. */
export type IssuerKeySource = JwksOptions | IssuerStaticKey;

export type ResolvedJwksOptions = Required<JwksOptions>;

export const DEFAULT_JWKS_COOLDOWN_MS = 30_000;
export const DEFAULT_JWKS_CACHE_MAX_AGE_MS = 600_000;
export const DEFAULT_JWKS_TIMEOUT_MS = 3_000;

export function isJwksSource(source: IssuerKeySource): source is JwksOptions {
  return 'jwksUri' in source;
}

export function resolveJwksOptions(options: JwksOptions): ResolvedJwksOptions {
  return {
    jwksUri: options.jwksUri,
    cooldown: options.cooldown ?? DEFAULT_JWKS_COOLDOWN_MS,
    cacheMaxAge: options.cacheMaxAge ?? DEFAULT_JWKS_CACHE_MAX_AGE_MS,
    timeout: options.timeout ?? DEFAULT_JWKS_TIMEOUT_MS,
  };
}

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

function assertIssuers(issuers: unknown, secretTimeout: number): void {
  if (typeof issuers !== 'object' || issuers === null || Array.isArray(issuers)) {
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
  assertOptionalNonNegative(`${name}.cooldown`, cooldown);
  assertOptionalNonNegative(`${name}.cacheMaxAge`, cacheMaxAge);
  assertOptionalNonNegative(`${name}.timeout`, timeout);
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

function assertOptionalNonNegative(name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new JwtSocketConfigError(`JwtSocketModule: \`${name}\` must be a non-negative number of milliseconds`);
  }
}
