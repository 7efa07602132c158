import { Injectable } from '@nestjs/common';
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

/** The tenants the demo knows. */
export const DEMO_TENANTS = ['acme', 'globex'] as const;

/**
 * One HS256 secret per tenant. DEMO: the secrets are random for each process, so restarting the
 * server invalidates every token; a real directory reads them from a secret store.
 */
@Injectable()
export class TenantDirectory {
  private readonly secrets = new Map<string, KeyObject>(
    DEMO_TENANTS.map((tenant) => [tenant, createSecretKey(randomBytes(32))]),
  );

  /** The tenant's key, or undefined for a tenant nobody registered. */
  secretOf(tenant: string): KeyObject | undefined {
    return this.secrets.get(tenant);
  }
}
