import { Injectable } from '@nestjs/common';
import {
  createPrivateKey,
  createSecretKey,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  type KeyObject,
} from 'node:crypto';

/** The tenants that verify with their own HS256 secret. */
export const HMAC_TENANTS = ['acme', 'globex'] as const;

/** Where `npm run start:cluster` hands its workers the key material it made (see `shareableDemoKeys`). */
const SHARED_KEYS_VARIABLE = 'SAMPLE_SHARED_DEMO_KEYS';

interface SharedDemoKeys {
  tenantSecrets: Record<string, string>;
  identityProvider: { privateKeyPem: string; kid: string };
}

/**
 * DEMO ONLY: the sample's key material, new at every start, so restarting the server invalidates
 * every token. One process makes it; the workers of `npm run start:cluster` receive the primary's, so
 * a token issued by one worker verifies on all of them. A real deployment reads its secrets from a
 * secret store in every process, and its identity provider keeps its private key to itself.
 */
@Injectable()
export class DemoKeys {
  readonly tenantSecrets: ReadonlyMap<string, KeyObject>;
  readonly identityProviderKey: KeyObject;
  readonly identityProviderKid: string;

  constructor() {
    const shared = process.env[SHARED_KEYS_VARIABLE];
    const keys = shared ? (JSON.parse(shared) as SharedDemoKeys) : newDemoKeys();
    this.tenantSecrets = new Map(
      Object.entries(keys.tenantSecrets).map(([tenant, secret]) => [
        tenant,
        createSecretKey(Buffer.from(secret, 'base64url')),
      ]),
    );
    this.identityProviderKey = createPrivateKey(keys.identityProvider.privateKeyPem);
    this.identityProviderKid = keys.identityProvider.kid;
  }
}

function newDemoKeys(): SharedDemoKeys {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    tenantSecrets: Object.fromEntries(HMAC_TENANTS.map((tenant) => [tenant, randomBytes(32).toString('base64url')])),
    identityProvider: {
      privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      kid: randomUUID(),
    },
  };
}

/**
 * The environment a cluster primary gives its workers: one set of demo keys for all of them. It is
 * never logged; it stays in the process environment of this machine's own workers.
 */
export function shareableDemoKeys(): Record<string, string> {
  return { [SHARED_KEYS_VARIABLE]: JSON.stringify(newDemoKeys()) };
}
