import { JwksSecretProvider, JwtSocketModule, type JwksOptions } from '../lib';
import { guardedGateway } from './fixtures/core/gateways';
import { generateKeyPair, signHmac, signWith } from './fixtures/core/key-pairs';
import { startApp, type TestApp } from './support/app';
import { closeClients, connectClient, connected, connectOutcome, emitWithAck, rejectedCode } from './support/client';
import { startJwksServer, type JwksRoute, type JwksServer } from './support/jwks-server';
import { unsignedToken } from './support/tokens';

const k1 = generateKeyPair('RS256', 'k1');
const k2 = generateKeyPair('ES256', 'k2');
/** A key the identity provider never published. */
const stranger = generateKeyPair('RS256', 'stranger');

describe('JWKS: keys from an identity provider, chosen by kid', () => {
  let jwks: JwksServer;
  let route: JwksRoute;
  let server: TestApp | undefined;

  const start = async (options: Partial<JwksOptions> = {}, extra: { algorithms?: Array<'RS256' | 'ES256'> } = {}) => {
    server = await startApp({
      jwtModule: JwtSocketModule.forRoot({ jwks: { jwksUri: route.url, ...options }, ...extra }),
      gateways: [guardedGateway()],
    });
    return server;
  };
  const connectWith = (token: string) => connectClient(server!.url, { auth: { token } });
  const whoami = async (token: string) => {
    const socket = await connected(connectWith(token));
    return (await emitWithAck<{ sub: string }>(socket, 'whoami')).sub;
  };
  const jwksLines = () => server!.logger.lines.filter((line) => line.includes('JWKS'));

  beforeEach(async () => {
    jwks = await startJwksServer();
    route = jwks.route('/.well-known/jwks.json', [k1.jwk, k2.jwk]);
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await jwks.close();
  });

  it('verifies tokens signed by any published key, fetching the key set once', async () => {
    await start();
    expect(await whoami(signWith(k1, { sub: 'alice' }))).toBe('alice');
    expect(await whoami(signWith(k2, { sub: 'bob' }))).toBe('bob');
    expect(await whoami(signWith(k1, { sub: 'carol' }))).toBe('carol');
    expect(route.hits).toBe(1);
  });

  it('follows a key rotation without restart: the new kid passes, the removed kid fails', async () => {
    const k3 = generateKeyPair('RS256', 'k3');
    await start({ cooldown: 0 });
    const before = await connected(connectWith(signWith(k1, { sub: 'alice' })));

    route.keys = [k3.jwk];
    expect(await whoami(signWith(k3, { sub: 'bob' }))).toBe('bob');
    const oldKid = connectWith(signWith(k1, { sub: 'carol' }));
    expect(await connectOutcome(oldKid)).toEqual({
      message: 'The token key id (kid) is unknown',
      data: { type: 'UnauthorizedError', code: 'unknown_kid', message: 'The token key id (kid) is unknown' },
    });
    expect(route.hits).toBe(3);
    // A socket verified before the rotation keeps its session.
    expect(await emitWithAck(before, 'ping')).toBe('pong');
  });

  it('a burst of random kids costs the identity provider one request per cooldown', async () => {
    await start({ cooldown: 60_000 });
    const burst = Array.from({ length: 25 }, (_, index) =>
      rejectedCode(connectWith(signWith(stranger, { sub: 'mallory' }, { kid: `random-${index}` }))),
    );
    expect(new Set(await Promise.all(burst))).toEqual(new Set(['unknown_kid']));
    expect(route.hits).toBe(1);

    const secondBurst = Array.from({ length: 25 }, (_, index) =>
      rejectedCode(connectWith(signWith(stranger, { sub: 'mallory' }, { kid: `again-${index}` }))),
    );
    expect(new Set(await Promise.all(secondBurst))).toEqual(new Set(['unknown_kid']));
    expect(route.hits).toBe(1);

    expect(await whoami(signWith(k1, { sub: 'alice' }))).toBe('alice');
    expect(route.hits).toBe(1);
    // One warning; the other unknown kids only at debug level (any client can send any kid).
    const warnings = jwksLines().filter((line) => line.includes('unknown kid') && !line.startsWith('debug'));
    expect(warnings).toHaveLength(1);
  });

  it('concurrent first connections share one fetch of the key set', async () => {
    route.mode = 'held';
    await start();
    const sockets = Array.from({ length: 10 }, (_, index) => connectWith(signWith(k1, { sub: `user-${index}` })));
    const outcomes = Promise.all(sockets.map((socket) => connectOutcome(socket)));
    await route.waitForHits(1);
    route.release();
    expect(new Set(await outcomes)).toEqual(new Set(['connected']));
    expect(route.hits).toBe(1);
  });

  it.each([
    ['answers HTTP 500', 'status-500', 'HTTP status 500'],
    ['answers invalid JSON', 'invalid-json', 'the response is not valid JSON'],
    ['answers JSON that is not a key set', 'not-a-key-set', 'the response is not a JSON Web Key Set (no "keys" array)'],
    ['hangs', 'hang', 'no complete answer within 300 ms'],
  ] as const)(
    'refuses with jwks_unavailable when the endpoint %s, logs why, and recovers',
    async (_name, mode, reason) => {
      route.mode = mode;
      await start({ cooldown: 0, timeout: 300 });
      expect(await rejectedCode(connectWith(signWith(k1)))).toBe('jwks_unavailable');
      expect(jwksLines()).toEqual([`warn JWKS ${route.url} unavailable: ${reason}`]);

      route.mode = 'ok';
      expect(await whoami(signWith(k1, { sub: 'alice' }))).toBe('alice');
    },
  );

  it('refuses with jwks_unavailable when the endpoint is unreachable', async () => {
    const url = route.url;
    await jwks.close();
    server = await startApp({
      jwtModule: JwtSocketModule.forRoot({ jwks: { jwksUri: url } }),
      gateways: [guardedGateway()],
    });
    expect(await rejectedCode(connectWith(signWith(k1)))).toBe('jwks_unavailable');
    expect(jwksLines()).toEqual([`warn JWKS ${url} unavailable: the request failed (ECONNREFUSED)`]);
    jwks = await startJwksServer();
  });

  it('refuses a published kid used with another algorithm (key/algorithm mismatch)', async () => {
    await start();
    const esTokenWithRsaKid = signWith(generateKeyPair('ES256'), { sub: 'mallory' }, { kid: 'k1' });
    const socket = connectWith(esTokenWithRsaKid);
    expect(await connectOutcome(socket)).toMatchObject({
      message: 'The token algorithm does not match its key',
      data: { code: 'invalid_token' },
    });
    expect(await whoami(signWith(k1, { sub: 'alice' }))).toBe('alice');
  });

  it.each([
    ['the public key PEM', () => k1.publicPem],
    ['the JWK JSON', () => JSON.stringify(k1.jwk)],
    ['the RSA modulus', () => String(k1.jwk.n)],
  ])(
    'refuses HS256 tokens HMAC-signed with %s of a published RSA key (algorithm confusion)',
    async (_name, keyBytes) => {
      const { alg: _alg, ...jwkWithoutAlg } = k1.jwk;
      route.keys = [jwkWithoutAlg]; // No `alg`: the algorithms come from kty RSA, still never HS256.
      await start();
      const forged = signHmac(keyBytes(), { sub: 'admin' }, { kid: 'k1' });
      expect(await rejectedCode(connectWith(forged))).toBe('invalid_token');
      expect(await whoami(signWith(k1, { sub: 'alice' }))).toBe('alice');
    },
  );

  it('never accepts a symmetric key from the key set, and logs the skip without the key', async () => {
    const sharedSecret = 'a-shared-secret-published-by-mistake';
    route.keys = [
      { kty: 'oct', kid: 'hmac', alg: 'HS256', k: Buffer.from(sharedSecret).toString('base64url') },
      k1.jwk,
    ];
    await start();
    expect(await rejectedCode(connectWith(signHmac(sharedSecret, { sub: 'admin' }, { kid: 'hmac' })))).toBe(
      'unknown_kid',
    );
    expect(jwksLines()).toContain(
      `warn JWKS ${route.url}: skipped key kid="hmac": symmetric keys (kty "oct") are never accepted from a key set`,
    );
    expect(server!.logger.lines.join('\n')).not.toContain(Buffer.from(sharedSecret).toString('base64url'));
  });

  it('refuses alg none and algorithms outside options.algorithms before any fetch', async () => {
    await start({}, { algorithms: ['RS256'] });
    expect(await rejectedCode(connectWith(unsignedToken({ alg: 'none', kid: 'k1' }, { sub: 'admin' })))).toBe(
      'invalid_token',
    );
    expect(await rejectedCode(connectWith(signWith(k2, { sub: 'bob' })))).toBe('invalid_token');
    expect(route.hits).toBe(0);
    expect(await whoami(signWith(k1, { sub: 'alice' }))).toBe('alice');
  });

  it('keeps the claim checks: an expired token from the identity provider is token_expired', async () => {
    await start();
    const expired = signWith(k1, { sub: 'alice', exp: Math.floor(Date.now() / 1000) - 60 });
    expect(await rejectedCode(connectWith(expired))).toBe('token_expired');
  });

  it('is selected by forRootAsync from the factory options, or explicitly as secretProvider', async () => {
    server = await startApp({
      jwtModule: JwtSocketModule.forRootAsync({ useFactory: async () => ({ jwks: { jwksUri: route.url } }) }),
      gateways: [guardedGateway()],
    });
    expect(await whoami(signWith(k1, { sub: 'alice' }))).toBe('alice');
    await server.close();

    server = await startApp({
      jwtModule: JwtSocketModule.forRoot({ jwks: { jwksUri: route.url }, secretProvider: JwksSecretProvider }),
      gateways: [guardedGateway()],
    });
    expect(await whoami(signWith(k2, { sub: 'bob' }))).toBe('bob');
    expect(route.hits).toBe(2);
    closeClients();
  });
});
