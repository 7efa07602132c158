import { Controller, Get, Module, UseGuards, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { AddressInfo } from 'node:net';
import { DecodedToken, JwtSocketGuard, JwtSocketIoAdapter, JwtSocketModule } from '../lib';
import { CallLog, guardedGateway } from './fixtures/core/gateways';
import { CapturingLogger } from './support/app';
import { closeClients, connectClient, connected, delay, emitWithAck, nextEvent, rejectedCode } from './support/client';
import { SECRET, signToken } from './support/tokens';
import { freePort } from './support/free-port';

/**
 * The README's quick start on Fastify: `NestFactory.create(AppModule, new FastifyAdapter())`, the
 * same JwtSocketIoAdapter, gateways on the HTTP server's port and on a port of their own.
 */

interface GuardRejection {
  status: string;
  data: { type: string; code: string };
}

@Controller()
class HealthController {
  @Get('health')
  health() {
    return { ok: true };
  }
}

/** A guarded gateway on its own port (socket.io then runs its own HTTP server, not Fastify's). */
function ownPortGateway(port: number): Type {
  @UseGuards(JwtSocketGuard)
  @WebSocketGateway(port, { namespace: '/own' })
  class OwnPortGateway {
    constructor(readonly log: CallLog) {}

    @SubscribeMessage('whoami')
    whoami(@DecodedToken('sub') sub: string) {
      this.log.handled.push('own:whoami');
      return { sub };
    }
  }
  return OwnPortGateway;
}

interface FastifyTestApp {
  app: NestFastifyApplication;
  url: string;
  ownPortUrl: string;
  log: CallLog;
}

async function startFastifyApp(options: Parameters<typeof JwtSocketModule.forRoot>[0]): Promise<FastifyTestApp> {
  const ownPort = await freePort();

  @Module({
    imports: [JwtSocketModule.forRoot(options)],
    controllers: [HealthController],
    providers: [CallLog, guardedGateway({ namespace: '/chat' }, 'FastifyChat'), ownPortGateway(ownPort)],
  })
  class FastifyAppModule {}

  const app = await NestFactory.create<NestFastifyApplication>(FastifyAppModule, new FastifyAdapter(), {
    logger: new CapturingLogger(),
    abortOnError: false,
  });
  app.useWebSocketAdapter(new JwtSocketIoAdapter(app));
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    // A failed bootstrap may already have opened the own-port server: close it, or Jest never exits.
    await app.close();
    throw error;
  }
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    ownPortUrl: `http://127.0.0.1:${ownPort}`,
    log: app.get(CallLog),
  };
}

describe('on Fastify (NestFactory.create(AppModule, new FastifyAdapter()))', () => {
  let server: FastifyTestApp;

  afterEach(async () => {
    closeClients();
    await server.app.close();
  });

  describe('with the quick start options', () => {
    beforeEach(async () => {
      server = await startFastifyApp({ secret: SECRET });
    });

    it('runs on Fastify, and HTTP routes still answer on the same port', async () => {
      expect(server.app.getHttpAdapter().getType()).toBe('fastify');
      const response = await fetch(`${server.url}/health`);
      expect(await response.json()).toEqual({ ok: true });
    });

    it('lets a valid token reach the handlers of a gateway on the HTTP port', async () => {
      const socket = connectClient(`${server.url}/chat`, { auth: { token: signToken({ sub: 'alice' }) } });
      const welcome = nextEvent(socket, 'welcome');
      await connected(socket);
      expect(await welcome).toEqual({ sub: 'alice' });
      expect(await emitWithAck(socket, 'ping')).toBe('pong');
      expect(await emitWithAck(socket, 'whoami')).toMatchObject({ sub: 'alice', claims: { sub: 'alice' } });
      expect(server.log.handled).toEqual(['ping', 'whoami']);
      expect(server.log.connected).toEqual([{ namespace: '/chat', sub: 'alice' }]);
    });

    it('refuses a bad or missing token on the HTTP port with its code, before any gateway code runs', async () => {
      const forged = signToken({ sub: 'mallory' }, {}, 'not-the-server-secret-but-long-enough');
      expect(await rejectedCode(connectClient(`${server.url}/chat`, { auth: { token: forged } }))).toBe(
        'invalid_token',
      );
      expect(await rejectedCode(connectClient(`${server.url}/chat`))).toBe('credentials_required');
      expect(await rejectedCode(connectClient(server.url, { auth: { token: 'not.a.jwt' } }))).toBe('malformed_token');
      expect(server.log.connected).toEqual([]);
      expect(server.log.handled).toEqual([]);
    });

    it('authenticates a gateway on its own port: a valid token reaches the handler, a bad one is refused', async () => {
      const socket = await connected(
        connectClient(`${server.ownPortUrl}/own`, { auth: { token: signToken({ sub: 'bob' }) } }),
      );
      expect(await emitWithAck(socket, 'whoami')).toEqual({ sub: 'bob' });
      const forged = signToken({ sub: 'mallory' }, {}, 'not-the-server-secret-but-long-enough');
      expect(await rejectedCode(connectClient(`${server.ownPortUrl}/own`, { auth: { token: forged } }))).toBe(
        'invalid_token',
      );
      expect(await rejectedCode(connectClient(`${server.ownPortUrl}/own`))).toBe('credentials_required');
      expect(server.log.handled).toEqual(['own:whoami']);
    });
  });

  describe("with expiredTokenAction 'reject-events'", () => {
    beforeEach(async () => {
      server = await startFastifyApp({ secret: SECRET, expiredTokenAction: 'reject-events' });
    });

    it('has the guard refuse events once the token expired, without running the handler', async () => {
      const token = signToken({ sub: 'alice' }, { expiresIn: 1 });
      const socket = await connected(connectClient(`${server.url}/chat`, { auth: { token } }));
      expect(await emitWithAck(socket, 'ping')).toBe('pong');

      // Waits past `exp` (a wait, not an assertion on time).
      const exp = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp as number;
      await delay(exp * 1000 - Date.now() + 50);
      const answer = await emitWithAck<GuardRejection>(socket, 'ping');
      expect(answer).toMatchObject({ status: 'error', data: { type: 'UnauthorizedError', code: 'token_expired' } });
      expect(server.log.count('ping')).toBe(1);
      expect(socket.connected).toBe(true);
    });
  });
});
