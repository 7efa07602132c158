import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JwtSocketModule } from '../lib';
import { connectAndAuthenticate } from './fixtures/core/clients';
import {
  CONFIGURED_SECRET,
  FakeConfigModule,
  FakeConfigService,
  FeatureModule,
  JwtSocketOptionsFromConfig,
  TENANT_SECRETS,
  TenantKeyStoreModule,
  TenantSecrets,
} from './fixtures/core/modules';
import { guardedGateway } from './fixtures/core/gateways';
import { CapturingLogger, startApp, type TestApp } from './support/app';
import { connectClient, connected, emitWithAck, refusal, rejectedCode } from './support/client';
import { SECRET, signToken } from './support/tokens';

describe('JwtSocketModule configuration', () => {
  let server: TestApp | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  function connectWith(token: string, namespace = '') {
    return connectClient(server!.url + namespace, { auth: { token } });
  }

  it('forRoot: uses the given secret', async () => {
    server = await startApp({ jwtModule: JwtSocketModule.forRoot({ secret: SECRET }), gateways: [guardedGateway()] });
    const socket = await connected(connectWith(signToken({ sub: 'alice' })));
    expect(await emitWithAck(socket, 'whoami')).toMatchObject({ sub: 'alice' });
    expect(await rejectedCode(connectWith(signToken({ sub: 'alice' }, {}, CONFIGURED_SECRET)))).toBe('invalid_token');
  });

  it('forRootAsync with useFactory: injects a provider of an imported module', async () => {
    server = await startApp({
      jwtModule: JwtSocketModule.forRootAsync({
        imports: [FakeConfigModule],
        inject: [FakeConfigService],
        useFactory: (config: FakeConfigService) => ({ secret: config.get('JWT_SECRET') }),
      }),
      gateways: [guardedGateway()],
    });
    const socket = await connected(connectWith(signToken({ sub: 'alice' }, {}, CONFIGURED_SECRET)));
    expect(await emitWithAck(socket, 'whoami')).toMatchObject({ sub: 'alice' });
    expect(await rejectedCode(connectWith(signToken({ sub: 'alice' }, {}, SECRET)))).toBe('invalid_token');
  });

  it('forRootAsync with useClass: calls createJwtSocketOptions()', async () => {
    server = await startApp({
      jwtModule: JwtSocketModule.forRootAsync({ imports: [FakeConfigModule], useClass: JwtSocketOptionsFromConfig }),
      gateways: [guardedGateway()],
    });
    // The class asked for event mode: connecting without a token works, `authenticate` does the rest.
    const socket = await connectAndAuthenticate(server.url, signToken({ sub: 'alice' }, {}, CONFIGURED_SECRET));
    expect(await emitWithAck(socket, 'whoami')).toMatchObject({ sub: 'alice' });
    const refused = await connected(connectClient(server.url));
    const refusedOutcome = refusal(refused);
    refused.emit('authenticate', { token: signToken({ sub: 'alice' }, {}, SECRET) });
    expect((await refusedOutcome).error.data.code).toBe('invalid_token');
  });

  describe('isGlobal', () => {
    it("lets a feature module's gateway use the guard and inject the revoker without importing the module", async () => {
      server = await startApp({
        jwtModule: JwtSocketModule.forRoot({ secret: SECRET, isGlobal: true }),
        gateways: [],
        imports: [FeatureModule],
      });
      const alice = await connected(connectWith(signToken({ sub: 'alice' }), '/feature'));
      const bob = await connected(connectWith(signToken({ sub: 'bob' }), '/feature'));
      expect(await emitWithAck(alice, 'me')).toBe('alice');
      const aliceRevoked = refusal(alice);
      expect(await emitWithAck(bob, 'kick', 'alice')).toBe(1);
      expect((await aliceRevoked).error.data.code).toBe('token_revoked');
      expect(await emitWithAck(bob, 'me')).toBe('bob');
    });

    it('without isGlobal, the same feature module cannot resolve the revoker', async () => {
      @Module({ imports: [JwtSocketModule.forRoot({ secret: SECRET }), FeatureModule] })
      class NotGlobalAppModule {}
      const logger = new CapturingLogger();
      await expect(NestFactory.create(NotGlobalAppModule, { logger, abortOnError: false })).rejects.toThrow(
        /JwtSocketRevoker/,
      );
    });
  });

  it('forRootAsync with secretProvider: the provider injects a dependency from `imports`', async () => {
    server = await startApp({
      jwtModule: JwtSocketModule.forRootAsync({
        imports: [TenantKeyStoreModule],
        useFactory: () => ({}),
        secretProvider: TenantSecrets,
      }),
      gateways: [guardedGateway()],
    });
    const acme = await connected(connectWith(signToken({ sub: 'alice', tenant: 'acme' }, {}, TENANT_SECRETS.acme)));
    expect(await emitWithAck(acme, 'whoami')).toMatchObject({ sub: 'alice', claims: { tenant: 'acme' } });
    const globex = await connected(connectWith(signToken({ sub: 'bob', tenant: 'globex' }, {}, TENANT_SECRETS.globex)));
    expect(await emitWithAck(globex, 'whoami')).toMatchObject({ sub: 'bob' });
    const crossTenant = signToken({ sub: 'mallory', tenant: 'globex' }, {}, TENANT_SECRETS.acme);
    expect(await rejectedCode(connectWith(crossTenant))).toBe('invalid_token');
    const unknownTenant = signToken({ sub: 'mallory', tenant: 'initech' }, {}, TENANT_SECRETS.acme);
    expect(await rejectedCode(connectWith(unknownTenant))).toBe('secret_unavailable');
  });
});
