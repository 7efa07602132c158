import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JwtSocketIoAdapter, JwtSocketModule, type JwtSocketModuleOptions } from '../lib';
import { CallLog, guardedGateway } from './fixtures/core/gateways';
import { generateKeyPair, signHmac, signWith } from './fixtures/core/key-pairs';
import { CapturingLogger, startApp, type TestApp } from './support/app';
import { closeClients, connectClient, connected, emitWithAck, rejectedCode } from './support/client';
import { startJwksServer, type JwksRoute, type JwksServer } from './support/jwks-server';

const TENANT_A = 'https://a.example/';
const TENANT_B = 'https://b.example/';
const TENANT_C = 'https://c.example/';
const HMAC_TENANT = 'https://legacy.example/';
const HMAC_SECRET = 'a-legacy-tenant-secret-long-enough-for-hs256';

const a1 = generateKeyPair('RS256', 'a1');
const b1 = generateKeyPair('ES256', 'b1');
const c = generateKeyPair('EdDSA', 'c');

describe('issuers: a per-tenant allow-list of key sources', () => {
  let jwks: JwksServer;
  let routeA: JwksRoute;
  let routeB: JwksRoute;
  let server: TestApp;

  const connectWith = (token: string) => connectClient(server.url, { auth: { token } });
  const whoami = async (token: string) => {
    const socket = await connected(connectWith(token));
    return emitWithAck<{ sub: string; claims: { iss: string } }>(socket, 'whoami');
  };

  beforeEach(async () => {
    jwks = await startJwksServer();
    routeA = jwks.route('/a/jwks.json', [a1.jwk]);
    routeB = jwks.route('/b/jwks.json', [b1.jwk]);
    server = await startApp({
      jwtModule: JwtSocketModule.forRoot({
        issuers: {
          [TENANT_A]: { jwksUri: routeA.url, cooldown: 0 },
          [TENANT_B]: { jwksUri: routeB.url, cooldown: 0 },
          [TENANT_C]: { key: c.publicPem },
          [HMAC_TENANT]: { key: HMAC_SECRET },
        },
      }),
      gateways: [guardedGateway()],
    });
  });
  afterEach(async () => {
    await server.close();
    await jwks.close();
  });

  it('refuses a token from an unlisted issuer with untrusted_issuer, before any JWKS request', async () => {
    const codes = await Promise.all([
      rejectedCode(connectWith(signWith(a1, { sub: 'mallory', iss: 'https://evil.example/' }))),
      rejectedCode(connectWith(signWith(a1, { sub: 'mallory', iss: 'https://a.example' }))),
      rejectedCode(connectWith(signWith(a1, { sub: 'mallory' }))),
    ]);
    expect(codes).toEqual(['untrusted_issuer', 'untrusted_issuer', 'untrusted_issuer']);
    expect(jwks.totalHits).toBe(0);
    expect(server.log.connected).toHaveLength(0);

    expect((await whoami(signWith(a1, { sub: 'alice', iss: TENANT_A }))).sub).toBe('alice');
  });

  it("verifies each tenant's tokens with that tenant's keys", async () => {
    const alice = await whoami(signWith(a1, { sub: 'alice', iss: TENANT_A }));
    const bob = await whoami(signWith(b1, { sub: 'bob', iss: TENANT_B }));
    const carol = await whoami(signWith(c, { sub: 'carol', iss: TENANT_C }));
    const dave = await whoami(signHmac(HMAC_SECRET, { sub: 'dave', iss: HMAC_TENANT }));
    expect([alice, bob, carol, dave].map((me) => `${me.sub}@${me.claims.iss}`)).toEqual([
      `alice@${TENANT_A}`,
      `bob@${TENANT_B}`,
      `carol@${TENANT_C}`,
      `dave@${HMAC_TENANT}`,
    ]);
    expect([routeA.hits, routeB.hits]).toEqual([1, 1]);
  });

  it("never verifies a tenant's token with another tenant's keys", async () => {
    const codes = {
      aClaimSignedByB: await rejectedCode(connectWith(signWith(b1, { sub: 'mallory', iss: TENANT_A }))),
      aClaimSignedByBUnderAKid: await rejectedCode(
        connectWith(signWith(b1, { sub: 'mallory', iss: TENANT_A }, { kid: 'a1' })),
      ),
      aClaimSignedByAnotherRsaKeyUnderAKid: await rejectedCode(
        connectWith(signWith(generateKeyPair('RS256'), { sub: 'mallory', iss: TENANT_A }, { kid: 'a1' })),
      ),
      bClaimSignedByStaticC: await rejectedCode(connectWith(signWith(c, { sub: 'mallory', iss: TENANT_B }))),
      cClaimSignedByA: await rejectedCode(connectWith(signWith(a1, { sub: 'mallory', iss: TENANT_C }))),
      cClaimHs256WithCPublicKey: await rejectedCode(
        connectWith(signHmac(c.publicPem, { sub: 'mallory', iss: TENANT_C })),
      ),
      hmacTenantClaimSignedByA: await rejectedCode(connectWith(signWith(a1, { sub: 'mallory', iss: HMAC_TENANT }))),
    };
    expect(codes).toEqual({
      aClaimSignedByB: 'unknown_kid',
      aClaimSignedByBUnderAKid: 'invalid_token',
      aClaimSignedByAnotherRsaKeyUnderAKid: 'invalid_token',
      bClaimSignedByStaticC: 'unknown_kid',
      cClaimSignedByA: 'invalid_token',
      cClaimHs256WithCPublicKey: 'invalid_token',
      hmacTenantClaimSignedByA: 'invalid_token',
    });
    expect(server.log.connected).toHaveLength(0);
    expect((await whoami(signWith(b1, { sub: 'bob', iss: TENANT_B }))).sub).toBe('bob');
  });

  it("keeps tenants apart when one tenant's identity provider is down", async () => {
    routeA.mode = 'status-500';
    expect(await rejectedCode(connectWith(signWith(a1, { sub: 'alice', iss: TENANT_A })))).toBe('jwks_unavailable');
    expect((await whoami(signWith(b1, { sub: 'bob', iss: TENANT_B }))).sub).toBe('bob');
    expect(server.logger.lines).toContain(`warn JWKS ${routeA.url} unavailable: HTTP status 500`);
    closeClients();
  });
});

describe('issuers: bootstrap fails loudly on a malformed configuration', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function bootstrap(options: JwtSocketModuleOptions): Promise<void> {
    @Module({ imports: [JwtSocketModule.forRoot(options)], providers: [CallLog, guardedGateway()] })
    class BootstrapModule {}
    // abortOnError: false makes Nest reject instead of exiting the process.
    app = await NestFactory.create(BootstrapModule, { logger: new CapturingLogger(), abortOnError: false });
    app.useWebSocketAdapter(new JwtSocketIoAdapter(app));
    await app.listen(0, '127.0.0.1');
  }

  it('starts with a well-formed issuers map (control)', async () => {
    await expect(
      bootstrap({
        issuers: { [TENANT_A]: { jwksUri: 'https://a.example/jwks.json' }, [TENANT_C]: { key: c.publicKey } },
      }),
    ).resolves.toBeUndefined();
  });

  it.each<[string, JwtSocketModuleOptions, RegExp]>([
    ['an empty issuers map', { issuers: {} }, /`issuers` must list at least one issuer/],
    [
      'a bad JWKS URL',
      { issuers: { [TENANT_A]: { jwksUri: 'a.example/jwks' } } },
      /jwksUri` must be an absolute http\(s\) URL/,
    ],
    [
      'a static key that is not a key',
      { issuers: { [TENANT_C]: { key: Buffer.alloc(0) } } },
      /is missing or empty: received an empty Buffer/,
    ],
  ])('refuses %s', async (_name, options, message) => {
    await expect(bootstrap(options)).rejects.toThrow(message);
  });
});
