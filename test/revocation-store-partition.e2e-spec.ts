import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import type { Socket } from 'socket.io-client';
import type { Server } from 'socket.io';
import { RedisRevocationStore, REVOKE_EVENT } from '../lib';
import {
  Gateway,
  connectStoreClient,
  startStoreNode,
  until,
  type ClientKind,
  type StoreNode,
} from './fixtures/revocation-store/nodes';
import { expiryOf } from './fixtures/lifecycle/clients';
import { startProxy, type TcpProxy } from './fixtures/revocation-store/proxy';
import { connectClient, connected, emitWithAck, refusal, rejectedCode } from './support/client';
import { startRedis, type TestRedis } from './support/redis';
import { signToken } from './support/tokens';

/**
 * Revocation that survives a partition: two nodes on a real Redis with the classic adapter, node B
 * reaching Redis through a TCP proxy the test cuts. What B missed while cut off, it learns from the
 * store when its connection is back; nodes started later refuse revoked tokens at connect.
 */

const MAX_TOKEN_LIFETIME_S = 3600;
/** Long enough that only the reconnection, not the periodic sweep, can explain what B does. */
const NO_PERIODIC_SWEEP_MS = 3_600_000;

const tokenRevoked = expect.objectContaining({
  data: expect.objectContaining({ type: 'UnauthorizedError', code: 'token_revoked' }),
});

/** A token issued in a later second than `revokedAtMs`, as a fresh login after the revocation gets. */
async function tokenIssuedAfter(revokedAtMs: number, payload: object): Promise<string> {
  await until(() => Math.floor(Date.now() / 1000) > Math.floor(revokedAtMs / 1000), 'the next second');
  return signToken(payload);
}

function join(node: StoreNode, token: string): Promise<Socket> {
  return connected(connectClient(node.url, { auth: { token } }));
}

describe.each<ClientKind>(['redis', 'ioredis'])('a durable revocation store on %s, across a partition', (kind) => {
  let redis: TestRedis;
  let proxy: TcpProxy;
  let direct: ReturnType<typeof createClient>;
  const started: StoreNode[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    proxy = await startProxy(redis.url);
    direct = createClient({ url: redis.url });
    await direct.connect();
  });
  afterEach(async () => {
    // Healed first: a client closes after its queued commands are sent.
    if (!(await proxyIsOpen(proxy))) await proxy.heal();
    await Promise.all(started.splice(0).map((node) => node.close()));
  });
  afterAll(async () => {
    await direct.close();
    await proxy.close();
    await redis.stop();
  });

  async function startNodes(
    sweepInterval: number,
    { cutAdapterToo = true, commandTimeout = 5000, offlineQueue = true } = {},
  ) {
    const channel = `store-${randomUUID()}`;
    const store = { maxTokenLifetime: MAX_TOKEN_LIFETIME_S, sweepInterval, commandTimeout, keyPrefix: `${channel}:` };
    const startNode = async (url: string) => {
      const adapterUrl = cutAdapterToo ? url : redis.url;
      const node = await startStoreNode({ url, adapterUrl, kind, channel, store, offlineQueue });
      started.push(node);
      return node;
    };
    const a = await startNode(redis.url);
    const b = await startNode(proxy.url);
    return { a, b, store, startNode };
  }

  it("disconnects alice's sockets on B with token_revoked when B's Redis connection comes back", async () => {
    const { a, b, startNode } = await startNodes(NO_PERIODIC_SWEEP_MS);
    const oldToken = signToken({ sub: 'alice' });
    const aliceOnB = await join(b, oldToken);
    const bobOnB = await join(b, signToken({ sub: 'bob' }));

    await proxy.cut();
    await until(() => !b.storeClient.isReady(), "B's store client notices the cut");
    const revokedAt = Date.now();
    expect(await a.revoker.revokeSubjectDurably('alice')).toBe(0);
    // B missed the broadcast: alice is still served there.
    expect(await emitWithAck(aliceOnB, 'ping')).toBe('pong');

    const refused = refusal(aliceOnB);
    await proxy.heal();
    const { error, order } = await refused;
    expect(error).toEqual(tokenRevoked);
    expect(order).toEqual(['unauthorized', 'disconnect']);
    expect(await emitWithAck(bobOnB, 'ping')).toBe('pong');

    const c = await startNode(redis.url);
    expect(await rejectedCode(connectClient(c.url, { auth: { token: oldToken } }))).toBe('token_revoked');
    const newToken = await tokenIssuedAfter(revokedAt, { sub: 'alice' });
    expect(await emitWithAck(await join(c, newToken), 'ping')).toBe('pong');
    expect(await emitWithAck(await join(b, newToken), 'ping')).toBe('pong');
  });

  it('refuses every connect while its Redis is cut off (fails closed), and accepts again once it is back', async () => {
    // Only the store's connection: the adapter's clients reconnecting meanwhile are not what this is about.
    const { b } = await startNodes(NO_PERIODIC_SWEEP_MS, { cutAdapterToo: false });
    await proxy.cut();
    await until(() => !b.storeClient.isReady(), "B's store client notices the cut");
    expect(await rejectedCode(connectClient(b.url, { auth: { token: signToken({ sub: 'carol' }) } }))).toBe(
      'token_revoked',
    );
    await proxy.heal();
    await until(() => b.redisReady(), "B's Redis clients are back");
    expect(await emitWithAck(await join(b, signToken({ sub: 'carol' })), 'ping')).toBe('pong');
  });

  it('the periodic sweep disconnects a socket whose revocation only reached Redis (another service recorded it)', async () => {
    const { b, store } = await startNodes(200);
    const aliceOnB = await join(b, signToken({ sub: 'alice' }));
    const bobOnB = await join(b, signToken({ sub: 'bob' }));
    const refused = refusal(aliceOnB);

    const elsewhere = await connectStoreClient(kind, redis.url);
    await new RedisRevocationStore(elsewhere.commands, store).revokeSubject('alice');
    await elsewhere.close();

    expect((await refused).error).toEqual(tokenRevoked);
    expect(await emitWithAck(bobOnB, 'ping')).toBe('pong');
  });

  it("a revocation its node could not record (the store's Redis cut off) is written when the connection is back", async () => {
    // The adapter stays connected: @socket.io/redis-adapter leaves a failed publish unhandled. No
    // offline queue: the client drops the write, so only the store's own retry can make it.
    const { b, store } = await startNodes(NO_PERIODIC_SWEEP_MS, { cutAdapterToo: false, offlineQueue: false });
    const aliceOnB = await join(b, signToken({ sub: 'alice' }));
    const refused = refusal(aliceOnB);
    await proxy.cut();
    await until(() => !b.storeClient.isReady(), "B's store client notices the cut");

    await expect(b.revoker.revokeSubjectDurably('alice')).rejects.toThrow();
    expect((await refused).error).toEqual(tokenRevoked); // the local sockets go at once anyway
    expect(await direct.get(`${store.keyPrefix}sub:alice`)).toBeNull();

    await proxy.heal();
    await until(
      async () => (await direct.get(`${store.keyPrefix}sub:alice`)) !== null,
      'the pending record is written',
    );
  });

  it('a node that hears the broadcast of a revocation its sender could not record keeps it: refused there, and written to Redis', async () => {
    const { a, b, store, startNode } = await startNodes(NO_PERIODIC_SWEEP_MS, {
      cutAdapterToo: false,
      offlineQueue: false,
    });
    const oldToken = signToken({ sub: 'alice' });
    const aliceOnA = await join(a, oldToken);
    const refusedOnA = refusal(aliceOnA);
    await proxy.cut();
    await until(() => !b.storeClient.isReady(), "B's store client notices the cut");

    await expect(b.revoker.revokeSubjectDurably('alice')).rejects.toThrow();
    expect((await refusedOnA).error).toEqual(tokenRevoked);
    // B's store is still cut off: only A can have written it.
    await until(async () => (await direct.get(`${store.keyPrefix}sub:alice`)) !== null, 'A writes the record');
    expect(await rejectedCode(connectClient(a.url, { auth: { token: oldToken } }))).toBe('token_revoked');
    const c = await startNode(redis.url);
    expect(await rejectedCode(connectClient(c.url, { auth: { token: oldToken } }))).toBe('token_revoked');
  });

  it('dates a revocation heard from a peer no later than its own clock: a crafted far-future instant locks no one out', async () => {
    const { a, store } = await startNodes(NO_PERIODIC_SWEEP_MS);
    const crafted = { subject: 'mallory', revokedAtMs: Date.now() + 1e12 };
    (a.app.get(Gateway).server as Server).serverSideEmit(REVOKE_EVENT, crafted);
    const key = `${store.keyPrefix}sub:mallory`;
    await until(async () => (await direct.get(key)) !== null, 'B records what it heard');
    expect(Number(await direct.get(key))).toBeLessThanOrEqual(Date.now());
    const later = await tokenIssuedAfter(Number(await direct.get(key)), { sub: 'mallory' });
    expect(await emitWithAck(await join(a, later), 'ping')).toBe('pong');
  });

  it('records a subject for maxTokenLifetime, and a token id until its exp (read in Redis, not waited for)', async () => {
    const { a, store } = await startNodes(NO_PERIODIC_SWEEP_MS);
    const leaked = signToken({ sub: 'dave', jti: 'leaked-1' }, { expiresIn: 600 });
    const expMs = expiryOf(leaked);
    const daveOnA = await join(a, leaked);
    const refused = refusal(daveOnA);

    await a.revoker.revokeTokenIdDurably('leaked-1');
    await a.revoker.revokeTokenIdDurably('unknown-jti');
    await a.revoker.revokeSubjectDurably('erin');

    expect((await refused).error).toEqual(tokenRevoked);
    const ttl = (key: string) => direct.pTTL(`${store.keyPrefix}${key}`);
    expect(await ttl('jti:leaked-1')).toBeLessThanOrEqual(expMs - Date.now() + 1000);
    expect(await ttl('jti:leaked-1')).toBeGreaterThan(expMs - Date.now() - 5000);
    for (const key of ['jti:unknown-jti', 'sub:erin']) {
      expect(await ttl(key)).toBeLessThanOrEqual(MAX_TOKEN_LIFETIME_S * 1000);
      expect(await ttl(key)).toBeGreaterThan(MAX_TOKEN_LIFETIME_S * 1000 - 5000);
    }
    expect(await rejectedCode(connectClient(a.url, { auth: { token: leaked } }))).toBe('token_revoked');
    expect(await emitWithAck(await join(a, signToken({ sub: 'dave', jti: 'fresh-1' })), 'ping')).toBe('pong');
    const stored = JSON.stringify(await direct.mGet([`${store.keyPrefix}jti:leaked-1`, `${store.keyPrefix}sub:erin`]));
    expect(stored).not.toContain(leaked.split('.')[2]);
  });
});

/** The proxy accepts connections unless the test cut it. */
async function proxyIsOpen(proxy: TcpProxy): Promise<boolean> {
  const probe = createClient({ url: proxy.url, socket: { reconnectStrategy: false, connectTimeout: 500 } });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.close();
    return true;
  } catch {
    return false;
  }
}
