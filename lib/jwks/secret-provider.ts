import { quote } from '../verification/log-safe';
import { assertKeySourcesGiven } from '../options/check-secret-source';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { JWT_SOCKET_RESOLVED_OPTIONS } from '../options/resolved-options-token';
import { UnauthorizedError } from '../protocol/unauthorized-error';
import { JwtSocketErrorCode } from '../protocol/error-codes';
import { JwksKeySet } from './key-set';
import { isJwksSource, type IssuerKeySource } from './options';
import type { ResolvedJwtSocketOptions, SecretContext } from '../options/module-options';
import { SecretProvider } from '../verification/secret-provider';
import type { VerificationKey } from '../verification/verification-key';

type KeySource = JwksKeySet | VerificationKey;

/**
 * Serves keys from an identity provider's JWKS (`jwks` option) or from an allow-list of issuers
 * (`issuers` option), each with its JWKS or a static key. Selected automatically when either option
 * is set; also usable explicitly as `secretProvider: JwksSecretProvider`.
 */
@Injectable()
export class JwksSecretProvider extends SecretProvider implements OnModuleDestroy {
  private readonly logger = new Logger('JwtSocketJwks');
  private readonly keySet?: JwksKeySet;
  private readonly issuers?: ReadonlyMap<string, KeySource>;

  constructor(@Inject(JWT_SOCKET_RESOLVED_OPTIONS) options: ResolvedJwtSocketOptions) {
    super();
    assertKeySourcesGiven(options);
    if (options.issuers) this.issuers = this.issuerSources(options.issuers, options.issuerStaticKeys);
    else if (options.jwks) this.keySet = new JwksKeySet(options.jwks, this.logger);
  }

  /** The key of the token's `kid` in the JWKS, or the static key of its `iss` in `issuers`. */
  getSecret({ header, payload }: SecretContext): VerificationKey | Promise<VerificationKey> {
    const source = this.keySet ?? this.sourceOfIssuer(payload.iss);
    return source instanceof JwksKeySet ? source.getKey(header.kid, header.alg) : source;
  }

  /** Aborts the key set fetches still in flight. */
  onModuleDestroy(): void {
    this.keySet?.close();
    this.issuers?.forEach((source) => (source instanceof JwksKeySet ? source.close() : undefined));
  }

  /** Decided on the unverified `iss`: safe, since only that issuer's keys can then verify the token. */
  private sourceOfIssuer(issuer: unknown): KeySource {
    const source = typeof issuer === 'string' ? this.issuers!.get(issuer) : undefined;
    if (source) return source;
    // Debug level: any client can send any `iss`.
    this.logger.debug(`Refused a token from an issuer that is not in \`issuers\`: ${quote(issuer)}`);
    throw new UnauthorizedError(JwtSocketErrorCode.UNTRUSTED_ISSUER);
  }

  private issuerSources(
    issuers: Record<string, IssuerKeySource>,
    staticKeys: ReadonlyMap<string, VerificationKey> | undefined,
  ): Map<string, KeySource> {
    const sources = new Map<string, KeySource>();
    for (const [issuer, source] of Object.entries(issuers)) {
      const key = isJwksSource(source) ? new JwksKeySet(source, this.logger) : staticKeys?.get(issuer);
      if (key) sources.set(issuer, key);
    }
    return sources;
  }
}
