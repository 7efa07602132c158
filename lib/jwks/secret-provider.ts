import { quote } from '../verification/log-safe';
import { JwtSocketConfigError } from '../options/config-error';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { JWT_SOCKET_RESOLVED_OPTIONS } from '../options/constants';
import { UnauthorizedError } from '../protocol/unauthorized-error';
import { JwtSocketErrorCode } from '../protocol/error-codes';
import { JwksKeySet } from './key-set';
import { isJwksSource, type IssuerKeySource, type IssuerStaticKey } from './options';
import { algorithmsForKey } from '../verification/keys';
import { assertAlgorithmsAllowed, resolveConfiguredKey } from '../options/check-keys';
import type { ResolvedJwtSocketOptions, SecretContext } from '../options/module-options';
import { SecretProvider } from '../verification/secret-provider';
import type { JwtSocketAlgorithm, VerificationKey } from '../verification/verification-key';

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
    if (options.issuers) {
      this.issuers = this.issuerSources(options.issuers, options.algorithms);
    } else if (options.jwks) {
      this.keySet = new JwksKeySet(options.jwks, this.logger);
    } else {
      throw new JwtSocketConfigError('JwtSocketModule: JwksSecretProvider needs the `jwks` or the `issuers` option');
    }
  }

  getSecret({ header, payload }: SecretContext): VerificationKey | Promise<VerificationKey> {
    const source = this.keySet ?? this.sourceOfIssuer(payload.iss);
    return source instanceof JwksKeySet ? source.getKey(header.kid, header.alg) : source;
  }

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
    allowed: readonly JwtSocketAlgorithm[] | undefined,
  ): Map<string, KeySource> {
    const sources = new Map<string, KeySource>();
    for (const [issuer, source] of Object.entries(issuers)) {
      sources.set(
        issuer,
        isJwksSource(source) ? new JwksKeySet(source, this.logger) : staticKey(issuer, source, allowed),
      );
    }
    return sources;
  }
}

/** Parsed once at bootstrap; fails loudly when the key is unusable or cannot verify any allowed algorithm. */
function staticKey(
  issuer: string,
  source: IssuerStaticKey,
  allowed: readonly JwtSocketAlgorithm[] | undefined,
): VerificationKey {
  const name = `issuers[${JSON.stringify(issuer)}].key`;
  const key = resolveConfiguredKey(name, source.key);
  if (source.algorithms) assertAlgorithmsAllowed(source.algorithms);
  const usable = algorithmsForKey(key);
  const algorithms = (source.algorithms ?? usable).filter(
    (algorithm) => usable.includes(algorithm) && (!allowed || allowed.includes(algorithm)),
  );
  if (algorithms.length === 0) {
    throw new JwtSocketConfigError(
      `JwtSocketModule: \`${name}\` (${key.asymmetricKeyType ?? key.type}) cannot verify any allowed algorithm`,
    );
  }
  return { key, algorithms };
}
