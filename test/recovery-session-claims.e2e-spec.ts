/**
 * A recovery session belongs to the socket that dropped, once. A second connection that presents the
 * same session id (`auth.pid`, which any client may set) while that socket is connected again gets a
 * fresh socket: it cannot take the socket's id, and with it the socket's place in the namespace, where
 * revocation and room operations find it.
 */
import type { GatewayMetadata } from '@nestjs/websockets';
import type { Server } from 'socket.io';
import type { Socket } from 'socket.io-client';
import { JwtSocketModule, JwtSocketRevoker } from '../lib';
import { guardedGateway } from './fixtures/core/gateways';
import { dropTransport, reconnect } from './fixtures/lifecycle/clients';
import { startApp, type TestApp } from './support/app';
import { connectClient, connected, emitWithAck, nextEvent, refusal } from './support/client';
import { SECRET, signToken } from './support/tokens';

const Gateway = guardedGateway({ connectionStateRecovery: { maxDisconnectionDuration: 60_000 } } as GatewayMetadata);

/** What socket.io-client presents to recover: its session id and the offset of the last packet it got. */
const sessionOf = (socket: Socket) => {
  const internals = socket as unknown as { _pid?: string; _lastOffset?: string };
  return { pid: internals._pid, offset: internals._lastOffset };
};

describe('a recovery session is handed back once, to the socket that dropped', () => {
  let server: TestApp;

  beforeEach(async () => {
    server = await startApp({ jwtModule: JwtSocketModule.forRoot({ secret: SECRET }), gateways: [Gateway] });
  });
  afterEach(() => server.close());

  const io = (): Server => server.app.get(Gateway).server as Server;

  async function carolRecovered(token: string): Promise<Socket> {
    const carol = connectClient(server.url, { auth: { token } });
    const welcome = nextEvent(carol, 'welcome');
    await connected(carol);
    await welcome;
    const serverSocket = io().sockets.sockets.get(carol.id ?? '');
    const gone = new Promise((resolve) => serverSocket?.once('disconnect', resolve));
    await dropTransport(carol);
    await gone;
    expect((await reconnect(carol)).recovered).toBe(true);
    return carol;
  }

  it('a second connection with her session id gets a socket of its own; revocation still finds hers', async () => {
    const token = signToken({ sub: 'carol' });
    const carol = await carolRecovered(token);

    const copy = await connected(connectClient(server.url, { auth: { token, ...sessionOf(carol) } }));
    expect(copy.id).not.toBe(carol.id);
    copy.disconnect();
    await emitWithAck(carol, 'ping');

    expect(io().sockets.sockets.has(carol.id ?? '')).toBe(true);
    const refused = refusal(carol);
    expect(server.app.get(JwtSocketRevoker).revokeSubject('carol')).toBe(1);
    expect((await refused).error.data.code).toBe('token_revoked');
  });

  it('her session, once restored, cannot be restored again by a later connection', async () => {
    const token = signToken({ sub: 'carol' });
    const carol = await carolRecovered(token);
    const claimed = sessionOf(carol);
    const carolId = carol.id;
    const gone = new Promise((resolve) =>
      io()
        .sockets.sockets.get(carol.id ?? '')
        ?.once('disconnect', resolve),
    );
    carol.disconnect();
    await gone;

    // A restored session comes back under its socket id (the client's own `recovered` flag only
    // knows the session id it was given itself).
    const later = await connected(connectClient(server.url, { auth: { token, ...claimed } }));
    expect(later.id).not.toBe(carolId);
  });
});
