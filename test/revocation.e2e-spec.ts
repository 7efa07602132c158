import type { Socket } from 'socket.io-client';
import { JwtSocketModule, JwtSocketRevoker, RevocationCheck, type JwtSocketModuleOptions } from '../lib';
import { guardedGateway } from './fixtures/core/gateways';
import { collect } from './fixtures/lifecycle/clients';
import { LifecycleDenylist } from './fixtures/lifecycle/denylist';
import { startApp, type TestApp } from './support/app';
import { connectClient, connected, emitWithAck, nextEvent, refusal, rejectedCode, roundTrip } from './support/client';
import { SECRET, signToken } from './support/tokens';

const tokenRevoked = {
  message: expect.any(String),
  data: { type: 'UnauthorizedError', code: 'token_revoked', message: expect.any(String) },
};

const gateways = [
  guardedGateway({}, 'Root'),
  guardedGateway({ namespace: '/chat' }, 'Chat'),
  guardedGateway({ namespace: /^\/team-\w+$/ }, 'Team'),
];

describe('revocation', () => {
  let server: TestApp;

  async function start(options: Partial<JwtSocketModuleOptions> = {}, revocationCheck?: typeof LifecycleDenylist) {
    server = await startApp({
      jwtModule: JwtSocketModule.forRoot({ secret: SECRET, ...options, revocationCheck }),
      gateways,
    });
  }

  function join(namespace: string, payload: object, options: Parameters<typeof signToken>[1] = {}): Promise<Socket> {
    return connected(connectClient(server.url + namespace, { auth: { token: signToken(payload, options) } }));
  }

  afterEach(() => server.close());

  describe('JwtSocketRevoker', () => {
    let revoker: JwtSocketRevoker;

    beforeEach(async () => {
      await start();
      revoker = server.app.get(JwtSocketRevoker);
    });

    it('revokeSubject disconnects every socket of the subject on root, named and dynamic namespaces', async () => {
      const alice = await Promise.all([
        join('/', { sub: 'alice' }),
        join('/chat', { sub: 'alice' }),
        join('/team-red', { sub: 'alice' }),
      ]);
      const bob = await Promise.all([
        join('/', { sub: 'bob' }),
        join('/chat', { sub: 'bob' }),
        join('/team-red', { sub: 'bob' }),
      ]);
      const refusals = alice.map((socket) => refusal(socket));
      const bobUnauthorized = bob.map((socket) => collect(socket, 'unauthorized'));

      expect(revoker.revokeSubject('alice')).toBe(3);

      for (const { error, order } of await Promise.all(refusals)) {
        expect(error).toEqual(tokenRevoked);
        expect(order).toEqual(['unauthorized', 'disconnect']);
      }
      await Promise.all(bob.map((socket) => roundTrip(socket)));
      expect(bobUnauthorized.flat()).toEqual([]);
      expect(bob.every((socket) => socket.connected)).toBe(true);
    });

    it('revokeTokenId disconnects only the sockets of that jti', async () => {
      const revoked = await Promise.all([
        join('/', { sub: 'alice' }, { jwtid: 'token-1' }),
        join('/team-blue', { sub: 'alice' }, { jwtid: 'token-1' }),
      ]);
      const kept = await join('/', { sub: 'alice' }, { jwtid: 'token-2' });
      const refusals = revoked.map((socket) => refusal(socket));
      const keptUnauthorized = collect(kept, 'unauthorized');

      expect(revoker.revokeTokenId('token-1')).toBe(2);

      for (const { error } of await Promise.all(refusals)) expect(error).toEqual(tokenRevoked);
      expect(await emitWithAck(kept, 'ping')).toBe('pong');
      expect(keptUnauthorized).toEqual([]);
    });

    it('counts nothing for a subject without sockets and leaves the others alone', async () => {
      const bob = await join('/chat', { sub: 'bob' });
      const unauthorized = collect(bob, 'unauthorized');
      expect(revoker.revokeSubject('nobody')).toBe(0);
      await roundTrip(bob);
      expect(unauthorized).toEqual([]);
    });

    it('follows a subject change made by an in-band refresh', async () => {
      await server.close();
      await start({ allowSubjectChange: true });
      revoker = server.app.get(JwtSocketRevoker);
      const socket = await join('/chat', { sub: 'alice' });
      const authenticated = nextEvent(socket, 'authenticated');
      socket.emit('authenticate', { token: signToken({ sub: 'carol' }) });
      await authenticated;

      expect(revoker.revokeSubject('alice')).toBe(0);
      const refused = refusal(socket);
      expect(revoker.revokeSubject('carol')).toBe(1);
      expect((await refused).error).toEqual(tokenRevoked);
    });

    it('reaches a socket authenticated in event mode', async () => {
      await server.close();
      await start({ handshake: false });
      revoker = server.app.get(JwtSocketRevoker);
      const socket = await connected(connectClient(`${server.url}/team-green`));
      const authenticated = nextEvent(socket, 'authenticated');
      socket.emit('authenticate', { token: signToken({ sub: 'alice' }) });
      await authenticated;
      const refused = refusal(socket);
      expect(revoker.revokeSubject('alice')).toBe(1);
      expect((await refused).error).toEqual(tokenRevoked);
    });
  });

  describe('RevocationCheck', () => {
    let denylist: LifecycleDenylist;

    beforeEach(async () => {
      await start({}, LifecycleDenylist);
      denylist = server.app.get(RevocationCheck) as LifecycleDenylist;
    });

    it('refuses a revoked token at connect with token_revoked and keeps serving others', async () => {
      denylist.revokedTokenIds.add('stolen');
      const refused = connectClient(`${server.url}/chat`, {
        auth: { token: signToken({ sub: 'alice' }, { jwtid: 'stolen' }) },
      });
      expect(await rejectedCode(refused)).toBe('token_revoked');
      const next = await join('/chat', { sub: 'alice' }, { jwtid: 'fresh' });
      expect(await emitWithAck(next, 'ping')).toBe('pong');
      expect(denylist.consulted).toEqual(['stolen', 'fresh']);
    });

    it('refuses a revoked token at refresh and keeps the socket on its old token', async () => {
      const socket = await join('/', { sub: 'alice', role: 'reader' }, { jwtid: 'first' });
      denylist.revokedTokenIds.add('second');
      const unauthorized = nextEvent(socket, 'unauthorized');
      socket.emit('authenticate', { token: signToken({ sub: 'alice', role: 'admin' }, { jwtid: 'second' }) });
      expect(await unauthorized).toEqual(tokenRevoked);
      expect((await emitWithAck<{ claims: { role: string } }>(socket, 'whoami')).claims.role).toBe('reader');
    });

    it('refuses a revoked token in event mode', async () => {
      await server.close();
      await start({ handshake: false }, LifecycleDenylist);
      denylist = server.app.get(RevocationCheck) as LifecycleDenylist;
      denylist.revokedTokenIds.add('stolen');
      const socket = await connected(connectClient(server.url));
      const refused = refusal(socket);
      socket.emit('authenticate', { token: signToken({ sub: 'alice' }, { jwtid: 'stolen' }) });
      expect((await refused).error).toEqual(tokenRevoked);
    });

    it('fails closed: a check that throws refuses the token, at connect and at refresh', async () => {
      const socket = await join('/', { sub: 'alice' }, { jwtid: 'before-outage' });
      denylist.unreachable = true;

      const refused = connectClient(server.url, {
        auth: { token: signToken({ sub: 'bob' }, { jwtid: 'during-outage' }) },
      });
      expect(await rejectedCode(refused)).toBe('token_revoked');

      const unauthorized = nextEvent(socket, 'unauthorized');
      socket.emit('authenticate', { token: signToken({ sub: 'alice' }, { jwtid: 'refresh-during-outage' }) });
      expect(await unauthorized).toEqual(tokenRevoked);
      expect(await emitWithAck(socket, 'ping')).toBe('pong');
      expect(server.logger.lines.some((line) => line.includes('RevocationCheck failed'))).toBe(true);
      expect(server.logger.lines.join('\n')).not.toContain(SECRET);
    });
  });
});
