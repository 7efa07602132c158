/**
 * Issue #11, section 1: the library composed the README way with every socket.io adapter users
 * run, two real nodes each (in-process Nest apps over a real redis-server, or the two worker
 * processes of a real Node `cluster`). Each adapter runs the same cases, with and without
 * connection-state recovery: revocation by subject and by token id on every node, subject-room
 * broadcasts across nodes, no raw token in `fetchSockets()`, every refusal code delivered
 * before the disconnect, and (`expiredTokenAction: 'reject-events'`) room operations of one node
 * reaching a socket of the other whose token expired, while broadcasts do not.
 */
import type { Socket } from 'socket.io-client';
import { authenticateSocket, SUBJECT_ROOM_PREFIX } from '../lib';
import { nodeClusterCase } from './fixtures/adapters/cluster';
import {
  connectOn,
  fetchedBy,
  waitUntil,
  type AdapterCase,
  type MatrixCluster,
  type MatrixJwtOptions,
} from './fixtures/adapters/matrix';
import { classicRedisCase, shardedRedisCase } from './fixtures/adapters/redis';
import { streamsCase } from './fixtures/adapters/streams';
import { collect, expiryOf, waitUntilPast } from './fixtures/lifecycle/clients';
import { connectClient, connectOutcome, emitWithAck, nextEvent, refusal, roundTrip } from './support/client';
import { startRedis, type TestRedis } from './support/redis';
import { signToken } from './support/tokens';

const ADAPTERS: AdapterCase[] = [classicRedisCase, shardedRedisCase, streamsCase, nodeClusterCase];
const RECOVERY_MODES = [
  { recovery: false, label: 'without connectionStateRecovery' },
  { recovery: true, label: 'with connectionStateRecovery' },
];

/** The cases above expect the default expiry (a disconnect): this one gets a cluster of its own. */
const REJECT_EVENTS: MatrixJwtOptions = { expiredTokenAction: 'reject-events' };

/** The payload of a refusal with `code`. */
const refusedWith = (code: string) => ({
  message: expect.any(String),
  data: { type: 'UnauthorizedError', code, message: expect.any(String) },
});

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.stop());

describe.each(ADAPTERS)('$label', (adapter) => {
  describe.each(RECOVERY_MODES)('$label', ({ recovery }) => {
    let cluster: MatrixCluster;

    beforeAll(async () => {
      cluster = await adapter.start({ recovery, redisUrl: redis.url });
    });
    afterAll(() => cluster.close());

    /** A token of `sub` (and `jti`, if given) from the test's secret. */
    const tokenOf = (sub: string, jwtid?: string) => signToken({ sub }, jwtid ? { jwtid } : {});

    /** Waits until `from` lists `socket` (held by the other node) in its fetchSockets(): the nodes hear each other. */
    async function heardBy(from: MatrixCluster['a'], socket: Socket): Promise<void> {
      await fetchedBy(from, socket);
    }

    it('runs both nodes on the adapter under test', async () => {
      expect(await cluster.a.run({ kind: 'adapterName' })).toBe(adapter.adapterName);
      expect(await cluster.b.run({ kind: 'adapterName' })).toBe(adapter.adapterName);
    });

    it("revokeSubject on node A disconnects the subject's sockets on both nodes with token_revoked, and no one else", async () => {
      const aliceOnA = await connectOn(cluster.a, tokenOf('alice'));
      const aliceOnB = await connectOn(cluster.b, tokenOf('alice'));
      const bobOnB = await connectOn(cluster.b, tokenOf('bob'));
      await heardBy(cluster.a, aliceOnB);
      const refusals = [refusal(aliceOnA), refusal(aliceOnB)];
      const bobRefused = collect(bobOnB, 'unauthorized');

      // The count is node A's own; node B acts on the message when it arrives.
      expect(await cluster.a.run({ kind: 'revokeSubject', subject: 'alice' })).toBe(1);

      for (const { error, order } of await Promise.all(refusals)) {
        expect(error).toEqual(refusedWith('token_revoked'));
        expect(order).toEqual(['unauthorized', 'disconnect']);
      }
      expect(await emitWithAck(bobOnB, 'ping')).toBe('pong');
      expect(bobRefused).toEqual([]);
    });

    it('revokeTokenId on node B disconnects that token on node A, not another token of the same subject', async () => {
      const leaked = await connectOn(cluster.a, tokenOf('carol', 'leaked'));
      const other = await connectOn(cluster.a, tokenOf('carol', 'kept'));
      await heardBy(cluster.b, leaked);
      const refused = refusal(leaked);
      const otherRefused = collect(other, 'unauthorized');

      expect(await cluster.b.run({ kind: 'revokeTokenId', tokenId: 'leaked' })).toBe(0);

      const { error, order } = await refused;
      expect(error).toEqual(refusedWith('token_revoked'));
      expect(order).toEqual(['unauthorized', 'disconnect']);
      expect(await emitWithAck(other, 'ping')).toBe('pong');
      expect(otherRefused).toEqual([]);
    });

    it("a broadcast to the subject room from node A reaches the subject's sockets on both nodes, and no one else", async () => {
      const daveOnA = await connectOn(cluster.a, tokenOf('dave'));
      const daveOnB = await connectOn(cluster.b, tokenOf('dave'));
      const erinOnB = await connectOn(cluster.b, tokenOf('erin'));
      await heardBy(cluster.a, daveOnB);
      const erinNews = collect(erinOnB, 'news');
      const toDave = [nextEvent(daveOnA, 'news'), nextEvent(daveOnB, 'news')];

      await cluster.a.run({ kind: 'toSubjectRoom', subject: 'dave', event: 'news', payload: 'for dave' });
      expect(await Promise.all(toDave)).toEqual(['for dave', 'for dave']);

      // Then one to erin's room: once it has reached her, the one for dave would have too.
      const toErin = nextEvent(erinOnB, 'news');
      await cluster.a.run({ kind: 'toSubjectRoom', subject: 'erin', event: 'news', payload: 'for erin' });
      expect(await toErin).toBe('for erin');
      expect(erinNews).toEqual(['for erin']);
    });

    it("fetchSockets() on node A shows node B's socket with its claims and without the raw token", async () => {
      const token = tokenOf('frank', 'frank-1');
      const frankOnB = await connectOn(cluster.b, token, {
        auth: { token, device: 'laptop' },
        extraHeaders: { authorization: `Bearer ${token}` },
      });

      const remote = await fetchedBy(cluster.a, frankOnB);
      expect(remote.data).toEqual({ decoded_token: expect.objectContaining({ sub: 'frank', jti: 'frank-1' }) });
      expect(remote.handshake.auth).toEqual({ device: 'laptop' });
      expect(remote.handshake.headers.authorization).toBeUndefined();
      expect(JSON.stringify(remote)).not.toContain(token.split('.')[2]);
    });

    it('token_expired reaches a socket whose token expires, before the disconnect', async () => {
      const shortLived = await connectOn(cluster.b, signToken({ sub: 'grace' }, { expiresIn: 1 }));
      const { error, order } = await refusal(shortLived);
      expect(error).toEqual(refusedWith('token_expired'));
      expect(order).toEqual(['unauthorized', 'disconnect']);
    });

    it.each([
      ['invalid_token', () => signToken({ sub: 'mallory' }, {}, 'another-secret-that-is-long-enough-for-hs256')],
      ['token_expired', () => signToken({ sub: 'mallory' }, { expiresIn: -60 })],
      ['credentials_required', () => ''],
    ])('a refused connect gets connect_error %s', async (code, token) => {
      const socket = connectClient(cluster.a.url, { auth: { token: token() } });
      expect(await connectOutcome(socket)).toEqual(refusedWith(code));
    });

    describe("expiredTokenAction: 'reject-events'", () => {
      let expiring: MatrixCluster;

      beforeAll(async () => {
        expiring = await adapter.start({ recovery, redisUrl: redis.url, jwt: REJECT_EVENTS });
      });
      afterAll(() => expiring.close());

      /** A socket of `sub` on node A whose token expires in 1 to 2 s (`exp` is in whole seconds). */
      async function expiringOnA(sub: string): Promise<{ socket: Socket; expiresAt: number }> {
        const token = signToken({ sub }, { expiresIn: 2 });
        return { socket: await connectOn(expiring.a, token), expiresAt: expiryOf(token) };
      }

      it('room operations from node B reach a socket of node A whose token expired; no broadcast does', async () => {
        const { a, b } = expiring;
        // Wendy keeps a valid token in the room: what reaches her on node A would reach alice too.
        const wendy = await connectOn(a, tokenOf('wendy'));
        await heardBy(b, wendy);
        const alice = await expiringOnA('alice');
        const bob = await expiringOnA('bob');
        for (const socket of [wendy, alice.socket]) expect(await emitWithAck(socket, 'join', 'team')).toBe('joined');
        const [wendyNews, aliceNews, bobNews] = [wendy, alice.socket, bob.socket].map((each) => collect(each, 'news'));

        await waitUntilPast(Math.max(alice.expiresAt, bob.expiresAt));
        // The guard refuses their events: node A has applied both expiries.
        for (const { socket } of [alice, bob]) {
          expect(await emitWithAck(socket, 'join', 'elsewhere')).toEqual({
            status: 'error',
            ...refusedWith('token_expired'),
          });
        }

        // Listed by the room she is out of (hidden) but will be back in.
        expect(await b.run({ kind: 'fetchRoom', room: 'team' })).toEqual([alice.socket.id, wendy.id].sort());

        // Broadcasts from node B: wendy hears them, the expired sockets do not.
        await b.run({ kind: 'emitToAll', event: 'news', payload: 'to everyone' });
        await b.run({ kind: 'toRoom', room: 'team', event: 'news', payload: 'to the team' });
        await waitUntil(() => wendyNews.length === 2, 'wendy to hear both broadcasts');
        await Promise.all([roundTrip(alice.socket), roundTrip(bob.socket)]);
        expect(aliceNews).toEqual([]);
        expect(bobNews).toEqual([]);

        // Bob is disconnected by his subject room; alice, expired as well but another subject, stays.
        const bobGone = nextEvent<string>(bob.socket, 'disconnect');
        await b.run({ kind: 'disconnectSockets', room: SUBJECT_ROOM_PREFIX + 'bob' });
        expect(await bobGone).toBe('io server disconnect');
        expect(alice.socket.connected).toBe(true);

        // Alice leaves the team while expired; once node A has applied it, her refresh does not bring her back.
        await b.run({ kind: 'socketsLeave', selected: SUBJECT_ROOM_PREFIX + 'alice', room: 'team' });
        await waitUntil(
          async () => !(await b.run<string[]>({ kind: 'fetchRoom', room: 'team' })).includes(alice.socket.id ?? ''),
          'node A to apply the leave',
        );
        await authenticateSocket(alice.socket, tokenOf('alice'));

        await b.run({ kind: 'toRoom', room: 'team', event: 'news', payload: 'after the leave' });
        await waitUntil(() => wendyNews.includes('after the leave'), 'wendy to hear the team after the leave');
        // Visible again: her subject room reaches her.
        const back = nextEvent(alice.socket, 'news');
        await b.run({ kind: 'toSubjectRoom', subject: 'alice', event: 'news', payload: 'welcome back' });
        expect(await back).toBe('welcome back');
        await roundTrip(alice.socket);
        expect(aliceNews).toEqual(['welcome back']);
      });
    });
  });
});
