import { Injectable } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { JwtSocketErrorCode, SecretProvider, UnauthorizedError, type SecretContext } from '../lib';
import { TenantDirectory } from './tenant-directory';

/**
 * Picks the verification key by the token's `tenant` claim. The claim is NOT verified yet: it only
 * chooses the key, so a token that claims another tenant fails the signature check.
 */
@Injectable()
export class TenantSecrets extends SecretProvider {
  constructor(private readonly tenants: TenantDirectory) {
    super();
  }

  getSecret({ payload }: SecretContext): KeyObject {
    const secret = typeof payload.tenant === 'string' ? this.tenants.secretOf(payload.tenant) : undefined;
    if (!secret) throw new UnauthorizedError(JwtSocketErrorCode.INVALID_TOKEN, 'Unknown tenant');
    return secret;
  }
}
