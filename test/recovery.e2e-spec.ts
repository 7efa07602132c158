import type { GatewayMetadata } from '@nestjs/websockets';
import type { Server } from 'socket.io';
import type { Socket } from 'socket.io-client';
import { JwtSocketModule, JwtSocketRevoker, RevocationCheck } from '../lib';
import { guardedGateway } from './fixtures/core/gateways';
import {
  collect,
  dropTransport,
  expiryOf,
  nextReconnection,
  reconnect,
  recoverableClient,
  waitUntilPast,
} from './fixtures/lifecycle/clients';
import { LifecycleDenylist } from './fixtures/lifecycle/denylist';
import { startApp, type TestApp } from './support/app';
import { connectClient, connected, emitWithAck, nextEvent, refusal, roundTrip } from './support/client';
import { SECRET, signToken } from './support/tokens';

const refusedWith = (code: string) => ({
  message: expect.any(String),
  data: { type: 'UnauthorizedError', code, message: expect.any(String) },
});

/** socket.io restores socket.data and rooms and, by default, skips the middleware (skipMiddlewares). */
const Gateway = guardedGateway({ connectionStateRecovery: { maxDisconnectionDuration: 60_000 } } as GatewayMetadata);

describe('connection-state recovery', () => {
  let server: TestApp;
  let denylist: LifecycleDenylist;

  beforeEach(async () => {
    server = await startApp({
      jwtModule: JwtSocketModule.forRoot({ secret: SECRET, revocationCheck: LifecycleDenylist }),
      gateways: [Gateway],
    });
    denylist = server.app.get(RevocationCheck) as LifecycleDenylist;
  });
  afterEach(() => server.close());

  /** A connected client that has received `welcome`, so it holds a session id and an offset to recover. */
  async function recoverableSocket(client: Socket): Promise<Socket> {
    const welcome = nextEvent(client, 'welcome');
    await connected(client);
    await welcome;
    return client;
  }

  function withToken(token: string): Socket {
    return connectClient(server.url, { auth: { token } });
  }

  /** Drops the client's transport and waits until the server has seen it go (and kept its session). */
  async function dropAndWaitForServer(socket: Socket): Promise<void> {
    const serverSocket = (server.app.get(Gateway).server as Server).sockets.sockets.get(socket.id ?? '');
    const goneOnServer = new Promise((resolve) => serverSocket?.once('disconnect', resolve));
    await dropTransport(socket);
    expect(await goneOnServer).toBe('transport close');
  }

  async function sendToRoom(room: string, text: string, sender?: Socket): Promise<void> {
    const from = sender ?? (await connected(withToken(signToken({ sub: 'bob' }))));
    expect(await emitWithAck(from, 'toRoom', { room, text })).toBe('sent');
  }

  it('brings a socket with a valid token back (auto-reconnection) with its claims and rooms, re-checked', async () => {
    const socket = await recoverableSocket(
      recoverableClient(server.url, {
        auth: { token: signToken({ sub: 'alice', role: 'reader' }, { jwtid: 'kept' }) },
      }),
    );
    expect(await emitWithAck(socket, 'room', 'lobby')).toBe('joined');
    const news = collect<string>(socket, 'news');

    const back = nextReconnection(socket);
    await dropTransport(socket);
    expect((await back).recovered).toBe(true);
    const me = await emitWithAck<{ sub: string; claims: { role: string } }>(socket, 'whoami');
    expect(me).toMatchObject({ sub: 'alice', claims: { role: 'reader' } });
    expect(denylist.consulted).toEqual(['kept', 'kept']);

    await sendToRoom('lobby', 'hello lobby');
    await roundTrip(socket);
    expect(news).toEqual(['hello lobby']);
  });

  it('refuses a recovered socket whose token was revoked while it was away', async () => {
    const socket = await recoverableSocket(withToken(signToken({ sub: 'alice' }, { jwtid: 'stolen' })));
    await dropAndWaitForServer(socket);
    denylist.revokedTokenIds.add('stolen');

    const { recovered, refusal: refused } = await reconnect(socket);
    expect(recovered).toBe(true);
    const { error, order } = await refused;
    expect(error).toEqual(refusedWith('token_revoked'));
    expect(order).toEqual(['unauthorized', 'disconnect']);
    await expectServerStillServing();
  });

  it('fails closed for a recovered socket when the RevocationCheck throws', async () => {
    const socket = await recoverableSocket(withToken(signToken({ sub: 'alice' }, { jwtid: 'unknown-status' })));
    await dropAndWaitForServer(socket);
    denylist.unreachable = true;

    const { recovered, refusal: refused } = await reconnect(socket);
    expect(recovered).toBe(true);
    expect((await refused).error).toEqual(refusedWith('token_revoked'));
  });

  it('refuses a recovered socket whose token expired while it was away', async () => {
    const token = signToken({ sub: 'alice' }, { expiresIn: 2 });
    const socket = await recoverableSocket(withToken(token));
    await dropAndWaitForServer(socket);
    await waitUntilPast(expiryOf(token));

    const { recovered, refusal: refused } = await reconnect(socket);
    expect(recovered).toBe(true);
    expect((await refused).error).toEqual(refusedWith('token_expired'));
    await expectServerStillServing();
  });

  it('does not hand a refused recovered socket the packets it missed while away', async () => {
    const socket = await recoverableSocket(withToken(signToken({ sub: 'alice' }, { jwtid: 'stolen' })));
    expect(await emitWithAck(socket, 'room', 'lobby')).toBe('joined');
    const news = collect<string>(socket, 'news');
    await dropAndWaitForServer(socket);
    await sendToRoom('lobby', 'sent while alice was away');
    denylist.revokedTokenIds.add('stolen');

    const { recovered, refusal: refused } = await reconnect(socket);
    expect(recovered).toBe(true);
    await refused;
    expect(news).toEqual([]);
  });

  it('still hands a valid recovered socket the packets it missed while away', async () => {
    const socket = await recoverableSocket(withToken(signToken({ sub: 'alice' })));
    expect(await emitWithAck(socket, 'room', 'lobby')).toBe('joined');
    const news = collect<string>(socket, 'news');
    await dropAndWaitForServer(socket);
    await sendToRoom('lobby', 'sent while alice was away');

    expect((await reconnect(socket)).recovered).toBe(true);
    await roundTrip(socket);
    expect(news).toEqual(['sent while alice was away']);
  });

  it('keeps a recovered socket out of broadcasts while its re-check is pending', async () => {
    const socket = await recoverableSocket(withToken(signToken({ sub: 'alice' }, { jwtid: 'stolen' })));
    expect(await emitWithAck(socket, 'room', 'lobby')).toBe('joined');
    const news = collect<string>(socket, 'news');
    const sender = await connected(withToken(signToken({ sub: 'bob' })));
    await dropAndWaitForServer(socket);
    denylist.revokedTokenIds.add('stolen');
    const release = denylist.hold();

    const { recovered, refusal: refused } = await reconnect(socket);
    expect(recovered).toBe(true);
    await sendToRoom('lobby', 'sent during the re-check', sender);
    release();
    expect((await refused).error).toEqual(refusedWith('token_revoked'));
    expect(news).toEqual([]);
  });

  it('still sends unauthorized before disconnecting live sockets on revocation and expiry', async () => {
    const revoked = await connected(withToken(signToken({ sub: 'alice' })));
    const expiring = await connected(withToken(signToken({ sub: 'bob' }, { expiresIn: 2 })));
    const revocation = refusal(revoked);
    const expiry = refusal(expiring);

    expect(server.app.get(JwtSocketRevoker).revokeSubject('alice')).toBe(1);
    expect(await revocation).toMatchObject({
      error: refusedWith('token_revoked'),
      order: ['unauthorized', 'disconnect'],
    });
    expect(await expiry).toMatchObject({ error: refusedWith('token_expired'), order: ['unauthorized', 'disconnect'] });
  });

  async function expectServerStillServing(): Promise<void> {
    const next = await connected(withToken(signToken({ sub: 'bob' })));
    expect(await emitWithAck(next, 'ping')).toBe('pong');
  }
});
