import type { Type } from '@nestjs/common';
import type { Socket } from 'socket.io-client';
import { JwtSocketModule, type JwtSocketModuleOptions } from '../lib';
import { guardedGateway } from './fixtures/core/gateways';
import { InspectorGateway, type HandshakeView, type SocketView } from './fixtures/secrets/gateways';
import { startApp, type TestApp } from './support/app';
import { connectClient, connected, emitWithAck, nextEvent, rejectedCode } from './support/client';
import { SECRET, signToken } from './support/tokens';

describe('handshake mode', () => {
  let server: TestApp;

  beforeEach(async () => {
    server = await startApp({ jwtModule: JwtSocketModule.forRoot({ secret: SECRET }), gateways: [guardedGateway()] });
  });
  afterEach(() => server.close());

  it('accepts a valid token in auth.token and exposes its claims to handlers', async () => {
    const socket = connectClient(server.url, { auth: { token: signToken({ sub: 'alice', role: 'admin' }) } });
    const welcome = nextEvent<{ sub: string }>(socket, 'welcome');
    await connected(socket);
    expect(await welcome).toEqual({ sub: 'alice' });
    const me = await emitWithAck<{ sub: string; claims: { role: string } }>(socket, 'whoami');
    expect(me.sub).toBe('alice');
    expect(me.claims.role).toBe('admin');
  });

  it('rejects a socket without a token with connect_error credentials_required', async () => {
    const socket = connectClient(server.url);
    expect(await rejectedCode(socket)).toBe('credentials_required');
    expect(server.log.connected).toHaveLength(0);
  });
});

interface WhoAmI {
  sub: string;
  claims: Record<string, unknown>;
  tokenLength: number;
  data: Record<string, { sub?: string } | undefined>;
}

/** An app with the guarded fixture gateway and the inspector on the root namespace. */
function startInspectedApp(options: JwtSocketModuleOptions = {}): Promise<TestApp> {
  const gateways: Type[] = [guardedGateway(), InspectorGateway];
  return startApp({ jwtModule: JwtSocketModule.forRoot({ secret: SECRET, ...options }), gateways });
}

function whoami(socket: Socket): Promise<WhoAmI> {
  return emitWithAck<WhoAmI>(socket, 'whoami');
}

describe('handshake token sources and precedence', () => {
  let server: TestApp;

  afterEach(() => server.close());

  describe('with default options', () => {
    beforeEach(async () => {
      server = await startInspectedApp();
    });

    it.each([
      ['raw', (token: string) => token],
      ['"Bearer " prefixed', (token: string) => `Bearer ${token}`],
      ['"bearer " prefixed', (token: string) => `bearer ${token}`],
      ['"BEARER " prefixed', (token: string) => `BEARER ${token}`],
    ])('accepts auth.token %s', async (_label, wrap) => {
      const socket = await connected(connectClient(server.url, { auth: { token: wrap(signToken({ sub: 'alice' })) } }));
      expect((await whoami(socket)).sub).toBe('alice');
    });

    it.each(['Bearer', 'bearer', 'BeArEr'])('accepts an "Authorization: %s <jwt>" header', async (scheme) => {
      const token = signToken({ sub: 'bob' });
      const socket = connectClient(server.url, { extraHeaders: { Authorization: `${scheme} ${token}` } });
      await connected(socket);
      expect((await whoami(socket)).sub).toBe('bob');
    });

    it.each(['Basic dXNlcjpwYXNz', 'Token TOKEN', 'Bearer', 'Bearer a b'])(
      'rejects "Authorization: %s" with credentials_bad_format',
      async (header) => {
        const value = header.replace('TOKEN', signToken());
        const socket = connectClient(server.url, { extraHeaders: { Authorization: value } });
        expect(await rejectedCode(socket)).toBe('credentials_bad_format');
        expect(server.log.connected).toHaveLength(0);
      },
    );

    it('ignores ?token= unless tokenFromQuery is set', async () => {
      const socket = connectClient(server.url, { query: { token: signToken() } });
      expect(await rejectedCode(socket)).toBe('credentials_required');
      expect(server.log.connected).toHaveLength(0);
    });

    it('prefers auth.token over the Authorization header', async () => {
      const socket = connectClient(server.url, {
        auth: { token: signToken({ sub: 'from-auth' }) },
        extraHeaders: { Authorization: `Bearer ${signToken({ sub: 'from-header' })}` },
      });
      await connected(socket);
      expect((await whoami(socket)).sub).toBe('from-auth');
    });

    it('does not fall back to a valid header when auth.token is invalid', async () => {
      const socket = connectClient(server.url, {
        auth: { token: signToken({ sub: 'from-auth' }, {}, 'another-secret') },
        extraHeaders: { Authorization: `Bearer ${signToken({ sub: 'from-header' })}` },
      });
      expect(await rejectedCode(socket)).toBe('invalid_token');
    });

    it('keeps a rejected socket out of handleConnection and out of the namespace', async () => {
      const rejected = connectClient(server.url, {
        auth: { token: signToken({ sub: 'mallory' }, {}, 'wrong-secret') },
      });
      expect(await rejectedCode(rejected)).toBe('invalid_token');

      const accepted = await connected(connectClient(server.url, { auth: { token: signToken({ sub: 'alice' }) } }));
      const news = nextEvent<string>(accepted, 'news');
      const marker = nextEvent(accepted, 'marker');
      expect(await emitWithAck(accepted, 'broadcast', 'hello')).toBe('sent');
      expect(await news).toBe('hello');
      await marker;

      const view = await emitWithAck<SocketView>(accepted, 'socketView', 'unused');
      expect(view.population).toBe(1);
      expect(server.log.connected).toEqual([{ namespace: '/', sub: 'alice' }]);
      expect(server.log.count('broadcast')).toBe(1);
      expect(rejected.connected).toBe(false);
    });
  });

  describe('with tokenFromQuery: true', () => {
    beforeEach(async () => {
      server = await startInspectedApp({ tokenFromQuery: true });
    });

    it('accepts ?token= and removes it from the handshake query and url', async () => {
      const socket = connectClient(server.url, { query: { token: signToken({ sub: 'carol' }), room: 'lobby' } });
      await connected(socket);
      expect((await whoami(socket)).sub).toBe('carol');
      const handshake = await emitWithAck<HandshakeView>(socket, 'handshake');
      expect(handshake.queryToken).toBeNull();
      expect(handshake.url).not.toContain('token=');
      expect(handshake.url).toContain('room=lobby');
    });

    it('still prefers auth.token over ?token=', async () => {
      const socket = connectClient(server.url, {
        auth: { token: signToken({ sub: 'from-auth' }) },
        query: { token: signToken({ sub: 'from-query' }) },
      });
      await connected(socket);
      expect((await whoami(socket)).sub).toBe('from-auth');
    });
  });
});

describe('claims and token on the socket', () => {
  let server: TestApp;

  afterEach(() => server.close());

  it('stores the claims in socket.data.decoded_token and serves the decorators', async () => {
    server = await startInspectedApp();
    const token = signToken({ sub: 'alice', role: 'admin' });
    const socket = await connected(connectClient(server.url, { auth: { token: `Bearer ${token}` } }));
    const me = await whoami(socket);
    expect(me.data.decoded_token).toMatchObject({ sub: 'alice', role: 'admin' });
    expect(me.sub).toBe('alice');
    expect(me.claims).toMatchObject({ sub: 'alice', role: 'admin' });
    expect(me.tokenLength).toBe(token.length);
  });

  it('stores the claims under a custom decodedPropertyName', async () => {
    server = await startInspectedApp({ decodedPropertyName: 'jwt' });
    const socket = await connected(connectClient(server.url, { auth: { token: signToken({ sub: 'alice' }) } }));
    const me = await whoami(socket);
    expect(me.data.jwt).toMatchObject({ sub: 'alice' });
    expect(me.data.decoded_token).toBeUndefined();
    expect(me.sub).toBe('alice');
  });

  it('puts the raw token on the socket object under encodedPropertyName, not in socket.data', async () => {
    server = await startInspectedApp({ encodedPropertyName: 'encoded_token' });
    const token = signToken({ sub: 'alice' });
    const socket = await connected(connectClient(server.url, { auth: { token } }));
    const view = await emitWithAck<SocketView>(socket, 'socketView', 'encoded_token');
    expect(view.onSocket).toBe(token);
    expect(view.dataJson).not.toContain(token);
    expect(view.dataJson).toContain('alice');
  });

  it('leaves no raw token on the socket object when encodedPropertyName is not set', async () => {
    server = await startInspectedApp();
    const socket = await connected(connectClient(server.url, { auth: { token: signToken({ sub: 'alice' }) } }));
    const view = await emitWithAck<SocketView>(socket, 'socketView', 'encoded_token');
    expect(view.onSocket).toBeNull();
  });

  it('strips auth.token from the handshake by default and keeps the other auth fields', async () => {
    server = await startInspectedApp();
    const socket = connectClient(server.url, { auth: { token: signToken(), client: 'web' } });
    await connected(socket);
    const handshake = await emitWithAck<HandshakeView>(socket, 'handshake');
    expect(handshake.auth).toEqual({ client: 'web' });
    expect(handshake.authorization).toBeNull();
  });

  it('strips the Authorization header from the handshake by default', async () => {
    server = await startInspectedApp();
    const socket = connectClient(server.url, { extraHeaders: { Authorization: `Bearer ${signToken()}` } });
    await connected(socket);
    const handshake = await emitWithAck<HandshakeView>(socket, 'handshake');
    expect(handshake.authorization).toBeNull();
  });

  it('keeps the token in the handshake with stripHandshakeToken: false', async () => {
    server = await startInspectedApp({ stripHandshakeToken: false });
    const token = signToken();
    const header = `Bearer ${signToken({ sub: 'bob' })}`;
    const socket = connectClient(server.url, {
      auth: { token, client: 'web' },
      extraHeaders: { Authorization: header },
    });
    await connected(socket);
    const handshake = await emitWithAck<HandshakeView>(socket, 'handshake');
    expect(handshake.auth).toEqual({ token, client: 'web' });
    expect(handshake.authorization).toBe(header);
  });
});
