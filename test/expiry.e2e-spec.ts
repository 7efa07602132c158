import type { Server, Socket as ServerSocket } from 'socket.io';
import type { Socket as ClientSocket } from 'socket.io-client';
import { authenticateSocket, JwtSocketModule, type JwtSocketModuleOptions } from '../lib';
import { JwtSocketSessions } from '../lib/socket/session-lifecycle';
import { sessionOf } from '../lib/socket/session-state';
import { guardedGateway } from './fixtures/core/gateways';
import { collect, expiryOf, waitUntilPast } from './fixtures/lifecycle/clients';
import { until } from './fixtures/model/clients';
import { startApp, type TestApp } from './support/app';
import { connectClient, connected, emitWithAck, nextEvent, refusal, roundTrip } from './support/client';
import { SECRET, signToken } from './support/tokens';

/** Tokens whose `exp` (whole seconds) is 1 to 2 s away. */
const shortLived = (payload: object = { sub: 'alice' }) => signToken(payload, { expiresIn: 2 });

const tokenExpired = {
  message: expect.any(String),
  data: { type: 'UnauthorizedError', code: 'token_expired', message: expect.any(String) },
};

describe('expiry of open sockets', () => {
  const Gateway = guardedGateway();
  let server: TestApp;

  async function start(options: Partial<JwtSocketModuleOptions> = {}) {
    server = await startApp({
      jwtModule: JwtSocketModule.forRoot({ secret: SECRET, ...options }),
      gateways: [Gateway],
    });
  }

  function ioServer(): Server {
    return server.app.get(Gateway).server as Server;
  }

  function serverSocketOf(id: string | undefined): ServerSocket {
    const socket = (server.app.get(Gateway).server as Server).sockets.sockets.get(id ?? '');
    if (!socket) throw new Error(`no server socket ${id}`);
    return socket;
  }

  async function connectWith(token: string) {
    return connected(connectClient(server.url, { auth: { token } }));
  }

  afterEach(() => server.close());

  describe('default (disconnect)', () => {
    beforeEach(() => start());

    it('sends unauthorized token_expired and disconnects the socket when exp is reached', async () => {
      const socket = await connectWith(shortLived());
      const refused = refusal(socket);
      expect(await emitWithAck(socket, 'ping')).toBe('pong');

      const { error, reason, order } = await refused;
      expect(error).toEqual(tokenExpired);
      expect(order).toEqual(['unauthorized', 'disconnect']);
      expect(reason).toBe('io server disconnect');

      const next = await connectWith(signToken({ sub: 'bob' }));
      expect(await emitWithAck(next, 'ping')).toBe('pong');
    });

    it('expires a socket authenticated in event mode too', async () => {
      await server.close();
      await start({ handshake: false });
      const socket = await connected(connectClient(server.url));
      const authenticated = nextEvent(socket, 'authenticated');
      socket.emit('authenticate', { token: shortLived() });
      await authenticated;
      const { error } = await refusal(socket);
      expect(error).toEqual(tokenExpired);
    });

    it('honours clockTolerance: still served just after exp, expired once the tolerance has passed', async () => {
      await server.close();
      await start({ clockTolerance: 2 });
      const token = shortLived();
      const socket = await connectWith(token);
      const refused = refusal(socket);
      await waitUntilPast(expiryOf(token), 100);
      expect(await emitWithAck(socket, 'ping')).toBe('pong');
      expect((await refused).error).toEqual(tokenExpired);
    });

    it('keeps a socket refreshed with a longer token before exp past the old exp', async () => {
      const oldToken = shortLived();
      const socket = await connectWith(oldToken);
      const unauthorized = collect(socket, 'unauthorized');
      const authenticated = nextEvent(socket, 'authenticated');
      socket.emit('authenticate', { token: signToken({ sub: 'alice' }, { expiresIn: '1h' }) });
      await authenticated;

      await waitUntilPast(expiryOf(oldToken));
      expect(await emitWithAck(socket, 'ping')).toBe('pong');
      expect(unauthorized).toEqual([]);
      expect(socket.connected).toBe(true);
    });

    it('re-arms the timer on refresh: a shorter refresh token expires the socket at its own exp', async () => {
      const socket = await connectWith(signToken({ sub: 'alice' }, { expiresIn: '1h' }));
      const refused = refusal(socket);
      socket.emit('authenticate', { token: shortLived() });
      expect((await refused).error).toEqual(tokenExpired);
    });

    it('schedules at most one expiry per socket: refresh moves it, disconnect removes it', async () => {
      const sessions = server.app.get(JwtSocketSessions);
      const socket = await connectWith(signToken({ sub: 'alice' }, { expiresIn: '1h' }));
      const session = sessionOf(serverSocketOf(socket.id))!;
      expect(sessions.scheduledExpiries).toBe(1);
      const firstSlot = session.expirySlot;

      const authenticated = nextEvent(socket, 'authenticated');
      socket.emit('authenticate', { token: signToken({ sub: 'alice' }, { expiresIn: '2h' }) });
      await authenticated;
      expect(sessions.scheduledExpiries).toBe(1);
      expect(session.expirySlot).toBeGreaterThan(firstSlot!);

      const other = await connectWith(signToken({ sub: 'bob' }, { expiresIn: '1h' }));
      expect(sessions.scheduledExpiries).toBe(2);
      const serverDisconnect = new Promise((resolve) => serverSocketOf(socket.id).once('disconnect', resolve));
      socket.disconnect();
      await serverDisconnect;
      expect(sessions.scheduledExpiries).toBe(1);
      expect(await emitWithAck(other, 'ping')).toBe('pong');
    });
  });

  describe("expiredTokenAction: 'reject-events'", () => {
    beforeEach(() => start({ expiredTokenAction: 'reject-events' }));

    it('keeps the socket connected but the guard refuses its events with token_expired', async () => {
      const token = shortLived();
      const socket = await connectWith(token);
      const unauthorized = collect(socket, 'unauthorized');
      expect(await emitWithAck(socket, 'ping')).toBe('pong');

      await waitUntilPast(expiryOf(token));
      const exception = nextEvent(socket, 'exception');
      expect(await emitWithAck(socket, 'ping')).toEqual({ status: 'error', ...tokenExpired });
      expect(await exception).toEqual({ status: 'error', ...tokenExpired });
      expect(unauthorized).toEqual([]);
      expect(socket.connected).toBe(true);
      expect(server.log.count('ping')).toBe(1);
    });

    it('takes the expired socket out of every broadcast until a refresh brings it back, rooms included', async () => {
      const token = shortLived();
      const alice = await connectWith(token);
      expect(await emitWithAck(alice, 'room', 'team')).toBe('joined');
      const bob = await connectWith(signToken({ sub: 'bob' }));
      const news = collect<string>(alice, 'news');
      const markers = collect(alice, 'marker');

      await waitUntilPast(expiryOf(token));
      expect(await emitWithAck(bob, 'broadcast', 'to everyone')).toBe('sent');
      expect(await emitWithAck(bob, 'toRoom', { room: 'team', text: 'to the team' })).toBe('sent');
      // Each handler also emits `marker` to every socket directly: once both arrived, so would the news.
      await until(() => markers.length === 2, 'both markers');
      expect(news).toEqual([]);
      // Nor a broadcast that waits for acks: it counts bob only, and does not wait for alice.
      const polled = collect(alice, 'poll');
      bob.on('poll', (answer: (who: string) => void) => answer('bob'));
      expect(await ioServer().timeout(5000).emitWithAck('poll')).toEqual(['bob']);
      await roundTrip(alice);
      expect(polled).toEqual([]);

      await authenticateSocket(alice, signToken({ sub: 'alice' }));
      const back = nextEvent(alice, 'news');
      expect(await emitWithAck(bob, 'toRoom', { room: 'team', text: 'back in the team' })).toBe('sent');
      expect(await back).toBe('back in the team');
      expect(await emitWithAck(alice, 'ping')).toBe('pong');
    });

    describe('room operations still reach the expired socket by the rooms it will be back in', () => {
      async function expiredInTeam() {
        const token = shortLived();
        const alice = await connectWith(token);
        expect(await emitWithAck(alice, 'room', 'team')).toBe('joined');
        const bob = await connectWith(signToken({ sub: 'bob' }));
        await waitUntilPast(expiryOf(token));
        // The guard's refusal: alice's expiry has been applied.
        expect(await emitWithAck(alice, 'ping')).toEqual({ status: 'error', ...tokenExpired });
        return { alice, bob };
      }

      async function teamHears(bob: ClientSocket, text: string, alice: ClientSocket): Promise<string[]> {
        const news = collect<string>(alice, 'news');
        expect(await emitWithAck(bob, 'toRoom', { room: 'team', text })).toBe('sent');
        await roundTrip(alice);
        return news;
      }

      it('socketsLeave() takes it out for good: a refresh does not bring it back into the room', async () => {
        const { alice, bob } = await expiredInTeam();
        ioServer().in('team').socketsLeave('team');

        await authenticateSocket(alice, signToken({ sub: 'alice' }));
        expect(await teamHears(bob, 'after the leave', alice)).toEqual([]);
        expect(await emitWithAck(alice, 'ping')).toBe('pong');
      });

      it('disconnectSockets() on its room, its own id or its subject room disconnects it', async () => {
        for (const room of ['team', undefined, 'nestjs-socketio-jwt:sub:alice']) {
          const { alice, bob } = await expiredInTeam();
          const disconnected = nextEvent<string>(alice, 'disconnect');
          ioServer()
            .in(room ?? serverSocketOf(alice.id).id)
            .disconnectSockets();
          expect(await disconnected).toBe('io server disconnect');
          expect(bob.connected).toBe(true);
          bob.disconnect();
        }
      });

      it('still reach it after a broadcast the app could not send (a packet that does not encode)', async () => {
        const { alice } = await expiredInTeam();
        expect(() => ioServer().emit('news', 1n)).toThrow();
        const disconnected = nextEvent<string>(alice, 'disconnect');
        ioServer().in('team').disconnectSockets();
        expect(await disconnected).toBe('io server disconnect');
      });

      it('disconnectSockets(true) closes its connection, and no one else', async () => {
        const { alice, bob } = await expiredInTeam();
        const disconnected = nextEvent<string>(alice, 'disconnect');
        ioServer().in('team').disconnectSockets(true);
        expect(await disconnected).toBe('io server disconnect');
        expect(await emitWithAck(bob, 'ping')).toBe('pong');
      });

      it('socketsJoin() is remembered for the refresh, and fetchSockets() lists it in its rooms', async () => {
        const { alice, bob } = await expiredInTeam();
        ioServer().in('team').socketsJoin('project');
        const listed = await ioServer().in('team').fetchSockets();
        expect(listed.map((each) => each.id)).toEqual([serverSocketOf(alice.id).id]);
        const excepted = await ioServer().except('team').fetchSockets();
        expect(excepted.map((each) => each.id)).toEqual([serverSocketOf(bob.id).id]);

        await authenticateSocket(alice, signToken({ sub: 'alice' }));
        const back = nextEvent(alice, 'news');
        expect(await emitWithAck(bob, 'toRoom', { room: 'project', text: 'to the project' })).toBe('sent');
        expect(await back).toBe('to the project');
      });
    });
  });

  describe("expiredTokenAction: 'ignore'", () => {
    beforeEach(() => start({ expiredTokenAction: 'ignore' }));

    it('neither disconnects nor refuses events after exp', async () => {
      const token = shortLived();
      const socket = await connectWith(token);
      const unauthorized = collect(socket, 'unauthorized');
      const exceptions = collect(socket, 'exception');

      await waitUntilPast(expiryOf(token));
      expect(await emitWithAck(socket, 'ping')).toBe('pong');
      await roundTrip(socket);
      expect(unauthorized).toEqual([]);
      expect(exceptions).toEqual([]);
      expect(server.log.count('ping')).toBe(2);
    });
  });
});
