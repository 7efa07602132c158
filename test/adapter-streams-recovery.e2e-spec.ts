/**
 * Issue #11: connection-state recovery ACROSS nodes on @socket.io/redis-streams-adapter, which
 * keeps recovery sessions in Redis. A client that drops from node A and recovers on node B is
 * re-verified by B: refused when its token has expired, is revoked, or names another subject, and
 * the packets it missed are not handed over unless the check passes.
 */
import { createClient } from 'redis';
import type { Server } from 'socket.io';
import type { Socket } from 'socket.io-client';
import { connectOn, type MatrixCluster, type NodeName, type StartedNode } from './fixtures/adapters/matrix';
import { startStreamsPair, uniqueStreamsOptions } from './fixtures/adapters/streams';
import { collect, dropTransport, expiryOf, waitUntilPast } from './fixtures/lifecycle/clients';
import { waitUntil } from './fixtures/adapters/matrix';
import { connectClient, nextEvent, refusal } from './support/client';
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

  beforeEach(async () => {
    const options = uniqueStreamsOptions();
    sessionKeyPrefix = options.sessionKeyPrefix;
    cluster = await startStreamsPair(true, redis.url, options);
  });
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
  function recoverOnB(from: Socket, token: string): Promise<Outcome> {
    const { _pid, _lastOffset } = from as unknown as RecoverableClientState;
    const socket = connectClient(cluster.b.url, { autoConnect: false, auth: { token } });
    Object.assign(socket, { _pid, _lastOffset });
    const news = collect(socket, 'news');
    return new Promise((resolve) => {
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
  }

  const refusedAfterRecovery = (code: string) => ({
    verdict: 'refused',
    recovered: true,
    code,
    order: ['unauthorized', 'disconnect'],
    news: [],
  });

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
