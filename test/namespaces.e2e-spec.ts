import type { Socket } from 'socket.io-client';
import { JwtSocketModule, type AuthenticatedContext } from '../lib';
import { authenticate, BOTH_MODES, recordEvents, type AuthMode } from './fixtures/core/clients';
import { guardedGateway } from './fixtures/core/gateways';
import { startApp, type TestApp } from './support/app';
import { connectClient, connected, emitWithAck, refusal, rejectedCode } from './support/client';
import { SECRET, signToken } from './support/tokens';

const OTHER_PATH = '/other-io';

/** Every namespace shape Nest can give a gateway, in one app. */
const GATEWAYS = [
  guardedGateway({}, 'Root'),
  guardedGateway({ namespace: '/chat' }, 'Chat'),
  guardedGateway({ namespace: /^\/tenant-\w+$/ }, 'Tenant'),
  guardedGateway({ namespace: '/shared' }, 'SharedFirst'),
  guardedGateway({ namespace: '/shared' }, 'SharedSecond'),
  guardedGateway({ path: OTHER_PATH }, 'OtherPath'),
];

describe.each(BOTH_MODES)('namespaces in $name mode', (mode: AuthMode) => {
  let server: TestApp;
  /** Namespaces the onAuthenticated hook ran for: once per socket if the namespace is protected once. */
  let hookCalls: string[];

  async function start(gateways = GATEWAYS, timeout?: number): Promise<void> {
    hookCalls = [];
    const onAuthenticated = ({ socket }: AuthenticatedContext) => {
      hookCalls.push(socket.nsp.name);
      return true;
    };
    server = await startApp({
      jwtModule: JwtSocketModule.forRoot({ secret: SECRET, handshake: mode.handshake, onAuthenticated, timeout }),
      gateways,
    });
  }

  afterEach(async () => {
    const errors = server.logger.lines.filter((line) => line.startsWith('error'));
    await server.close();
    expect(errors).toEqual([]);
  });

  /** Refused without a token, before any gateway sees the socket or any handler runs. */
  async function expectRefusedWithoutToken(namespace: string, options: object = {}): Promise<void> {
    const url = server.url + namespace;
    if (mode.handshake) {
      expect(await rejectedCode(connectClient(url, options))).toBe('credentials_required');
    } else {
      const socket = await connected(connectClient(url, options));
      const refused = refusal(socket);
      socket.emit('ping');
      socket.emit('authenticate', {});
      expect((await refused).error.data.code).toBe('credentials_required');
    }
    expect(server.log.count('ping')).toBe(0);
    expect(server.log.connected).toEqual([]);
    expect(hookCalls).toEqual([]);
  }

  /** An authenticated socket on `namespace`, recording `unauthorized` and `welcome` from the start. */
  async function open(namespace: string, options: object = {}): Promise<{ socket: Socket; received: string[] }> {
    const token = signToken({ sub: 'alice' });
    const auth = mode.handshake ? { token } : {};
    const socket = connectClient(server.url + namespace, { ...options, auth, autoConnect: false });
    const received = recordEvents(socket, ['unauthorized', 'welcome']);
    socket.connect();
    await connected(socket);
    if (!mode.handshake) await authenticate(socket, { token });
    return { socket, received };
  }

  describe('an app with gateways on every kind of namespace', () => {
    beforeEach(() => start());

    it.each([
      { label: 'the root namespace', namespace: '' },
      { label: 'a named namespace', namespace: '/chat' },
      { label: 'a child of a RegExp namespace', namespace: '/tenant-acme' },
      { label: 'a namespace with two gateways', namespace: '/shared' },
    ])('refuses $label without a token', async ({ namespace }) => {
      await expectRefusedWithoutToken(namespace);
    });

    it('refuses the root namespace of a gateway on its own path without a token', async () => {
      await expectRefusedWithoutToken('', { path: OTHER_PATH });
    });

    it.each([
      { label: 'the root namespace', namespace: '', expected: '/' },
      { label: 'a named namespace', namespace: '/chat', expected: '/chat' },
      { label: 'a child of a RegExp namespace', namespace: '/tenant-acme', expected: '/tenant-acme' },
    ])('serves $label with a valid token, authenticating it once', async ({ namespace, expected }) => {
      const { socket, received } = await open(namespace);
      expect(await emitWithAck(socket, 'ping')).toBe('pong');
      expect(await emitWithAck(socket, 'whoami')).toMatchObject({ sub: 'alice' });
      expect(server.log.connected).toEqual([{ namespace: expected, sub: 'alice' }]);
      expect(hookCalls).toEqual([expected]);
      expect(received).toEqual(['welcome']);
    });

    it('serves a gateway on its own path on the same port', async () => {
      const { socket, received } = await open('', { path: OTHER_PATH });
      expect(await emitWithAck(socket, 'whoami')).toMatchObject({ sub: 'alice' });
      expect(server.log.connected).toEqual([{ namespace: '/', sub: 'alice' }]);
      expect(received).toEqual(['welcome']);
    });

    it('authenticates once on a namespace shared by two gateways, and runs each handleConnection once', async () => {
      const { socket, received } = await open('/shared');
      await emitWithAck(socket, 'whoami');
      expect(hookCalls).toEqual(['/shared']);
      expect(server.log.connected).toEqual([
        { namespace: '/shared', sub: 'alice' },
        { namespace: '/shared', sub: 'alice' },
      ]);
      expect(received).toEqual(['welcome', 'welcome']);
    });
  });

  describe('a server whose only gateway is on /chat', () => {
    beforeEach(() => start([guardedGateway({ namespace: '/chat' }, 'OnlyChat')], 300));

    it('still protects its root namespace', async () => {
      if (mode.handshake) {
        expect(await rejectedCode(connectClient(server.url))).toBe('credentials_required');
      } else {
        // Nobody sends `authenticate` on `/`: the socket is refused when the timeout fires.
        const socket = connectClient(server.url);
        const refused = refusal(socket);
        await connected(socket);
        expect((await refused).error.data.code).toBe('authentication_timeout');
      }
      const socket = await mode.open(`${server.url}/chat`, signToken({ sub: 'alice' }));
      expect(await emitWithAck(socket, 'ping')).toBe('pong');
    });
  });
});
