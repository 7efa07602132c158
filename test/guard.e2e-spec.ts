import { APP_GUARD } from '@nestjs/core';
import type { Socket } from 'socket.io-client';
import { JwtSocketGuard, JwtSocketModule } from '../lib';
import { authenticate } from './fixtures/core/clients';
import { CoreHttpModule } from './fixtures/core/http';
import { unguardedGateway } from './fixtures/core/unguarded';
import { guardedGateway } from './fixtures/core/gateways';
import { startApp, type TestApp } from './support/app';
import { connectClient, connected, delay, emitWithAck, nextEvent, rejectedCode } from './support/client';
import { SECRET, signToken } from './support/tokens';

interface GuardRejection {
  status: string;
  message: string;
  data: { type: string; code: string; message: string };
}

/** Waits until `exp` (seconds) has passed on this clock: a wait, not an assertion on time. */
async function waitUntilExpired(exp: number): Promise<void> {
  await delay(exp * 1000 - Date.now() + 50);
}

function expOf(token: string): number {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp as number;
}

describe('JwtSocketGuard', () => {
  let server: TestApp;

  afterEach(() => server.close());

  describe("with expiredTokenAction 'reject-events'", () => {
    beforeEach(async () => {
      server = await startApp({
        jwtModule: JwtSocketModule.forRoot({ secret: SECRET, expiredTokenAction: 'reject-events' }),
        gateways: [guardedGateway()],
      });
    });

    it('serves the handler until the token expires, then answers the ack and emits exception with token_expired', async () => {
      const token = signToken({ sub: 'alice' }, { expiresIn: 2 });
      const socket = await connected(connectClient(server.url, { auth: { token } }));
      expect(await emitWithAck(socket, 'ping')).toBe('pong');

      await waitUntilExpired(expOf(token));
      const exception = nextEvent<GuardRejection>(socket, 'exception');
      const answer = await emitWithAck<GuardRejection>(socket, 'ping');
      const expected = {
        status: 'error',
        message: expect.any(String),
        data: { type: 'UnauthorizedError', code: 'token_expired', message: expect.any(String) },
      };
      expect(answer).toEqual(expected);
      expect(await exception).toEqual(answer);
      expect(server.log.count('ping')).toBe(1);
      expect(socket.connected).toBe(true);
    });
  });

  describe('outside a ws context', () => {
    it('lets an HTTP request through @UseGuards(JwtSocketGuard) on a controller route', async () => {
      server = await startApp({
        jwtModule: JwtSocketModule.forRoot({ secret: SECRET }),
        gateways: [guardedGateway()],
        imports: [CoreHttpModule],
      });
      const response = await fetch(`${server.url}/guarded-route`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true });
    });

    it('lets an HTTP request through when JwtSocketGuard is the APP_GUARD, and a valid socket still reaches the gateway', async () => {
      server = await startApp({
        jwtModule: JwtSocketModule.forRoot({ secret: SECRET }),
        gateways: [unguardedGateway()],
        imports: [CoreHttpModule],
        providers: [{ provide: APP_GUARD, useClass: JwtSocketGuard }],
      });
      const response = await fetch(`${server.url}/plain-route`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true });
      const socket = await connected(connectClient(server.url, { auth: { token: signToken({ sub: 'alice' }) } }));
      expect(await emitWithAck(socket, 'open-ping')).toEqual({ sub: 'alice' });
    });
  });

  describe('a gateway without the guard', () => {
    it('cannot be reached without a token in handshake mode: the socket does not even connect', async () => {
      server = await startApp({
        jwtModule: JwtSocketModule.forRoot({ secret: SECRET }),
        gateways: [unguardedGateway()],
      });
      expect(await rejectedCode(connectClient(server.url))).toBe('credentials_required');
      expect(server.log.connected).toHaveLength(0);
      const socket = await connected(connectClient(server.url, { auth: { token: signToken({ sub: 'alice' }) } }));
      expect(await emitWithAck(socket, 'open-ping')).toEqual({ sub: 'alice' });
      expect(server.log.connected).toEqual([{ namespace: '/', sub: 'alice' }]);
    });

    it('cannot be reached before authentication in event mode', async () => {
      server = await startApp({
        jwtModule: JwtSocketModule.forRoot({ secret: SECRET, handshake: false }),
        gateways: [unguardedGateway()],
      });
      const socket: Socket = await connected(connectClient(server.url));
      let earlyAnswer: unknown;
      socket.emit('open-ping', (answer: unknown) => {
        earlyAnswer = answer;
      });
      await authenticate(socket, { token: signToken({ sub: 'alice' }) });
      expect(server.log.count('open-ping')).toBe(0);
      expect(await emitWithAck(socket, 'open-ping')).toEqual({ sub: 'alice' });
      expect(server.log.count('open-ping')).toBe(1);
      // The early ack is answered with the refusal, so a client never waits forever.
      expect(earlyAnswer).toEqual({
        status: 'error',
        message: expect.any(String),
        data: { type: 'UnauthorizedError', code: 'credentials_required', message: expect.any(String) },
      });
    });
  });
});
