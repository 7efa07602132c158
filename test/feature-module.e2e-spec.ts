import { Injectable, Module } from '@nestjs/common';
import { JwtSocketModule, JwtSocketRevoker } from '../lib';
import { guardedGateway } from './fixtures/core/gateways';
import { startApp, type TestApp } from './support/app';
import { connectClient, connected, nextEvent } from './support/client';
import { SECRET, signToken } from './support/tokens';

/** A service of a feature module that locks accounts, as the README's revocation section shows. */
@Injectable()
class AccountLocks {
  constructor(readonly revoker: JwtSocketRevoker) {}

  lock(subject: string): number {
    return this.revoker.revokeSubject(subject);
  }
}

@Module({ providers: [AccountLocks], exports: [AccountLocks] })
class AccountsModule {}

describe('JwtSocketRevoker in a feature module', () => {
  let server: TestApp | undefined;
  afterEach(() => server?.close());

  it('is injectable there with isGlobal: true, and revokes the sockets of the app', async () => {
    server = await startApp({
      jwtModule: JwtSocketModule.forRoot({ secret: SECRET, isGlobal: true }),
      imports: [AccountsModule],
      gateways: [guardedGateway()],
    });
    const socket = await connected(connectClient(server.url, { auth: { token: signToken({ sub: 'alice' }) } }));
    const gone = nextEvent(socket, 'disconnect');
    expect(server.app.get(AccountLocks).lock('alice')).toBe(1);
    expect(await gone).toBe('io server disconnect');
  });

  it('is not injectable there without isGlobal (Nest says so at bootstrap)', async () => {
    await expect(
      startApp({
        jwtModule: JwtSocketModule.forRoot({ secret: SECRET }),
        imports: [AccountsModule],
        gateways: [guardedGateway()],
      }),
    ).rejects.toThrow(/JwtSocketRevoker/);
  });
});
