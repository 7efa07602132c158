import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { createPublicKey, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sign } from 'jsonwebtoken';
import { DemoKeys } from './demo-keys';

/**
 * DEMO ONLY: a stand-in for an external identity provider (Keycloak, Auth0, Entra ID...) that serves
 * the tenant `initech`. It signs RS256 tokens and publishes its public key as a JWKS on its own
 * loopback HTTP server, the way a real provider does at `/.well-known/jwks.json`. Its key is new at
 * every start (shared by the workers of `npm run start:cluster`, see DemoKeys).
 */
@Injectable()
export class DemoIdentityProvider implements OnModuleInit, OnModuleDestroy {
  static readonly TENANT = 'initech';
  static readonly ISSUER = 'sample-identity-provider';

  private readonly server: Server = createServer((request, response) => this.serve(request.url, response));
  private url?: string;
  /** How many times the JWKS was fetched: the library caches it. */
  jwksRequests = 0;

  constructor(private readonly keys: DemoKeys) {}

  async onModuleInit(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  async onModuleDestroy(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  get jwksUri(): string {
    if (!this.url) throw new Error('DemoIdentityProvider is not started yet');
    return this.url;
  }

  issue(username: string, ttlSeconds: number): string {
    return sign({ tenant: DemoIdentityProvider.TENANT }, this.keys.identityProviderKey, {
      algorithm: 'RS256',
      keyid: this.keys.identityProviderKid,
      issuer: DemoIdentityProvider.ISSUER,
      subject: username,
      expiresIn: ttlSeconds,
      jwtid: randomUUID(),
    });
  }

  private serve(path: string | undefined, response: import('node:http').ServerResponse): void {
    if (path !== '/.well-known/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    this.jwksRequests++;
    const publicKey = createPublicKey(this.keys.identityProviderKey).export({ format: 'jwk' });
    const jwk = { ...publicKey, kid: this.keys.identityProviderKid, alg: 'RS256', use: 'sig' };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  }
}
