import { Module, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { AddressInfo } from 'node:net';
import { JwtSocketIoAdapter, JwtSocketModule } from '../lib';
import { CallLog, guardedGateway } from './fixtures/core/gateways';
import { CapturingLogger } from './support/app';
import { closeClients, connectClient, connected, emitWithAck } from './support/client';
import { SECRET, signToken } from './support/tokens';

/** The README's setup minus one line: the adapter that authenticates the gateways. */
const Gateway = guardedGateway({}, 'Misused');

let app: INestApplication | undefined;
let logger: CapturingLogger;

beforeEach(() => {
  logger = new CapturingLogger();
});

afterEach(async () => {
  closeClients();
  await app?.close();
  app = undefined;
});

async function bootstrap(
  imports: Array<Type | ReturnType<typeof JwtSocketModule.forRoot>>,
  adapter?: 'io' | 'jwt',
): Promise<string> {
  @Module({ imports, providers: [CallLog, Gateway] })
  class MisusedAppModule {}

  // abortOnError: false makes Nest reject instead of exiting the process.
  app = await NestFactory.create(MisusedAppModule, { logger, abortOnError: false });
  if (adapter === 'io') app.useWebSocketAdapter(new IoAdapter(app));
  if (adapter === 'jwt') app.useWebSocketAdapter(new JwtSocketIoAdapter(app));
  await app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
}

describe('a forgotten JwtSocketIoAdapter', () => {
  it('fails the bootstrap, naming the gateway and the line to add, when the app uses Nest’s default adapter', async () => {
    const failure = await bootstrap([JwtSocketModule.forRoot({ secret: SECRET })]).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain('MisusedGateway');
    expect((failure as Error).message).toContain('app.useWebSocketAdapter(new JwtSocketIoAdapter(app))');
  });

  it('fails the bootstrap when the app installs a plain IoAdapter', async () => {
    await expect(bootstrap([JwtSocketModule.forRoot({ secret: SECRET })], 'io')).rejects.toThrow(
      /not created by JwtSocketIoAdapter/,
    );
  });

  it('boots a standalone application context (no gateway is connected there)', async () => {
    @Module({ imports: [JwtSocketModule.forRoot({ secret: SECRET })], providers: [CallLog, Gateway] })
    class StandaloneModule {}
    const context = await NestFactory.createApplicationContext(StandaloneModule, { logger, abortOnError: false });
    await context.close();
  });

  describe('without the module either, the guard', () => {
    it('refuses every guarded event with authentication_unavailable, not a token code, and logs the cause once', async () => {
      const url = await bootstrap([], 'io');
      const socket = await connected(connectClient(url, { auth: { token: signToken({ sub: 'alice' }) } }));
      const first = await emitWithAck<{ data: { code: string } }>(socket, 'ping');
      const second = await emitWithAck<{ data: { code: string } }>(socket, 'ping');
      expect(first).toMatchObject({ status: 'error', data: { code: 'authentication_unavailable' } });
      expect(second).toMatchObject({ status: 'error', data: { code: 'authentication_unavailable' } });
      expect(app!.get(CallLog).count('ping')).toBe(0);
      const reports = logger.lines.filter((line) => line.includes('was not authenticated by JwtSocketIoAdapter'));
      expect(reports).toHaveLength(1);
      expect(reports[0]).toContain('app.useWebSocketAdapter(new JwtSocketIoAdapter(app))');
    });
  });
});

describe('a forgotten JwtSocketModule.forRoot', () => {
  it('fails the bootstrap with JwtSocketIoAdapter installed, naming forRoot and forRootAsync', async () => {
    const failure = await bootstrap([], 'jwt').catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain('JwtSocketModule.forRoot');
    expect((failure as Error).message).toContain('forRootAsync');
  });
});
