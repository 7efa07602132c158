import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import {
  JwksKeySet,
  JwtSocketErrorCode,
  SecretProvider,
  UnauthorizedError,
  type SecretAnswer,
  type SecretContext,
} from '../lib';
import { DemoIdentityProvider } from './identity-provider';
import { TenantDirectory } from './tenant-directory';

/**
 * Picks the verification key by the token's `tenant` claim: an HS256 secret for `acme` and `globex`,
 * the identity provider's JWKS (chosen by `kid`, pinned to RS256) for `initech`. The claim is NOT
 * verified yet: it only chooses the key, so a token that claims another tenant fails the signature check.
 */
@Injectable()
export class TenantSecrets extends SecretProvider implements OnModuleDestroy {
  private identityProviderKeys?: JwksKeySet;

  constructor(
    private readonly tenants: TenantDirectory,
    private readonly identityProvider: DemoIdentityProvider,
  ) {
    super();
  }

  getSecret({ header, payload }: SecretContext): SecretAnswer | Promise<SecretAnswer> {
    if (payload.tenant === DemoIdentityProvider.TENANT) return this.jwks().getKey(header.kid, header.alg);
    const secret = typeof payload.tenant === 'string' ? this.tenants.secretOf(payload.tenant) : undefined;
    if (!secret) throw new UnauthorizedError(JwtSocketErrorCode.INVALID_TOKEN, 'Unknown tenant');
    return secret;
  }

  onModuleDestroy(): void {
    this.identityProviderKeys?.close();
  }

  /** Built on first use: the identity provider's URL is known once it listens. */
  private jwks(): JwksKeySet {
    return (this.identityProviderKeys ??= new JwksKeySet({ jwksUri: this.identityProvider.jwksUri }));
  }
}
