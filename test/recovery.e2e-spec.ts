import type { GatewayMetadata } from '@nestjs/websockets';
import type { Socket } from 'socket.io-client';
import { JwtSocketModule, RevocationCheck } from '../lib';
import { guardedGateway } from './fixtures/gateways';
import { collect, dropTransport, recoverableClient } from './fixtures/lifecycle-clients';
import { LifecycleDenylist } from './fixtures/lifecycle-denylist';
import { startApp, type TestApp } from './support/app';
import { connectClient, connected, emitWithAck, nextEvent, roundTrip } from './support/client';
import { SECRET, signToken } from './support/tokens';

const refusedWith = (code: string) => ({
  message: expect.any(String),
  data: { type: 'UnauthorizedError', code, message: expect.any(String) },
});

/** socket.io restores socket.data and rooms and, by default, skips the middleware (skipMiddlewares). */
const recovering = { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } } as GatewayMetadata;

describe('connection-state recovery', () => {
  let server: TestApp;
  let denylist: LifecycleDenylist;

  beforeEach(async () => {
    server = await startApp({
      jwtModule: JwtSocketModule.forRoot({ secret: SECRET, revocationCheck: LifecycleDenylist }),
      gateways: [guardedGateway(recovering)],
    });
    denylist = server.app.get(RevocationCheck) as LifecycleDenylist;
  });
  afterEach(() => server.close());

  /** A connected client that has received `welcome`, so it holds a session id and an offset to recover. */
  async function recoverableSocket(token: string, reconnectionDelay?: number): Promise<Socket> {
    const socket = recoverableClient(server.url, { auth: { token } }, reconnectionDelay);
    const welcome = nextEvent(socket, 'welcome');
    await connected(socket);
    await welcome;
    return socket;
  }

  it('brings a socket with a valid token back with its claims and rooms, re-checked', async () => {
    const socket = await recoverableSocket(signToken({ sub: 'alice', role: 'reader' }, { jwtid: 'kept' }));
    expect(await emitWithAck(socket, 'room', 'lobby')).toBe('joined');
    const news = collect<string>(socket, 'news');

    const { recovered } = await dropTransport(socket);
    expect(recovered).toBe(true);
    const me = await emitWithAck<{ sub: string; claims: { role: string } }>(socket, 'whoami');
    expect(me.sub).toBe('alice');
    expect(me.claims.role).toBe('reader');
    expect(denylist.consulted).toEqual(['kept', 'kept']);

    const sender = await connected(connectClient(server.url, { auth: { token: signToken({ sub: 'bob' }) } }));
    expect(await emitWithAck(sender, 'toRoom', { room: 'lobby', text: 'hello lobby' })).toBe('sent');
    await roundTrip(socket);
    expect(news).toEqual(['hello lobby']);
  });

  it('refuses a recovered socket whose token was revoked while it was away', async () => {
    const socket = await recoverableSocket(signToken({ sub: 'alice' }, { jwtid: 'stolen' }));
    denylist.revokedTokenIds.add('stolen');

    const { recovered, refusal } = await dropTransport(socket);
    expect(recovered).toBe(true);
    const { error, order } = await refusal;
    expect(error).toEqual(refusedWith('token_revoked'));
    expect(order).toEqual(['unauthorized', 'disconnect']);
    await expectServerStillServing();
  });

  it('refuses a recovered socket whose token expired while it was away', async () => {
    // exp is 1-2 s away; the client stays away 2.5 s before it reconnects and recovers.
    const socket = await recoverableSocket(signToken({ sub: 'alice' }, { expiresIn: 2 }), 2500);

    const { recovered, refusal } = await dropTransport(socket);
    expect(recovered).toBe(true);
    expect((await refusal).error).toEqual(refusedWith('token_expired'));
    await expectServerStillServing();
  });

  it('keeps a refused recovered socket out of broadcasts while it is re-checked', async () => {
    const socket = await recoverableSocket(signToken({ sub: 'alice' }, { jwtid: 'stolen' }));
    expect(await emitWithAck(socket, 'room', 'lobby')).toBe('joined');
    const news = collect<string>(socket, 'news');
    denylist.revokedTokenIds.add('stolen');

    const { refusal } = await dropTransport(socket);
    await refusal;
    const sender = await connected(connectClient(server.url, { auth: { token: signToken({ sub: 'bob' }) } }));
    expect(await emitWithAck(sender, 'toRoom', { room: 'lobby', text: 'after the refusal' })).toBe('sent');
    expect(news).toEqual([]);
  });

  it('LEAKPROBE missed packets', async () => {
    const socket = await recoverableSocket(signToken({ sub: 'alice' }, { jwtid: 'stolen' }), 700);
    expect(await emitWithAck(socket, 'room', 'lobby')).toBe('joined');
    const news = collect<string>(socket, 'news');
    denylist.revokedTokenIds.add('stolen');
    const sender = await connected(connectClient(server.url, { auth: { token: signToken({ sub: 'bob' }) } }));
    const dropped = dropTransport(socket);
    await new Promise((r) => setTimeout(r, 200));
    expect(await emitWithAck(sender, 'toRoom', { room: 'lobby', text: 'while away' })).toBe('sent');
    const { recovered, refusal } = await dropped;
    await refusal;
    console.log('LEAK', recovered, news);
  });

  async function expectServerStillServing(): Promise<void> {
    const next = await connected(connectClient(server.url, { auth: { token: signToken({ sub: 'bob' }) } }));
    expect(await emitWithAck(next, 'ping')).toBe('pong');
  }
});
