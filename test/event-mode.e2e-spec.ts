import type { Socket } from 'socket.io-client';
import { JwtSocketModule, type JwtSocketModuleOptions } from '../lib';
import { authenticate, connectAndAuthenticate, eventModeRefusalCode, recordEvents } from './fixtures/core/clients';
import { guardedGateway } from './fixtures/core/gateways';
import { startApp, type TestApp } from './support/app';
import { connectClient, connected, emitWithAck, nextEvent, refusal, type UnauthorizedLike } from './support/client';
import { SECRET, signToken, unsignedToken } from './support/tokens';

const WRONG_SECRET = 'another-secret-that-did-not-sign-anything-here';

function startEventModeApp(options: JwtSocketModuleOptions = {}): Promise<TestApp> {
  return startApp({
    jwtModule: JwtSocketModule.forRoot({ secret: SECRET, handshake: false, ...options }),
    gateways: [guardedGateway()],
  });
}

/** Resolves with the arguments of the next `unauthorized` (payload, and the ack when the server asked for one). */
function nextUnauthorized(socket: Socket): Promise<{ error: UnauthorizedLike; ack?: () => void }> {
  return new Promise((resolve) =>
    socket.once('unauthorized', (error: UnauthorizedLike, ack?: () => void) => resolve({ error, ack })),
  );
}

async function expectServedAfterwards(server: TestApp): Promise<void> {
  const socket = await connectAndAuthenticate(server.url, signToken({ sub: 'afterwards' }));
  expect(await emitWithAck(socket, 'ping')).toBe('pong');
}

describe('event mode (handshake: false)', () => {
  let server: TestApp;

  afterEach(async () => {
    const errors = server.logger.lines.filter((line) => line.startsWith('error'));
    await server.close();
    expect(errors).toEqual([]);
  });

  describe('with the defaults', () => {
    beforeEach(async () => {
      server = await startEventModeApp();
    });

    it('connects without a token, answers authenticate with authenticated, then serves handlers', async () => {
      const socket = await connected(connectClient(server.url));
      await authenticate(socket, { token: signToken({ sub: 'alice', role: 'admin' }) });
      expect(await emitWithAck(socket, 'ping')).toBe('pong');
      const me = await emitWithAck<{ sub: string; claims: { role: string } }>(socket, 'whoami');
      expect(me.sub).toBe('alice');
      expect(me.claims.role).toBe('admin');
    });

    it('refuses a token signed with another secret: unauthorized { message, data } then disconnect', async () => {
      const socket = await connected(connectClient(server.url));
      const refused = refusal(socket);
      socket.emit('authenticate', { token: signToken({ sub: 'mallory' }, {}, WRONG_SECRET) });
      const { error, order, reason } = await refused;
      expect(order).toEqual(['unauthorized', 'disconnect']);
      expect(reason).toBe('io server disconnect');
      expect(error).toEqual({
        message: expect.any(String),
        data: { type: 'UnauthorizedError', code: 'invalid_token', message: error.message },
      });
      expect(server.log.connected).toHaveLength(0);
      await expectServedAfterwards(server);
    });

    it('with callback false (the default) disconnects at once, without asking the client for an ack', async () => {
      const socket = await connected(connectClient(server.url));
      const unauthorized = nextUnauthorized(socket);
      const refused = refusal(socket);
      socket.emit('authenticate', { token: 'garbage' });
      expect((await unauthorized).ack).toBeUndefined();
      expect((await refused).order).toEqual(['unauthorized', 'disconnect']);
    });

    it.each([
      { label: 'a number', token: 12345, code: 'credentials_bad_format' },
      { label: 'an object', token: { nested: true }, code: 'credentials_bad_format' },
      { label: 'missing', token: undefined, code: 'credentials_required' },
      { label: 'an empty string', token: '', code: 'credentials_required' },
      { label: 'garbage', token: 'not-a-jwt', code: 'malformed_token' },
      { label: 'expired', token: signToken({ sub: 'alice' }, { expiresIn: -10 }), code: 'token_expired' },
      {
        label: 'unsigned (alg none)',
        token: unsignedToken({ alg: 'none', typ: 'JWT' }, { sub: 'alice' }),
        code: 'invalid_token',
      },
      {
        label: 'signed with another secret',
        token: signToken({ sub: 'alice' }, {}, WRONG_SECRET),
        code: 'invalid_token',
      },
    ])('refuses a token that is $label with $code, and keeps serving', async ({ token, code }) => {
      expect(await eventModeRefusalCode(server.url, { token })).toBe(code);
      await expectServedAfterwards(server);
    });

    it.each([
      { label: 'a string', payload: 'just-a-string' },
      { label: 'a number', payload: 42 },
      { label: 'null', payload: null },
      { label: 'an array', payload: [signToken()] },
    ])('refuses an authenticate payload that is $label with credentials_bad_format', async ({ payload }) => {
      expect(await eventModeRefusalCode(server.url, payload)).toBe('credentials_bad_format');
      await expectServedAfterwards(server);
    });

    it('drops events sent before authentication: no handler runs, the ack is answered with credentials_required', async () => {
      const socket = await connected(connectClient(server.url));
      let earlyAnswer: unknown;
      socket.emit('ping', (answer: unknown) => {
        earlyAnswer = answer;
      });
      await authenticate(socket, { token: signToken() });
      // The server read `ping` before `authenticate` (packets are ordered), so it was dropped, not queued.
      expect(server.log.count('ping')).toBe(0);
      expect(await emitWithAck(socket, 'ping')).toBe('pong');
      expect(server.log.count('ping')).toBe(1);
      // The early ack is answered with the refusal, so a client never waits forever.
      expect(earlyAnswer).toEqual({
        status: 'error',
        message: expect.any(String),
        data: { type: 'UnauthorizedError', code: 'credentials_required', message: expect.any(String) },
      });
    });

    it('hides an unauthenticated socket from server-wide and room broadcasts until it authenticates', async () => {
      const sender = await connectAndAuthenticate(server.url, signToken({ sub: 'sender' }));
      const waiting = await connected(connectClient(server.url));
      const received = recordEvents(waiting, ['news', 'marker']);

      const markerAfterBroadcast = nextEvent(waiting, 'marker');
      await emitWithAck(sender, 'broadcast', 'to everyone');
      await markerAfterBroadcast;
      const markerAfterRoom = nextEvent(waiting, 'marker');
      await emitWithAck(sender, 'toRoom', { room: waiting.id, text: 'to its own room' });
      await markerAfterRoom;
      expect(received).toEqual(['marker', 'marker']);

      await authenticate(waiting, { token: signToken({ sub: 'waiting' }) });
      const markerOnceVisible = nextEvent(waiting, 'marker');
      await emitWithAck(sender, 'broadcast', 'to everyone again');
      await markerOnceVisible;
      expect(received).toEqual(['marker', 'marker', 'news', 'marker']);
    });

    it('runs handleConnection once, after authentication, and not again on a refresh', async () => {
      const sender = await connectAndAuthenticate(server.url, signToken({ sub: 'sender' }));
      const socket = await connected(connectClient(server.url));
      const received = recordEvents(socket, ['welcome', 'marker']);
      const marker = nextEvent(socket, 'marker');
      await emitWithAck(sender, 'broadcast', 'hello');
      await marker;
      expect(received).toEqual(['marker']);
      expect(server.log.connected).toEqual([{ namespace: '/', sub: 'sender' }]);

      await authenticate(socket, { token: signToken({ sub: 'alice' }) });
      expect(received).toEqual(['marker', 'welcome']);
      expect(server.log.connected).toEqual([
        { namespace: '/', sub: 'sender' },
        { namespace: '/', sub: 'alice' },
      ]);

      await authenticate(socket, { token: signToken({ sub: 'alice', refreshed: true }) });
      expect(await emitWithAck<{ claims: { refreshed: boolean } }>(socket, 'whoami')).toMatchObject({
        claims: { refreshed: true },
      });
      expect(server.log.connected).toHaveLength(2);
      expect(received).toEqual(['marker', 'welcome']);
    });

    it('works with a client written against the auth0 socketio-jwt README', async () => {
      const readmeClient = (token: string) =>
        new Promise<string>((resolve) => {
          const socket = connectClient(server.url);
          socket.on('connect', () => {
            socket
              .emit('authenticate', { token })
              .on('authenticated', () => resolve('authenticated'))
              .on('unauthorized', (msg: UnauthorizedLike) =>
                resolve(`unauthorized: ${msg.data.type} ${msg.data.code}`),
              );
          });
        });
      expect(await readmeClient(signToken())).toBe('authenticated');
      expect(await readmeClient('not-a-jwt')).toBe('unauthorized: UnauthorizedError malformed_token');
    });
  });

  describe('concurrent authenticate messages', () => {
    let releaseSecret: () => void;

    beforeEach(async () => {
      const secretGate = new Promise<void>((resolve) => {
        releaseSecret = resolve;
      });
      // The key lookup waits for the test, so the second `authenticate` surely arrives mid-verification.
      server = await startEventModeApp({
        secret: async () => {
          await secretGate;
          return SECRET;
        },
      });
    });

    it('answers the second with authentication_in_progress and ends authenticated, handleConnection once', async () => {
      const socket = await connected(connectClient(server.url));
      const received = recordEvents(socket, ['authenticated', 'unauthorized', 'disconnect']);
      const inProgress = nextUnauthorized(socket);
      const authenticated = nextEvent(socket, 'authenticated');
      socket.emit('authenticate', { token: signToken() });
      socket.emit('authenticate', { token: signToken() });
      expect((await inProgress).error.data.code).toBe('authentication_in_progress');
      releaseSecret();
      await authenticated;
      expect(await emitWithAck(socket, 'ping')).toBe('pong');
      expect(received).toEqual(['unauthorized', 'authenticated']);
      expect(server.log.connected).toHaveLength(1);
    });
  });

  describe('callback: N (wait for the client ack)', () => {
    it('disconnects once the client acks the unauthorized message', async () => {
      // N is far beyond the test timeout: only the ack can end the socket.
      server = await startEventModeApp({ callback: 60_000 });
      const socket = await connected(connectClient(server.url));
      const order: string[] = [];
      socket.once('unauthorized', (_error: UnauthorizedLike, ack: () => void) => {
        order.push('unauthorized');
        order.push('ack');
        ack();
      });
      const disconnected = nextEvent(socket, 'disconnect');
      socket.emit('authenticate', { token: 'not-a-jwt' });
      expect(await disconnected).toBe('io server disconnect');
      expect(order).toEqual(['unauthorized', 'ack']);
      await expectServedAfterwards(server);
    });

    it('disconnects a client that never acks after N ms', async () => {
      server = await startEventModeApp({ callback: 200 });
      const socket = await connected(connectClient(server.url));
      const unauthorized = nextUnauthorized(socket);
      const refused = refusal(socket);
      socket.emit('authenticate', { token: 'not-a-jwt' });
      const { error, ack } = await unauthorized;
      expect(typeof ack).toBe('function');
      expect(error.data.code).toBe('malformed_token');
      const { order, reason } = await refused;
      expect(order).toEqual(['unauthorized', 'disconnect']);
      expect(reason).toBe('io server disconnect');
      await expectServedAfterwards(server);
    });
  });

  describe('timeout', () => {
    beforeEach(async () => {
      server = await startEventModeApp({ timeout: 300 });
    });

    it('refuses a client that sends nothing with authentication_timeout, then disconnects it', async () => {
      const socket = connectClient(server.url);
      const refused = refusal(socket);
      await connected(socket);
      const { error, order } = await refused;
      expect(order).toEqual(['unauthorized', 'disconnect']);
      expect(error.data).toEqual({ type: 'UnauthorizedError', code: 'authentication_timeout', message: error.message });
      expect(server.log.connected).toHaveLength(0);
      await expectServedAfterwards(server);
    });
  });
});
