/**
 * Issue #11: what the library's identity rooms cost on the sharded Redis adapter. In its default
 * `dynamic` mode each node subscribes one Redis shard channel per public room it holds, and every
 * authenticated socket joins `SUBJECT_ROOM_PREFIX + sub` and `TOKEN_ID_ROOM_PREFIX + jti`. Counted
 * on a real redis-server 7 with `PUBSUB SHARDCHANNELS` / `SHARDNUMSUB` (counts, not times), for N
 * sockets of distinct subjects over two nodes: the default, `identityRooms: ['sub']`,
 * `identityRooms: []`, and the adapter's `subscriptionMode: 'static'`. Revocation, which does not
 * use the rooms, still reaches both nodes in every configuration.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import type { Server } from 'socket.io';
import type { Socket } from 'socket.io-client';
import { connectOn, fetchedBy, waitUntil, type MatrixNode, type NodeName } from './fixtures/adapters/matrix';
import { startShardedPair, type ShardedRedisOptions } from './fixtures/adapters/redis';
import { collect } from './fixtures/lifecycle/clients';
import { nextEvent, refusal } from './support/client';
import { startRedis, type TestRedis } from './support/redis';
import { signToken } from './support/tokens';
import type { JwtSocketModuleOptions } from '../lib';

/** Sockets per configuration, spread evenly over the two nodes. */
const N = 20;

interface Configuration {
  label: string;
  subscriptionMode: NonNullable<ShardedRedisOptions>['subscriptionMode'];
  identityRooms?: JwtSocketModuleOptions['identityRooms'];
  /** Shard channels (and node subscriptions) N sockets of distinct subjects, each with a jti, add. */
  added: number;
}

const CONFIGURATIONS: Configuration[] = [
  { label: 'dynamic mode, identityRooms default (sub, jti)', subscriptionMode: 'dynamic', added: 2 * N },
  { label: "dynamic mode, identityRooms: ['sub']", subscriptionMode: 'dynamic', identityRooms: ['sub'], added: N },
  { label: 'dynamic mode, identityRooms: []', subscriptionMode: 'dynamic', identityRooms: [], added: 0 },
  { label: 'static mode, identityRooms default (sub, jti)', subscriptionMode: 'static', added: 0 },
];

/** Room that proves every earlier subscription of a node's subscriber connection went through. */
const BARRIER_ROOM = 'barrier';

describe('@socket.io/redis-adapter sharded: Redis shard channels per identity room', () => {
  let redis: TestRedis;
  let admin: ReturnType<typeof createClient>;
  const figures: string[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    admin = createClient({ url: redis.url });
    await admin.connect();
  });
  afterAll(async () => {
    // The figures the docs quote (docs/scaling-out.md).
    console.log(`Shard channels added by ${N} sockets of distinct subjects, two nodes:\n${figures.join('\n')}`);
    await admin.close();
    await redis.stop();
  });

  /** The shard channels of one cluster, and how many node subscriptions they have in all. */
  async function channelsOf(prefix: string): Promise<{ channels: number; subscriptions: number }> {
    const channels = await admin.sendCommand<string[]>(['PUBSUB', 'SHARDCHANNELS', `${prefix}#*`]);
    if (channels.length === 0) return { channels: 0, subscriptions: 0 };
    const counts = await admin.sendCommand<Array<string | number>>(['PUBSUB', 'SHARDNUMSUB', ...channels]);
    const subscriptions = counts.filter((_, index) => index % 2 === 1).reduce<number>((sum, n) => sum + Number(n), 0);
    return { channels: channels.length, subscriptions };
  }

  it.each(CONFIGURATIONS)('$label: adds $added channels', async (configuration) => {
    const channelPrefix = `rooms-${randomUUID()}`;
    const cluster = await startShardedPair(
      false,
      redis.url,
      { channelPrefix, subscriptionMode: configuration.subscriptionMode },
      configuration.identityRooms === undefined ? {} : { identityRooms: configuration.identityRooms },
    );
    try {
      const before = await channelsOf(channelPrefix);
      const nodes: MatrixNode[] = [cluster.a, cluster.b];
      const sockets: Socket[] = [];
      for (let index = 0; index < N; index++) {
        const token = signToken({ sub: `user-${index}` }, { jwtid: `token-${index}` });
        sockets.push(await connectOn(nodes[index % 2], token));
      }
      await subscriptionsSettled(cluster.started, sockets, configuration, channelPrefix);
      const after = await channelsOf(channelPrefix);

      const added = {
        channels: after.channels - before.channels,
        subscriptions: after.subscriptions - before.subscriptions,
      };
      figures.push(
        `  ${configuration.label}: ${before.channels} channels at start, +${added.channels} channels, +${added.subscriptions} subscriptions`,
      );
      // Distinct subjects: each identity room exists on one node only, one subscription per channel.
      expect(added).toEqual({ channels: configuration.added, subscriptions: configuration.added });

      if (configuration.identityRooms?.includes('sub') ?? true) {
        // Subject rooms still reach across nodes: user-2's socket is on node A, sent from node B.
        const news = nextEvent(sockets[2], 'news');
        await cluster.b.run({ kind: 'toSubjectRoom', subject: 'user-2', event: 'news', payload: 'for user-2' });
        expect(await news).toBe('for user-2');
      }

      // Revocation does not depend on the rooms: it reaches the other node in every configuration.
      await fetchedBy(cluster.a, sockets[1]);
      const refused = refusal(sockets[1]);
      const others = collect(sockets[3], 'unauthorized');
      expect(await cluster.a.run({ kind: 'revokeSubject', subject: 'user-1' })).toBe(0);
      expect((await refused).error.data.code).toBe('token_revoked');
      expect(others).toEqual([]);
    } finally {
      await cluster.close();
    }
  });

  /**
   * In dynamic mode each node subscribes asynchronously, on its subscriber connection, in order:
   * once a room joined afterwards has its channel on both nodes, every identity-room subscription
   * before it has been processed by Redis. In static mode no room subscribes anything.
   */
  async function subscriptionsSettled(
    started: Record<NodeName, { server: Server }>,
    sockets: Socket[],
    configuration: Configuration,
    channelPrefix: string,
  ): Promise<void> {
    if (configuration.subscriptionMode === 'static') return;
    started.A.server.in(sockets[0].id ?? '').socketsJoin(BARRIER_ROOM);
    started.B.server.in(sockets[1].id ?? '').socketsJoin(BARRIER_ROOM);
    const barrier = `${channelPrefix}#/#${BARRIER_ROOM}#`;
    await waitUntil(async () => {
      const [, subscribers] = await admin.sendCommand<Array<string | number>>(['PUBSUB', 'SHARDNUMSUB', barrier]);
      return Number(subscribers) === 2;
    }, 'both nodes to subscribe the barrier room');
    // The barrier itself is not an identity room: leave it out of the count.
    started.A.server.in(sockets[0].id ?? '').socketsLeave(BARRIER_ROOM);
    started.B.server.in(sockets[1].id ?? '').socketsLeave(BARRIER_ROOM);
    await waitUntil(async () => {
      const [, subscribers] = await admin.sendCommand<Array<string | number>>(['PUBSUB', 'SHARDNUMSUB', barrier]);
      return Number(subscribers) === 0;
    }, 'both nodes to unsubscribe the barrier room');
  }
});
