import { randomUUID } from 'node:crypto';
import type { RemoteSocket, Server } from 'socket.io';
import type { Socket } from 'socket.io-client';
import { JwtSocketModule, JwtSocketRevoker, type JwtSocketModuleOptions } from '../lib';
import { guardedGateway } from './fixtures/core/gateways';
import { collect } from './fixtures/lifecycle/clients';
import { connectRedisPair, LifecycleRedisIoAdapter, type RedisPair } from './fixtures/lifecycle/redis-adapter';
import { startApp, type TestApp } from './support/app';
import { connectClient, connected, delay, emitWithAck, nextEvent, refusal, roundTrip } from './support/client';
import { startRedis, type TestRedis } from './support/redis';
import { SECRET, signToken } from './support/tokens';

const Gateway = guardedGateway();
type Fetched = RemoteSocket<Record<string, never>, Record<string, unknown>>;

const tokenRevoked = {
  message: expect.any(String),
  data: { type: 'UnauthorizedError', code: 'token_revoked', message: expect.any(String) },
};

interface ClusterNode extends TestApp {
  io: Server;
}

interface Cluster {
  a: ClusterNode;
  b: ClusterNode;
  close(): Promise<void>;
}

/** Two Nest apps on two ports, each composing JwtSocketIoAdapter with @socket.io/redis-adapter. */
async function startCluster(redisUrl: string, options: Partial<JwtSocketModuleOptions> = {}): Promise<Cluster> {
  const key = `lifecycle-${randomUUID()}`;
  const pairs: RedisPair[] = [];
  const startNode = async (): Promise<ClusterNode> => {
    const pair = await connectRedisPair(redisUrl);
    pairs.push(pair);
    const node = await startApp({
      jwtModule: JwtSocketModule.forRoot({ secret: SECRET, ...options }),
      gateways: [Gateway],
      adapter: (app) => new LifecycleRedisIoAdapter(app, pair, key),
    });
    return { ...node, io: node.app.get(Gateway).server as Server };
  };
  const a = await startNode();
  const b = await startNode();
  return {
    a,
    b,
    close: async () => {
      await a.close();
      await b.close();
      await Promise.all(pairs.map((pair) => pair.close()));
    },
  };
}

/**
 * Retries `from.fetchSockets()` until it lists `socket`: the redis adapter's requests only reach
 * nodes that have subscribed, and a node answers asynchronously after it starts.
 */
async function fetchUntilListed(from: ClusterNode, socket: Socket): Promise<Fetched> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const found = (await from.io.fetchSockets()).find((each) => each.id === socket.id);
    if (found) return found as unknown as Fetched;
    await delay(50);
  }
  throw new Error(`socket ${socket.id} never listed by the other node`);
}

describe('a cluster of two nodes over a real Redis', () => {
  let redis: TestRedis;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis.stop());

  describe('handshake mode', () => {
    let cluster: Cluster;

    beforeAll(async () => {
      cluster = await startCluster(redis.url);
    });
    afterAll(() => cluster.close());

    function joinNode(
      node: ClusterNode,
      payload: object,
      extra: Parameters<typeof connectClient>[1] = {},
    ): Promise<Socket> {
      return connected(connectClient(node.url, { auth: { token: signToken(payload) }, ...extra }));
    }

    it('uses the redis adapter on both nodes', () => {
      expect(cluster.a.io.of('/').adapter.constructor.name).toBe('RedisAdapter');
      expect(cluster.b.io.of('/').adapter.constructor.name).toBe('RedisAdapter');
    });

    it('revokeSubject on node A disconnects the subject on node B too, with token_revoked', async () => {
      const aliceOnA = await joinNode(cluster.a, { sub: 'alice' });
      const aliceOnB = await joinNode(cluster.b, { sub: 'alice' });
      const bobOnB = await joinNode(cluster.b, { sub: 'bob' });
      await fetchUntilListed(cluster.a, aliceOnB);
      const refusals = [refusal(aliceOnA), refusal(aliceOnB)];
      const bobUnauthorized = collect(bobOnB, 'unauthorized');

      expect(cluster.a.app.get(JwtSocketRevoker).revokeSubject('alice')).toBe(1);

      for (const { error, order } of await Promise.all(refusals)) {
        expect(error).toEqual(tokenRevoked);
        expect(order).toEqual(['unauthorized', 'disconnect']);
      }
      expect(await emitWithAck(bobOnB, 'ping')).toBe('pong');
      expect(bobUnauthorized).toEqual([]);
    });

    it('revokeTokenId on node B reaches node A', async () => {
      const revoked = await connected(
        connectClient(cluster.a.url, { auth: { token: signToken({ sub: 'dave' }, { jwtid: 'leaked' }) } }),
      );
      await fetchUntilListed(cluster.b, revoked);
      const refused = refusal(revoked);
      expect(cluster.b.app.get(JwtSocketRevoker).revokeTokenId('leaked')).toBe(0);
      expect((await refused).error).toEqual(tokenRevoked);
    });

    it("fetchSockets on node A sees node B's claims, and no raw token in its handshake or data", async () => {
      const token = signToken({ sub: 'carol', role: 'ops' });
      const carolOnB = await connected(
        connectClient(cluster.b.url, {
          auth: { token, device: 'laptop' },
          extraHeaders: { authorization: `Bearer ${token}` },
          query: { token, locale: 'fr' },
        }),
      );

      const remote = await fetchUntilListed(cluster.a, carolOnB);
      expect(cluster.a.io.sockets.sockets.has(remote.id)).toBe(false);
      expect(remote.data).toEqual({ decoded_token: expect.objectContaining({ sub: 'carol', role: 'ops' }) });
      expect(remote.handshake.auth).toEqual({ device: 'laptop' });
      expect(remote.handshake.headers.authorization).toBeUndefined();
      expect(remote.handshake.query).toEqual(expect.objectContaining({ locale: 'fr' }));
      expect(remote.handshake.query.token).toBeUndefined();
      const shipped = JSON.stringify({ handshake: remote.handshake, data: remote.data, rooms: [...remote.rooms] });
      expect(shipped).not.toContain(token.split('.')[2]);
    });
  });

  describe('event mode (sockets not authenticated yet)', () => {
    let cluster: Cluster;

    beforeAll(async () => {
      cluster = await startCluster(redis.url, { handshake: false, timeout: 0 });
    });
    afterAll(() => cluster.close());

    async function authenticatedOn(node: ClusterNode, sub: string): Promise<Socket> {
      const socket = await connected(connectClient(node.url));
      const authenticated = nextEvent(socket, 'authenticated');
      socket.emit('authenticate', { token: signToken({ sub }) });
      await authenticated;
      return socket;
    }

    /** A direct packet from node B to `socket`: whatever B sent it before has arrived once this does. */
    async function markerFromB(socket: Socket): Promise<void> {
      const marker = nextEvent(socket, 'marker');
      cluster.b.io.sockets.sockets.get(socket.id ?? '')?.emit('marker');
      await marker;
    }

    it('delivers broadcasts to authenticated sockets on both nodes and to no unauthenticated one', async () => {
      const aliceOnA = await authenticatedOn(cluster.a, 'alice');
      const bobOnB = await authenticatedOn(cluster.b, 'bob');
      const strangerOnB = await connected(connectClient(cluster.b.url));
      await fetchUntilListed(cluster.a, bobOnB);
      const strangerNews = collect<string>(strangerOnB, 'news');

      const toEveryone = [nextEvent(aliceOnA, 'news'), nextEvent(bobOnB, 'news')];
      expect(await emitWithAck(aliceOnA, 'broadcast', 'to everyone')).toBe('sent');
      expect(await Promise.all(toEveryone)).toEqual(['to everyone', 'to everyone']);

      expect(await emitWithAck(aliceOnA, 'room', 'ops')).toBe('joined');
      expect(await emitWithAck(bobOnB, 'room', 'ops')).toBe('joined');
      const toRoom = [nextEvent(aliceOnA, 'news'), nextEvent(bobOnB, 'news')];
      expect(await emitWithAck(aliceOnA, 'toRoom', { room: 'ops', text: 'to the ops room' })).toBe('sent');
      expect(await Promise.all(toRoom)).toEqual(['to the ops room', 'to the ops room']);

      await markerFromB(strangerOnB);
      expect(strangerNews).toEqual([]);

      const authenticated = nextEvent(strangerOnB, 'authenticated');
      strangerOnB.emit('authenticate', { token: signToken({ sub: 'erin' }) });
      await authenticated;
      const reachesErin = nextEvent(strangerOnB, 'news');
      expect(await emitWithAck(aliceOnA, 'broadcast', 'now erin too')).toBe('sent');
      expect(await reachesErin).toBe('now erin too');
      await roundTrip(strangerOnB);
    });
  });
});

describe('stripHandshakeToken: false (opt-out, single node)', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startApp({
      jwtModule: JwtSocketModule.forRoot({ secret: SECRET, stripHandshakeToken: false }),
      gateways: [Gateway],
    });
  });
  afterAll(() => server.close());

  it('leaves the token in the handshake, where fetchSockets would ship it', async () => {
    const token = signToken({ sub: 'carol' });
    const socket = await connected(
      connectClient(server.url, { auth: { token }, extraHeaders: { authorization: `Bearer ${token}` } }),
    );
    const [fetched] = (await (server.app.get(Gateway).server as Server).fetchSockets()).filter(
      (each) => each.id === socket.id,
    );
    expect(fetched.handshake.auth.token).toBe(token);
    expect(fetched.handshake.headers.authorization).toBe(`Bearer ${token}`);
  });
});
