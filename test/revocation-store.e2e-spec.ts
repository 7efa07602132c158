import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { createClient } from 'redis';
import type { Socket } from 'socket.io-client';
import { JwtSocketConfigError, JwtSocketModule, JwtSocketRevoker, RedisRevocationStore, fromNodeRedis } from '../lib';
import { guardedGateway } from './fixtures/core/gateways';
import { asyncStoreModule } from './fixtures/revocation-store/async-module';
import { until } from './fixtures/revocation-store/nodes';
import { startApp, type TestApp } from './support/app';
import { connectClient, connected, emitWithAck, type UnauthorizedLike } from './support/client';
import { startRedis, type TestRedis } from './support/redis';
import { SECRET, signToken } from './support/tokens';

/**
 * The store on one node: configured with `forRootAsync` and an ioredis client from the app's own
 * module, consulted in event mode at the first `authenticate` and at refresh, and its bootstrap errors.
 */

function authenticate(socket: Socket, token: string): Promise<'authenticated' | string> {
  return new Promise((resolve) => {
    const onUnauthorized = (error: UnauthorizedLike) => {
      socket.off('authenticated', onAuthenticated);
      resolve(error.data.code);
    };
    const onAuthenticated = () => {
      socket.off('unauthorized', onUnauthorized);
      resolve('authenticated');
    };
    socket.once('authenticated', onAuthenticated);
    socket.once('unauthorized', onUnauthorized);
    socket.emit('authenticate', { token });
  });
}

describe('RedisRevocationStore with forRootAsync and ioredis (event mode)', () => {
  let redis: TestRedis;
  let client: Redis;
  let server: TestApp;
  let revoker: JwtSocketRevoker;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    server = await startApp({ jwtModule: asyncStoreModule(client, `${randomUUID()}:`), gateways: [guardedGateway()] });
    revoker = server.app.get(JwtSocketRevoker);
  });
  afterAll(async () => {
    await server.close();
    client.disconnect();
    await redis.stop();
  });

  it('refuses at authenticate a token issued before its subject was revoked, and a token without iat', async () => {
    const before = signToken({ sub: 'frank' });
    const withoutIat = signToken({ sub: 'frank' }, { noTimestamp: true });
    const revokedAt = Date.now();
    expect(await revoker.revokeSubjectDurably('frank')).toBe(0);

    expect(await authenticate(await connected(connectClient(server.url)), before)).toBe('token_revoked');
    expect(await authenticate(await connected(connectClient(server.url)), withoutIat)).toBe('token_revoked');
    await until(() => Math.floor(Date.now() / 1000) > Math.floor(revokedAt / 1000), 'the next second');
    const fresh = await connected(connectClient(server.url));
    expect(await authenticate(fresh, signToken({ sub: 'frank' }))).toBe('authenticated');
    expect(await emitWithAck(fresh, 'ping')).toBe('pong');
  });

  it('refuses a refresh to a revoked token id, recorded while no socket held it', async () => {
    const socket = await connected(connectClient(server.url));
    expect(await authenticate(socket, signToken({ sub: 'grace', jti: 'g-1' }))).toBe('authenticated');
    await revoker.revokeTokenIdDurably('g-2');
    expect(await authenticate(socket, signToken({ sub: 'grace', jti: 'g-2' }))).toBe('token_revoked');
    // Without disconnectOnRefreshFailure the socket keeps its current, unrevoked token.
    expect(await emitWithAck(socket, 'ping')).toBe('pong');
    expect(await authenticate(socket, signToken({ sub: 'grace', jti: 'g-3' }))).toBe('authenticated');
  });

  // Tokens an outside attack shaped.
  const authenticateNew = async (token: string) => authenticate(await connected(connectClient(server.url)), token);
  const nowSeconds = () => Date.now() / 1000;

  it('records a token id whose exp is fractional or huge (PXAT takes whole, bounded milliseconds)', async () => {
    await revoker.revokeTokenIdDurably('frac-1', nowSeconds() + 600.123456);
    await revoker.revokeTokenIdDurably('huge-1', 1e16);
    expect(await authenticateNew(signToken({ sub: 'ivan', jti: 'frac-1' }))).toBe('token_revoked');
    expect(await authenticateNew(signToken({ sub: 'ivan', jti: 'huge-1' }))).toBe('token_revoked');
    expect(await authenticateNew(signToken({ sub: 'ivan', jti: 'other' }))).toBe('authenticated');
  });

  it('refuses tokens of a revoked subject whose iat is fractional within the revocation second, or ahead of the clock', async () => {
    const revokedAt = nowSeconds();
    await revoker.revokeSubjectDurably('judy');
    expect(await authenticateNew(signToken({ sub: 'judy', iat: revokedAt - 0.001 }))).toBe('token_revoked');
    expect(await authenticateNew(signToken({ sub: 'judy', iat: Math.floor(revokedAt) + 0.999 }))).toBe('token_revoked');
    expect(await authenticateNew(signToken({ sub: 'judy', iat: revokedAt + 5 }))).toBe('token_revoked');
    expect(await authenticateNew(signToken({ sub: 'judy', iat: 1e15 }))).toBe('token_revoked');
  });

  it('refuses a token older than maxTokenLifetime, which no record can vouch for any more', async () => {
    const twoHoursAgo = Math.floor(nowSeconds()) - 7200;
    // Still valid by its own exp (a day after its iat), but issued before any record the store keeps.
    const old = signToken({ sub: 'kim', iat: twoHoursAgo }, { expiresIn: '1d' });
    expect(await authenticateNew(old)).toBe('token_revoked');
    expect(await authenticateNew(signToken({ sub: 'kim' }))).toBe('authenticated');
  });
});

describe('RedisRevocationStore at bootstrap', () => {
  let redis: TestRedis;
  let client: ReturnType<typeof createClient>;

  beforeAll(async () => {
    redis = await startRedis();
    client = createClient({ url: redis.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.close();
    await redis.stop();
  });

  function storeWith(options: unknown, wrap = true): () => RedisRevocationStore {
    const commands = wrap ? fromNodeRedis(client) : client;
    return () =>
      new RedisRevocationStore(commands as never, options as ConstructorParameters<typeof RedisRevocationStore>[1]);
  }

  it.each([
    ['no maxTokenLifetime', {}, /`maxTokenLifetime` is required/],
    [
      'a maxTokenLifetime it cannot read',
      { maxTokenLifetime: 'soon' },
      /`maxTokenLifetime` is required.*received a string/,
    ],
    [
      'a zero sweepInterval',
      { maxTokenLifetime: 60, sweepInterval: 0 },
      /`sweepInterval` must be a positive number.*received 0/,
    ],
    ['an empty keyPrefix', { maxTokenLifetime: 60, keyPrefix: '' }, /`keyPrefix` must be a non-empty string/],
  ])('throws JwtSocketConfigError for %s', (_case, options, message) => {
    expect(storeWith(options)).toThrow(JwtSocketConfigError);
    expect(storeWith(options)).toThrow(message);
  });

  it('names the adapters when given a raw client', () => {
    expect(storeWith({ maxTokenLifetime: 60 }, false)).toThrow(/fromNodeRedis\(client\) or fromIoredis\(client\)/);
  });

  it('fails the Nest bootstrap, before any connection', async () => {
    class Misconfigured extends RedisRevocationStore {
      constructor() {
        super(fromNodeRedis(client), { maxTokenLifetime: 0 });
      }
    }
    await expect(
      startApp({
        jwtModule: JwtSocketModule.forRoot({ secret: SECRET, revocationCheck: Misconfigured }),
        gateways: [guardedGateway()],
      }),
    ).rejects.toThrow(JwtSocketConfigError);
  });
});
