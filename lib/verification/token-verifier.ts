import { describeError, quote } from './log-safe';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { verify, type Jwt, type JwtPayload, type VerifyOptions } from 'jsonwebtoken';
import { JWT_SOCKET_RESOLVED_OPTIONS } from '../options/resolved-options-token';
import { UnauthorizedError } from '../protocol/unauthorized-error';
import { JwtSocketErrorCode } from '../protocol/error-codes';
import { fromJsonWebTokenError } from './jsonwebtoken-errors';
import { claimsOnlyOptions, EDDSA, verifyEdDsa } from './eddsa';
import { assertAlgorithmsFitKey } from '../options/check-keys';
import { algorithmsForKey, isUsableSecret, toKeyObject } from './keys';
import type { JwtSocketHandshake, ResolvedJwtSocketOptions, SecretAnswer } from '../options/module-options';
import { RevocationCheck } from './revocation-check';
import { SecretProvider } from './secret-provider';
import { boundedCall } from './bounded-call';
import { asClaims, assertIdentityClaims, assertNoCriticalExtensions, decodeJwt, normalizeToken } from './token-shape';
import { identityClaim, type TokenIdentity } from './token-identity';
import { isVerificationKey } from './verification-key';

export interface VerifiedToken {
  token: string;
  claims: JwtPayload;
  /** `sub` as the string that names it (see `identityClaim`); undefined when the token names nobody. */
  subject?: string;
  /** Epoch ms of `exp` plus the clock tolerance; undefined when the token has no `exp`. */
  expiresAt?: number;
}

/** Turns whatever a client sent into verified claims, or throws an `UnauthorizedError`. */
@Injectable()
export class TokenVerifier {
  private readonly logger = new Logger('JwtSocketVerifier');
  private readonly verifyOptions: VerifyOptions;
  /** The same claim checks, for an EdDSA token whose signature node:crypto already verified. */
  private readonly eddsaClaimOptions: VerifyOptions;
  private readonly pinnedAlgorithms?: ReadonlySet<string>;
  /** A static key jsonwebtoken can verify alone: no second decode, no key lookup. */
  private readonly staticKey?: KeyObject;
  private readonly completeVerifyOptions: VerifyOptions & { complete: true };

  constructor(
    @Inject(JWT_SOCKET_RESOLVED_OPTIONS) private readonly options: ResolvedJwtSocketOptions,
    private readonly secretProvider: SecretProvider,
    @Optional() private readonly revocationCheck?: RevocationCheck,
  ) {
    const staticKey = secretProvider.getStaticKey?.();
    const algorithms = options.algorithms ?? (staticKey ? algorithmsForKey(staticKey) : undefined);
    if (staticKey && algorithms) assertAlgorithmsFitKey(algorithms, staticKey);
    this.pinnedAlgorithms = algorithms ? new Set(algorithms) : undefined;
    this.verifyOptions = {
      algorithms: algorithms as VerifyOptions['algorithms'],
      audience: options.audience as VerifyOptions['audience'],
      issuer: options.issuer as VerifyOptions['issuer'],
      subject: options.subject,
      clockTolerance: options.clockTolerance,
      maxAge: options.maxAge,
    };
    this.eddsaClaimOptions = claimsOnlyOptions(this.verifyOptions);
    this.completeVerifyOptions = { ...this.verifyOptions, complete: true };
    if (staticKey && !isEdDsaKey(staticKey)) this.staticKey = staticKey;
  }

  /**
   * `identity` is filled in synchronously as soon as the token is decoded, before any await
   * (unverified on the key-lookup path), so the caller's attempt is tied to the identity it claims.
   */
  async verify(rawToken: unknown, handshake: JwtSocketHandshake, identity?: TokenIdentity): Promise<VerifiedToken> {
    const token = normalizeToken(rawToken, this.options.maxTokenLength);
    const claims = this.staticKey
      ? this.verifyWithStaticKey(token, this.staticKey, identity)
      : await this.verifyWithProvidedKey(token, handshake, identity);
    assertIdentityClaims(claims);
    if (this.revocationCheck && (await this.isRevoked(claims))) {
      throw new UnauthorizedError(JwtSocketErrorCode.TOKEN_REVOKED);
    }
    return { token, claims, subject: identityClaim(claims.sub), expiresAt: this.expiresAt(claims) };
  }

  /**
   * The hot path (a static key): jsonwebtoken decodes once and checks the pinned algorithms itself,
   * `none` included; `crit` is checked on the header it returns.
   */
  private verifyWithStaticKey(token: string, key: KeyObject, identity?: TokenIdentity): JwtPayload {
    let jwt: Jwt;
    try {
      jwt = verify(token, key, this.completeVerifyOptions);
    } catch (error) {
      // jsonwebtoken checks the signature before the payload's shape: name a malformed token as such.
      decodeJwt(token);
      throw fromJsonWebTokenError(error);
    }
    assertNoCriticalExtensions(jwt.header);
    const claims = asClaims(jwt.payload);
    if (identity) noteIdentity(identity, claims);
    return claims;
  }

  /** Keys chosen per token: the header is checked before the SecretProvider (maybe a network call) is asked. */
  private async verifyWithProvidedKey(
    token: string,
    handshake: JwtSocketHandshake,
    identity?: TokenIdentity,
  ): Promise<JwtPayload> {
    const jwt = decodeJwt(token);
    if (identity) noteIdentity(identity, jwt.payload as JwtPayload);
    this.assertAlgorithmAccepted(jwt.header.alg);
    assertNoCriticalExtensions(jwt.header);
    const key = await this.resolveKey(jwt, handshake);
    return this.verifySignatureAndClaims(token, jwt.header.alg, key);
  }

  private assertAlgorithmAccepted(algorithm: unknown): void {
    const acceptable =
      typeof algorithm === 'string' &&
      algorithm.toLowerCase() !== 'none' &&
      (this.pinnedAlgorithms === undefined || this.pinnedAlgorithms.has(algorithm));
    if (!acceptable) {
      throw new UnauthorizedError(JwtSocketErrorCode.INVALID_TOKEN, 'The token algorithm is not accepted');
    }
  }

  private async resolveKey(jwt: Jwt, handshake: JwtSocketHandshake): Promise<KeyObject> {
    let secret: SecretAnswer = await boundedCall(
      () => this.secretProvider.getSecret({ header: jwt.header, payload: jwt.payload as JwtPayload, handshake }),
      this.options.secretTimeout,
      (error) => {
        if (error instanceof UnauthorizedError) return error;
        this.logger.warn(`SecretProvider failed for kid=${safeKid(jwt)}: ${describeError(error)}`);
        return new UnauthorizedError(JwtSocketErrorCode.SECRET_UNAVAILABLE);
      },
    );
    if (isVerificationKey(secret)) {
      this.assertKeyAlgorithm(jwt, secret.algorithms);
      secret = secret.key;
    }
    if (!isUsableSecret(secret)) {
      this.logger.warn(`SecretProvider returned no usable key for kid=${safeKid(jwt)}`);
      throw new UnauthorizedError(JwtSocketErrorCode.SECRET_UNAVAILABLE);
    }
    try {
      return toKeyObject(secret);
    } catch {
      this.logger.warn(`SecretProvider returned key material that could not be parsed for kid=${safeKid(jwt)}`);
      throw new UnauthorizedError(JwtSocketErrorCode.SECRET_UNAVAILABLE);
    }
  }

  /** The key's pinned algorithms must include the token's (`options.algorithms` was checked before the lookup). */
  private assertKeyAlgorithm(jwt: Jwt, algorithms: readonly string[]): void {
    if (!algorithms.includes(jwt.header.alg)) {
      // Debug level: any client can trigger this with a public kid, so it must not flood the logs.
      this.logger.debug(`Token alg ${quote(jwt.header.alg)} does not match the key of kid=${safeKid(jwt)}`);
      throw new UnauthorizedError(JwtSocketErrorCode.INVALID_TOKEN, 'The token algorithm does not match its key');
    }
  }

  private verifySignatureAndClaims(token: string, algorithm: string, key: KeyObject): JwtPayload {
    let claims: string | JwtPayload;
    try {
      claims =
        algorithm === EDDSA ? verifyEdDsa(token, key, this.eddsaClaimOptions) : verify(token, key, this.verifyOptions);
    } catch (error) {
      throw fromJsonWebTokenError(error);
    }
    return asClaims(claims);
  }

  private async isRevoked(claims: JwtPayload): Promise<boolean> {
    const answer = await boundedCall(
      () => this.revocationCheck!.isRevoked(claims),
      this.options.secretTimeout,
      (error) => {
        // Failing closed: a denylist that cannot answer must not let a revoked token in.
        this.logger.warn(`RevocationCheck failed: ${describeError(error)}`);
        return new UnauthorizedError(JwtSocketErrorCode.TOKEN_REVOKED, 'The revocation status could not be checked');
      },
    );
    return answer === true;
  }

  /** The earlier of `exp` and `iat + maxAge` (what jsonwebtoken checks at connect), plus the clock tolerance. */
  private expiresAt(claims: JwtPayload): number | undefined {
    let deadline = typeof claims.exp === 'number' ? claims.exp : undefined;
    const maxAge = this.options.maxAgeSeconds;
    if (maxAge !== undefined && typeof claims.iat === 'number') {
      const ageLimit = Math.floor(claims.iat + maxAge);
      if (deadline === undefined || ageLimit < deadline) deadline = ageLimit;
    }
    return deadline === undefined ? undefined : (deadline + this.options.clockTolerance) * 1000;
  }
}

function isEdDsaKey(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448';
}

function safeKid(jwt: Jwt): string {
  return typeof jwt.header.kid === 'string' ? quote(jwt.header.kid) : 'none';
}

function noteIdentity(identity: TokenIdentity, payload: JwtPayload): void {
  identity.subject = identityClaim(payload.sub);
  identity.tokenId = identityClaim(payload.jti);
}
