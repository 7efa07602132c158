import type { Socket } from 'socket.io-client';
import { JwtSocketModule, type JwtSocketModuleOptions } from '../lib';
import { guardedGateway } from './fixtures/core/gateways';
import { collect } from './fixtures/lifecycle/clients';
import { startApp, type TestApp } from './support/app';
import {
  connectClient,
  connected,
  emitWithAck,
  nextEvent,
  refusal,
  roundTrip,
  type UnauthorizedLike,
} from './support/client';
import { SECRET, signToken } from './support/tokens';

interface WhoAmI {
  sub: string;
  claims: Record<string, unknown>;
  data: Record<string, unknown>;
}

const unauthorizedWith = (code: string) => ({
  message: expect.any(String),
  data: { type: 'UnauthorizedError', code, message: expect.any(String) },
});

describe.each([
  ['handshake mode', true],
  ['event mode', false],
])('in-band refresh (%s)', (_mode, handshake) => {
  let server: TestApp;

  async function start(options: Partial<JwtSocketModuleOptions> = {}) {
    server = await startApp({
      jwtModule: JwtSocketModule.forRoot({ secret: SECRET, handshake, ...options }),
      gateways: [guardedGateway()],
    });
  }

  /** A socket authenticated the way this mode does it, with `authenticated` counted from the start. */
  async function authenticatedSocket(token: string): Promise<{ socket: Socket; authenticatedCount: () => number }> {
    const socket = connectClient(server.url, handshake ? { auth: { token } } : {});
    const authenticated = collect(socket, 'authenticated');
    await connected(socket);
    if (!handshake) {
      const first = nextEvent(socket, 'authenticated');
      socket.emit('authenticate', { token });
      await first;
    }
    const initial = authenticated.length;
    return { socket, authenticatedCount: () => authenticated.length - initial };
  }

  /** Emits `authenticate` and resolves with the server's answer, `authenticated` or `unauthorized`. */
  function refresh(socket: Socket, token: unknown): Promise<'authenticated' | UnauthorizedLike> {
    return new Promise((resolve) => {
      const onAuthenticated = () => {
        socket.off('unauthorized', onUnauthorized);
        resolve('authenticated');
      };
      const onUnauthorized = (error: UnauthorizedLike) => {
        socket.off('authenticated', onAuthenticated);
        resolve(error);
      };
      socket.once('authenticated', onAuthenticated);
      socket.once('unauthorized', onUnauthorized);
      socket.emit('authenticate', { token });
    });
  }

  afterEach(() => server.close());

  describe('defaults', () => {
    beforeEach(() => start());

    it('answers authenticated once and replaces the claims handlers see', async () => {
      const { socket, authenticatedCount } = await authenticatedSocket(signToken({ sub: 'alice', role: 'reader' }));
      expect((await emitWithAck<WhoAmI>(socket, 'whoami')).claims.role).toBe('reader');

      expect(await refresh(socket, signToken({ sub: 'alice', role: 'editor' }))).toBe('authenticated');
      const me = await emitWithAck<WhoAmI>(socket, 'whoami');
      expect(me.claims.role).toBe('editor');
      expect((me.data.decoded_token as Record<string, unknown>).role).toBe('editor');
      expect(authenticatedCount()).toBe(1);
    });

    it('answers a failed refresh with unauthorized and keeps the socket on its old token', async () => {
      const { socket } = await authenticatedSocket(signToken({ sub: 'alice', role: 'reader' }));
      const forged = signToken({ sub: 'alice', role: 'admin' }, {}, 'another-secret-that-is-long-enough-too');

      expect(await refresh(socket, forged)).toEqual(unauthorizedWith('invalid_token'));
      const me = await emitWithAck<WhoAmI>(socket, 'whoami');
      expect(me.claims.role).toBe('reader');
      expect(socket.connected).toBe(true);
    });

    it('refuses an expired refresh token with token_expired and keeps the old one', async () => {
      const { socket } = await authenticatedSocket(signToken({ sub: 'alice' }));
      const expired = signToken({ sub: 'alice' }, { expiresIn: -60 });
      expect(await refresh(socket, expired)).toEqual(unauthorizedWith('token_expired'));
      expect(await emitWithAck(socket, 'ping')).toBe('pong');
    });

    it('refuses a malformed authenticate payload with credentials_bad_format and keeps serving', async () => {
      const { socket } = await authenticatedSocket(signToken({ sub: 'alice' }));
      const unauthorized = nextEvent(socket, 'unauthorized');
      socket.emit('authenticate', 'not-an-object');
      expect(await unauthorized).toEqual(unauthorizedWith('credentials_bad_format'));
      expect(await emitWithAck(socket, 'ping')).toBe('pong');
    });

    it('refuses a token of another subject with subject_mismatch and keeps the old subject', async () => {
      const { socket } = await authenticatedSocket(signToken({ sub: 'alice' }));
      expect(await refresh(socket, signToken({ sub: 'mallory' }))).toEqual(unauthorizedWith('subject_mismatch'));
      expect((await emitWithAck<WhoAmI>(socket, 'whoami')).sub).toBe('alice');
    });

    it('lets the next client in after refusals', async () => {
      const { socket } = await authenticatedSocket(signToken({ sub: 'alice' }));
      await refresh(socket, 'garbage');
      const other = await authenticatedSocket(signToken({ sub: 'bob' }));
      expect(await emitWithAck(other.socket, 'ping')).toBe('pong');
      await roundTrip(socket);
    });
  });

  describe('disconnectOnRefreshFailure: true', () => {
    beforeEach(() => start({ disconnectOnRefreshFailure: true }));

    it('disconnects the socket after unauthorized when a refresh fails', async () => {
      const { socket } = await authenticatedSocket(signToken({ sub: 'alice' }));
      const refused = refusal(socket);
      socket.emit('authenticate', { token: 'garbage' });
      const { error, order } = await refused;
      expect(error).toEqual(unauthorizedWith('malformed_token'));
      expect(order).toEqual(['unauthorized', 'disconnect']);
    });

    it('disconnects on a subject mismatch too', async () => {
      const { socket } = await authenticatedSocket(signToken({ sub: 'alice' }));
      const refused = refusal(socket);
      socket.emit('authenticate', { token: signToken({ sub: 'mallory' }) });
      expect((await refused).error).toEqual(unauthorizedWith('subject_mismatch'));
    });
  });

  describe('allowSubjectChange: true', () => {
    beforeEach(() => start({ allowSubjectChange: true }));

    it('accepts a refresh token of another subject', async () => {
      const { socket } = await authenticatedSocket(signToken({ sub: 'alice' }));
      expect(await refresh(socket, signToken({ sub: 'bob' }))).toBe('authenticated');
      expect((await emitWithAck<WhoAmI>(socket, 'whoami')).sub).toBe('bob');
    });
  });
});
