/**
 * Issue #11: connection-state recovery ACROSS nodes on @socket.io/redis-streams-adapter, which
 * keeps recovery sessions in Redis. A client that drops from node A and recovers on node B is
 * re-verified by B: refused when its token has expired, is revoked, or names another subject, and
 * the packets it missed are not handed over unless the check passes. One whose token expired while
 * connected (`expiredTokenAction: 'reject-events'`) recovers on B with a valid token into its rooms,
 * without the packets it had no access to.
 */
import { createClient } from 'redis';
import type { Server } from 'socket.io';
import type { Socket } from 'socket.io-client';
import {
  connectOn,
  fetchedBy,
  type MatrixCluster,
  type MatrixJwtOptions,
  type NodeName,
  type StartedNode,
} from './fixtures/adapters/matrix';
import { startStreamsPair, uniqueStreamsOptions } from './fixtures/adapters/streams';
import { collect, dropTransport, expiryOf, waitUntilPast } from './fixtures/lifecycle/clients';
import { waitUntil } from './fixtures/adapters/matrix';
import { connectClient, emitWithAck, nextEvent, refusal, roundTrip } from './support/client';
import { startRedis, type TestRedis } from './support/redis';
import { signToken } from './support/tokens';

/** socket.io-client keeps the session id and offset it presents on reconnection in these fields. */
interface RecoverableClientState {
  _pid?: string;
  _lastOffset?: string;
}

/** How a recovery on node B ended, as the client saw it, and the `news` it received meanwhile. */
type Outcome =
  | { verdict: 'welcomed'; recovered: boolean; news: unknown[] }
  | { verdict: 'refused'; recovered: boolean; code?: string; order: string[]; news: unknown[] };

const MISSED = "to alice's subject room while she was away";

const tokenExpired = {
  message: expect.any(String),
  data: { type: 'UnauthorizedError', code: 'token_expired', message: expect.any(String) },
};

describe('@socket.io/redis-streams-adapter: dropped on node A, recovered on node B', () => {
  let redis: TestRedis;
  let admin: ReturnType<typeof createClient>;
  let cluster: MatrixCluster & { started: Record<NodeName, StartedNode> };
  let sessionKeyPrefix: string;

  beforeAll(async () => {
    redis = await startRedis();
    admin = createClient({ url: redis.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.close();
    await redis.stop();
  });

  async function startCluster(jwt?: MatrixJwtOptions): Promise<void> {
    const options = uniqueStreamsOptions();
    sessionKeyPrefix = options.sessionKeyPrefix;
    cluster = await startStreamsPair(true, redis.url, options, jwt);
  }
  afterEach(() => cluster.close());

  /** Drops the client's transport and waits until node A has seen it go and kept its session in Redis. */
  async function dropFromA(alice: Socket): Promise<void> {
    const io: Server = cluster.started.A.server;
    const serverSocket = io.sockets.sockets.get(alice.id ?? '');
    const goneOnServer = new Promise((resolve) => serverSocket?.once('disconnect', resolve));
    await dropTransport(alice);
    await goneOnServer;
    const { _pid } = alice as unknown as RecoverableClientState;
    await waitUntil(async () => (await admin.exists(sessionKeyPrefix + _pid)) === 1, 'the session in Redis');
  }

  /**
   * Alice (token `token`) connects to node A, her phone (a long-lived token) to node B. She drops;
   * node A sends news to her subject room, which her phone receiving proves is in the stream.
   */
  async function aliceAwayFromA(token: string): Promise<Socket> {
    const alice = await connectOn(cluster.a, token);
    const phone = await connectOn(cluster.b, signToken({ sub: 'alice' }, { jwtid: 'phone' }));
    await dropFromA(alice);
    const streamed = nextEvent(phone, 'news');
    await cluster.a.run({ kind: 'toSubjectRoom', subject: 'alice', event: 'news', payload: MISSED });
    expect(await streamed).toBe(MISSED);
    return alice;
  }

  /** A client of node B presenting `from`'s session id and offset (as its reconnection would) with `token`. */
  async function recoverOnB(from: Socket, token: string): Promise<Outcome> {
    return (await claimSessionOnB(from, token)).outcome;
  }

  /** The same, with the client of node B, for what it hears next. */
  async function claimSessionOnB(from: Socket, token: string): Promise<{ socket: Socket; outcome: Outcome }> {
    const { _pid, _lastOffset } = from as unknown as RecoverableClientState;
    const socket = connectClient(cluster.b.url, { autoConnect: false, auth: { token } });
    Object.assign(socket, { _pid, _lastOffset });
    const news = collect(socket, 'news');
    const outcome = await new Promise<Outcome>((resolve) => {
      socket.once('connect_error', () => resolve({ verdict: 'refused', recovered: false, order: [], news }));
      // Registered at `connect`: `unauthorized` and the disconnect may arrive in the same batch.
      socket.once('connect', () => {
        const recovered = socket.recovered;
        const welcomed = nextEvent(socket, 'welcome').then(() => ({ verdict: 'welcomed' as const, recovered, news }));
        const refused = refusal(socket).then(({ error, order }) => ({
          verdict: 'refused' as const,
          recovered,
          code: error?.data.code,
          order,
          news,
        }));
        void Promise.race([welcomed.catch(() => refused), refused]).then(resolve);
      });
      socket.connect();
    });
    return { socket, outcome };
  }

  const refusedAfterRecovery = (code: string) => ({
    verdict: 'refused',
    recovered: true,
    code,
    order: ['unauthorized', 'disconnect'],
    news: [],
  });

  describe("expiredTokenAction: 'disconnect' (the default)", () => {
    beforeEach(() => startCluster());

    it('recovers with her own token: the session and the packets she missed, from the stream', async () => {
      const token = signToken({ sub: 'alice' }, { jwtid: 'alice-1' });
      const alice = await aliceAwayFromA(token);

      expect(await recoverOnB(alice, token)).toEqual({ verdict: 'welcomed', recovered: true, news: [MISSED] });
    });

    it('refuses a token that expired while she was away: token_expired, no missed packet', async () => {
      const token = signToken({ sub: 'alice' }, { jwtid: 'alice-1', expiresIn: 2 });
      const alice = await aliceAwayFromA(token);
      await waitUntilPast(expiryOf(token));

      expect(await recoverOnB(alice, token)).toEqual(refusedAfterRecovery('token_expired'));
    });

    it("refuses a token node B's RevocationCheck denies: token_revoked, no missed packet", async () => {
      const token = signToken({ sub: 'alice' }, { jwtid: 'alice-1' });
      const alice = await aliceAwayFromA(token);
      await cluster.b.run({ kind: 'denyTokenId', tokenId: 'alice-1' });

      expect(await recoverOnB(alice, token)).toEqual(refusedAfterRecovery('token_revoked'));
    });

    it("refuses her session claimed with another subject's token: subject_mismatch, no missed packet", async () => {
      const alice = await aliceAwayFromA(signToken({ sub: 'alice' }, { jwtid: 'alice-1' }));

      expect(await recoverOnB(alice, signToken({ sub: 'bob' }, { jwtid: 'bob-1' }))).toEqual(
        refusedAfterRecovery('subject_mismatch'),
      );
    });
  });

  describe("expiredTokenAction: 'reject-events'", () => {
    beforeEach(() => startCluster({ expiredTokenAction: 'reject-events' }));

    it('recovers on node B with a valid token after expiring on node A: back in her room, no missed packet', async () => {
      // Bob, on node B in the same room, hears what alice would: the broadcasts are in the stream.
      const bob = await connectOn(cluster.b, signToken({ sub: 'bob' }));
      expect(await emitWithAck(bob, 'join', 'team')).toBe('joined');
      const expiring = signToken({ sub: 'alice' }, { jwtid: 'alice-1', expiresIn: 2 });
      const alice = await connectOn(cluster.a, expiring);
      expect(await emitWithAck(alice, 'join', 'team')).toBe('joined');
      await fetchedBy(cluster.a, bob);
      const bobNews = collect(bob, 'news');

      await waitUntilPast(expiryOf(expiring));
      expect(await emitWithAck(alice, 'join', 'elsewhere')).toEqual({ status: 'error', ...tokenExpired });
      await cluster.a.run({ kind: 'emitToAll', event: 'news', payload: 'while expired, to everyone' });
      await cluster.a.run({ kind: 'toRoom', room: 'team', event: 'news', payload: 'while expired, to the team' });
      await waitUntil(() => bobNews.length === 2, 'bob to hear the broadcasts while alice is expired');
      await dropFromA(alice);
      await cluster.a.run({ kind: 'emitToAll', event: 'news', payload: 'while away, to everyone' });
      await cluster.a.run({ kind: 'toRoom', room: 'team', event: 'news', payload: 'while away, to the team' });
      await waitUntil(() => bobNews.length === 4, 'bob to hear the broadcasts while alice is away');

      const { socket, outcome } = await claimSessionOnB(alice, signToken({ sub: 'alice' }, { jwtid: 'alice-2' }));
      expect(outcome).toEqual({ verdict: 'welcomed', recovered: true, news: [] });

      await cluster.a.run({ kind: 'toRoom', room: 'team', event: 'news', payload: 'back in the team' });
      await waitUntil(() => bobNews.includes('back in the team'), 'bob to hear the team');
      await roundTrip(socket);
      expect(outcome.news).toEqual(['back in the team']);
    });
  });
});
