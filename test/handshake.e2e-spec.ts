import { JwtSocketModule } from '../lib';
import { guardedGateway } from './fixtures/gateways';
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
