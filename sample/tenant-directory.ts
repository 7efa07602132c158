import { Injectable } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { DemoKeys } from './demo-keys';
import { DemoIdentityProvider } from './identity-provider';

/** A tenant as the login page lists it: its name and how its tokens are signed and verified. */
export interface TenantListing {
  name: string;
  algorithm: 'HS256' | 'RS256';
  verifiedWith: string;
}

/**
 * The tenants the demo knows: one HS256 secret each, plus the tenant whose users sign in at the
 * identity provider. DEMO: a real directory reads its secrets from a secret store.
 */
@Injectable()
export class TenantDirectory {
  constructor(private readonly keys: DemoKeys) {}

  /** The tenant's key, or undefined for a tenant nobody registered. */
  secretOf(tenant: string): KeyObject | undefined {
    return this.keys.tenantSecrets.get(tenant);
  }

  /** Every tenant that can log in: the page builds its tenant list from this, never from a copy. */
  list(): TenantListing[] {
    const ownSecret = [...this.keys.tenantSecrets.keys()].map((name): TenantListing => ({
      name,
      algorithm: 'HS256',
      verifiedWith: 'its own secret',
    }));
    const identityProvider: TenantListing = {
      name: DemoIdentityProvider.TENANT,
      algorithm: 'RS256',
      verifiedWith: "the identity provider's JWKS",
    };
    return [...ownSecret, identityProvider];
  }
}
