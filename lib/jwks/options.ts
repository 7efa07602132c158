import type { JwtSocketAlgorithm, SecretKey } from '../verification/verification-key';

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
