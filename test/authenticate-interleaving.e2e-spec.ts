/**
 * Two `authenticate` messages that reach the server in one read: the first refused before any
 * await, the second a valid refresh. The first must not answer the second's ack, nor end the second's
 * authentication attempt (which a revocation must still reach while it runs). Over long-polling, what
 * a client emits while a request is in flight leaves together in the next one (`together`).
 */
import type { Socket } from 'socket.io-client';
import { JwtSocketModule, JwtSocketRevoker, RevocationCheck } from '../lib';
import { guardedGateway } from './fixtures/core/gateways';
import { collect } from './fixtures/lifecycle/clients';
import { RacesRevocationCheck } from './fixtures/security/races-held-steps';
import { startApp, type TestApp } from './support/app';
import { connectClient, connected, emitWithAck, nextEvent, roundTrip } from './support/client';
import { SECRET, signToken } from './support/tokens';

type Answer = { status: string; data?: { code: string } };

describe('authenticate messages that arrive together', () => {
  const Gateway = guardedGateway();
  let server: TestApp;

  beforeEach(async () => {
    server = await startApp({
      jwtModule: JwtSocketModule.forRoot({ secret: SECRET, revocationCheck: RacesRevocationCheck }),
      gateways: [Gateway],
    });
  });
  const clients: Socket[] = [];
  afterEach(async () => {
    // A long-polling client closes once its last requests return: before the server goes, not after the test.
    for (const socket of clients.splice(0)) await closedPollingClient(socket);
    await server.close();
  });

  /** Alice over long-polling, so that two emits of one tick travel in one request. */
  async function alice(): Promise<Socket> {
    const token = signToken({ sub: 'alice' }, { jwtid: 'old' });
    const socket = connectClient(server.url, { transports: ['polling'], auth: { token } });
    clients.push(socket);
    return connected(socket);
  }

  function closedPollingClient(socket: Socket): Promise<void> {
    const closed = new Promise<void>((resolve) => socket.io.engine.once('close', () => resolve()));
    socket.disconnect();
    return closed;
  }

  const answerOf = (socket: Socket, payload: unknown): Promise<Answer> =>
    new Promise((resolve) => socket.emit('authenticate', payload, resolve));

  /** Runs `emits` while a `ping` occupies the transport, so that they travel in one request. */
  function together<T>(socket: Socket, emits: () => T): T {
    void socket.emit('ping');
    return emits();
  }

  const claimsOf = async (socket: Socket) => (await emitWithAck<{ claims: { jti?: string } }>(socket, 'whoami')).claims;

  it('a refused payload without an ack, then a valid refresh with one: each is answered for itself', async () => {
    const socket = await alice();
    const unauthorized = collect<Answer>(socket, 'unauthorized');
    const authenticated = nextEvent(socket, 'authenticated');
    const answer = together(socket, () => {
      socket.emit('authenticate', 'not-an-object');
      return answerOf(socket, { token: signToken({ sub: 'alice' }, { jwtid: 'new' }) });
    });

    expect(await answer).toEqual({ status: 'ok' });
    await authenticated;
    expect((await claimsOf(socket)).jti).toBe('new');
    expect(unauthorized.map((each) => each.data?.code)).toEqual(['credentials_bad_format']);
  });

  it('a refused payload with an ack, then a valid refresh without one: the refused one is answered', async () => {
    const socket = await alice();
    const authenticated = nextEvent(socket, 'authenticated');
    const answer = together(socket, () => {
      const refused = answerOf(socket, 'not-an-object');
      socket.emit('authenticate', { token: signToken({ sub: 'alice' }, { jwtid: 'new' }) });
      return refused;
    });

    expect(await answer).toMatchObject({ status: 'error', data: { code: 'credentials_bad_format' } });
    await authenticated;
    expect((await claimsOf(socket)).jti).toBe('new');
  });

  it('a revocation still reaches the valid refresh while its RevocationCheck answers: counted, refused, on the old token', async () => {
    const socket = await alice();
    const held = (server.app.get(RevocationCheck) as RacesRevocationCheck).step.hold();
    const unauthorized = collect<Answer>(socket, 'unauthorized');
    const answer = together(socket, () => {
      socket.emit('authenticate', 'not-an-object');
      return answerOf(socket, { token: signToken({ sub: 'alice' }, { jwtid: 'new' }) });
    });
    await held.entered;

    expect(server.app.get(JwtSocketRevoker).revokeTokenId('new')).toBe(1);
    held.release();
    expect(await answer).toMatchObject({ status: 'error', data: { code: 'token_revoked' } });
    expect((await claimsOf(socket)).jti).toBe('old');
    expect(unauthorized.map((each) => each.data?.code)).toEqual(['credentials_bad_format', 'token_revoked']);
  });

  it('both valid: the second is refused as overlapping, the first is answered ok', async () => {
    const socket = await alice();
    const [first, second] = together(socket, () => [
      answerOf(socket, { token: signToken({ sub: 'alice' }, { jwtid: 'first' }) }),
      answerOf(socket, { token: signToken({ sub: 'alice' }, { jwtid: 'second' }) }),
    ]);
    expect(await second).toMatchObject({ status: 'error', data: { code: 'authentication_in_progress' } });
    expect(await first).toEqual({ status: 'ok' });
    await roundTrip(socket);
    expect((await claimsOf(socket)).jti).toBe('first');
  });
});
