/**
 * Connection-state recovery of a socket whose token expired under `expiredTokenAction:
 * 'reject-events'` (one node, in-memory adapter). It had no access while expired, so a recovery
 * with a valid token of its subject gives it back its rooms (as room operations left them) but
 * none of the packets it missed; a recovery with its expired token is refused.
 */
import type { GatewayMetadata } from '@nestjs/websockets';
import type { Server } from 'socket.io';
import type { Socket } from 'socket.io-client';
import { authenticateSocket, JwtSocketModule } from '../lib';
import { guardedGateway } from './fixtures/core/gateways';
import { collect, dropTransport, expiryOf, reconnect, waitUntilPast } from './fixtures/lifecycle/clients';
import { startApp, type TestApp } from './support/app';
import { connectClient, connected, emitWithAck, nextEvent, roundTrip } from './support/client';
import { SECRET, signToken } from './support/tokens';

const Gateway = guardedGateway({ connectionStateRecovery: { maxDisconnectionDuration: 60_000 } } as GatewayMetadata);

const refusedWith = (code: string) => ({
  message: expect.any(String),
  data: { type: 'UnauthorizedError', code, message: expect.any(String) },
});

describe("connection-state recovery of a socket whose token expired ('reject-events')", () => {
  let server: TestApp;

  beforeEach(async () => {
    server = await startApp({
      jwtModule: JwtSocketModule.forRoot({ secret: SECRET, expiredTokenAction: 'reject-events' }),
      gateways: [Gateway],
    });
  });
  afterEach(() => server.close());

  const io = (): Server => server.app.get(Gateway).server as Server;

  /** Alice connected with `token` and in `rooms`; her `welcome` gave her an offset, which a recovery presents. */
  async function aliceIn(rooms: string[], token: string): Promise<Socket> {
    const alice = connectClient(server.url, { auth: { token } });
    const welcome = nextEvent(alice, 'welcome');
    await connected(alice);
    await welcome;
    for (const room of rooms) expect(await emitWithAck(alice, 'room', room)).toBe('joined');
    return alice;
  }

  /**
   * Alice, in `rooms`, with a token that expires in 1 to 2 s: returned once it has expired (the guard
   * refuses her events), with the `news` she receives from then on.
   */
  async function expiredIn(rooms: string[]): Promise<{ alice: Socket; token: string; news: string[] }> {
    const token = signToken({ sub: 'alice' }, { expiresIn: 2 });
    const alice = await aliceIn(rooms, token);
    const news = collect<string>(alice, 'news');
    await waitUntilPast(expiryOf(token));
    expect(await emitWithAck(alice, 'ping')).toEqual({ status: 'error', ...refusedWith('token_expired') });
    return { alice, token, news };
  }

  /** Broadcasts she has no access to: to everyone and to `room`. */
  function broadcastToAllAnd(room: string, text: string): void {
    io().emit('news', `${text}, to everyone`);
    io().to(room).emit('news', `${text}, to ${room}`);
  }

  /** Drops her transport and waits until the server has seen her go (and kept her session). */
  async function drop(alice: Socket): Promise<void> {
    const serverSocket = io().sockets.sockets.get(alice.id ?? '');
    const goneOnServer = new Promise((resolve) => serverSocket?.once('disconnect', resolve));
    await dropTransport(alice);
    expect(await goneOnServer).toBe('transport close');
  }

  /** Expired, she misses broadcasts while connected and while away, then comes back with `token`. */
  async function missesAndRecoversWith(alice: Socket, room: string, token: string) {
    broadcastToAllAnd(room, 'while expired');
    await drop(alice);
    broadcastToAllAnd(room, 'while away');
    alice.auth = { token };
    return reconnect(alice);
  }

  it('recovers with a valid token: back in her room, and none of the packets she missed', async () => {
    const { alice, news } = await expiredIn(['team']);

    const { recovered } = await missesAndRecoversWith(alice, 'team', signToken({ sub: 'alice' }));
    expect(recovered).toBe(true);
    expect(await emitWithAck(alice, 'ping')).toBe('pong');
    expect(news).toEqual([]);

    io().to('team').emit('news', 'back in the team');
    await roundTrip(alice);
    expect(news).toEqual(['back in the team']);
  });

  it('recovers into the rooms as room operations left them while she was expired', async () => {
    const { alice, news } = await expiredIn(['team']);
    // Both select her by the room she is out of (hidden) but was to come back to.
    io().in('team').socketsJoin('lobby');
    io().in('team').socketsLeave('team');

    const { recovered } = await missesAndRecoversWith(alice, 'team', signToken({ sub: 'alice' }));
    expect(recovered).toBe(true);
    expect(await emitWithAck(alice, 'ping')).toBe('pong');

    io().to('team').emit('news', 'to the team');
    io().to('lobby').emit('news', 'to the lobby');
    await roundTrip(alice);
    expect(news).toEqual(['to the lobby']);
  });

  it('refuses a recovery with her expired token: token_expired, and no missed packet', async () => {
    const { alice, token, news } = await expiredIn(['team']);

    const { recovered, refusal } = await missesAndRecoversWith(alice, 'team', token);
    expect(recovered).toBe(true);
    const { error, order } = await refusal;
    expect(error).toEqual(refusedWith('token_expired'));
    expect(order).toEqual(['unauthorized', 'disconnect']);
    expect(news).toEqual([]);
  });

  it('while expired, reaches her the same as without recovery: what is addressed to her alone, never a broadcast', async () => {
    const { alice, news } = await expiredIn(['team']);
    const exception = nextEvent(alice, 'exception');
    alice.emit('ping');
    expect(await exception).toEqual({ status: 'error', ...refusedWith('token_expired') });

    const serverSocket = io().sockets.sockets.get(alice.id ?? '');
    serverSocket?.emit('news', 'to her socket');
    io()
      .to(serverSocket?.id ?? '')
      .emit('news', 'to her id');
    broadcastToAllAnd('team', 'a broadcast');
    await roundTrip(alice);
    expect(news).toEqual(['to her socket', 'to her id']);

    // A refused refresh answers the ack and, as without recovery, sends `unauthorized`.
    const unauthorized = nextEvent(alice, 'unauthorized');
    await expect(authenticateSocket(alice, signToken({ sub: 'alice' }, { expiresIn: -10 }))).rejects.toMatchObject({
      data: { code: 'token_expired' },
    });
    expect(await unauthorized).toEqual(refusedWith('token_expired'));
  });

  describe('a client that presents an offset from before its expiry (any client can: `auth.offset`)', () => {
    /** The offset her client holds: the last packet she received, here `welcome`, before she expired. */
    const offsetOf = (alice: Socket): string | undefined => (alice as unknown as { _lastOffset?: string })._lastOffset;

    it('after an in-band refresh, a recovery replays nothing that was sent while she was expired', async () => {
      const { alice, news } = await expiredIn(['team']);
      const offsetBeforeExpiry = offsetOf(alice);
      expect(offsetBeforeExpiry).toEqual(expect.any(String));
      broadcastToAllAnd('team', 'while expired');
      await authenticateSocket(alice, signToken({ sub: 'alice' }));

      await drop(alice);
      alice.auth = { token: signToken({ sub: 'alice' }), offset: offsetBeforeExpiry };
      const { recovered } = await reconnect(alice);
      expect(recovered).toBe(true);
      expect(await emitWithAck(alice, 'ping')).toBe('pong');
      expect(news).toEqual([]);
    });

    it('after a first recovery, the next one replays nothing that was sent while she was expired', async () => {
      const { alice, news } = await expiredIn(['team']);
      const offsetBeforeExpiry = offsetOf(alice);
      expect((await missesAndRecoversWith(alice, 'team', signToken({ sub: 'alice' }))).recovered).toBe(true);
      expect(await emitWithAck(alice, 'ping')).toBe('pong');

      await drop(alice);
      alice.auth = { token: signToken({ sub: 'alice' }), offset: offsetBeforeExpiry };
      const { recovered } = await reconnect(alice);
      expect(recovered).toBe(true);
      io().to('team').emit('news', 'back in the team');
      await roundTrip(alice);
      expect(news).toEqual(['back in the team']);
    });
  });

  it('a session stored before she expired is gone once restored: a later reconnection starts afresh', async () => {
    const token = signToken({ sub: 'alice' }, { expiresIn: 3 });
    const alice = await aliceIn(['team'], token);
    // An early drop stores a session; the recovery hands it back.
    await drop(alice);
    expect((await reconnect(alice)).recovered).toBe(true);
    const news = collect<string>(alice, 'news');

    await waitUntilPast(expiryOf(token));
    expect(await emitWithAck(alice, 'ping')).toEqual({ status: 'error', ...refusedWith('token_expired') });
    broadcastToAllAnd('team', 'while expired');
    // A disconnect socket.io stores no session for: nothing is left to recover.
    alice.disconnect();
    alice.auth = { token: signToken({ sub: 'alice' }) };
    const { recovered } = await reconnect(alice);
    expect(recovered).toBe(false);
    await roundTrip(alice);
    expect(news).toEqual([]);
  });

  it('a token that expired while she was away: a recovery with a new token replays nothing', async () => {
    const token = signToken({ sub: 'alice' }, { expiresIn: 2 });
    const alice = await aliceIn(['team'], token);
    const news = collect<string>(alice, 'news');
    await drop(alice);
    await waitUntilPast(expiryOf(token));
    broadcastToAllAnd('team', 'after her token expired');

    alice.auth = { token: signToken({ sub: 'alice' }) };
    const { recovered } = await reconnect(alice);
    expect(recovered).toBe(true);
    io().to('team').emit('news', 'back in the team');
    await roundTrip(alice);
    expect(news).toEqual(['back in the team']);
  });
});
