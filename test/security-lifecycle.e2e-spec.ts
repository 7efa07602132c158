/**
 * Regression tests for issue 9 (socket state over time): holes 4, 5, 6, 7, 8, 10, 11 and 12, and the
 * "two promises no test holds today" (algorithm pinning within a key family, a RevocationCheck that
 * hangs). Each `describe` names its hole; every test runs real Nest apps and real socket.io clients
 * and asserts only what a client or the application observes.
 */
import type { GatewayMetadata } from '@nestjs/websockets';
import { decode, type JwtPayload } from 'jsonwebtoken';
import { randomBytes } from 'node:crypto';
import { Namespace, type Server } from 'socket.io';
import type { Socket } from 'socket.io-client';
import { JwtSocketModule, JwtSocketRevoker, RevocationCheck, type JwtSocketModuleOptions } from '../lib';
import { authenticateSocket, isUnauthorizedError } from '../lib/client';
import { authenticate, BOTH_MODES, connectAndAuthenticate, type AuthMode } from './fixtures/core/clients';
import { guardedGateway } from './fixtures/core/gateways';
import { generateKeyPair, signWith } from './fixtures/core/key-pairs';
import { LOBBY, ROOM_JOINING_GATEWAYS } from './fixtures/security/lifecycle-gateways';
import { HangingRevocationCheck, secretProviderAnswering } from './fixtures/security/lifecycle-providers';
import { collect, dropTransport, reconnect, waitUntilPast } from './fixtures/lifecycle/clients';
import { startApp, type TestApp, type TestAppOptions } from './support/app';
import {
  connectClient,
  connected,
  delay,
  emitWithAck,
  nextEvent,
  refusal,
  rejectedCode,
  type UnauthorizedLike,
} from './support/client';
import { startJwksServer, type JwksServer } from './support/jwks-server';
import { SECRET, signToken } from './support/tokens';

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

const refusedWith = (code: string) => ({
  message: expect.any(String),
  data: { type: 'UnauthorizedError', code, message: expect.any(String) },
});

/** How the library answers an ack it refuses (guard, hidden or closing socket, `authenticate`). */
const errorAnswer = (code: string) => ({ status: 'error', ...refusedWith(code) });

/** Signed with a secret the server does not know: refused with invalid_token. */
const forged = (payload: object = { sub: 'alice' }) =>
  signToken(payload, {}, 'another-secret-that-signed-nothing-on-this-server');

/** A gateway with the usual handlers: ping, whoami, broadcast, room, toRoom (see fixtures/gateways.ts). */
const Guarded = guardedGateway({}, 'Lifecycle2');

let server: TestApp | undefined;

async function start(options: Omit<TestAppOptions, 'gateways'> & { gateways?: TestAppOptions['gateways'] }) {
  server = await startApp({ gateways: [Guarded], ...options });
  return server;
}

function app(): TestApp {
  if (!server) throw new Error('no app started');
  return server;
}

afterEach(async () => {
  const errors = server?.logger.lines.filter((line) => line.startsWith('error')) ?? [];
  await server?.close();
  server = undefined;
  // No test here should make the library log an unexpected failure.
  expect(errors).toEqual([]);
});

/** `iat` of a token, in whole seconds. */
function iatOf(token: string): number {
  const { iat } = decode(token) as JwtPayload;
  if (typeof iat !== 'number') throw new Error('token has no iat');
  return iat;
}

/**
 * `promise`, or `fallback` once `ms` have passed. Used where the library must act by a deadline,
 * so a library that never acts fails with a readable value instead of at Jest's timeout.
 */
function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

const msUntil = (epochMs: number) => Math.max(0, epochMs - Date.now());

/** The next `unauthorized`, with the ack the server asked for (when `callback` is set). Not acked. */
function nextUnauthorized(socket: Socket): Promise<{ error: UnauthorizedLike; ack?: unknown }> {
  return new Promise((resolve) =>
    socket.once('unauthorized', (error: UnauthorizedLike, ack?: unknown) => resolve({ error, ack })),
  );
}

/**
 * Sends `authenticate` with an ack and resolves with the ack's answer, or with `'authenticated'`
 * if the server answered with the event instead (what a library without the ack did).
 */
function answerToAuthenticate(socket: Socket, token: string): Promise<unknown> {
  return new Promise((resolve) => {
    const onAuthenticated = () => resolve('authenticated');
    socket.once('authenticated', onAuthenticated);
    socket.timeout(5000).emit('authenticate', { token }, (error: Error | null, answer: unknown) => {
      socket.off('authenticated', onAuthenticated);
      resolve(error ? `no answer (${error.message})` : answer);
    });
  });
}

/**
 * Has `sender` broadcast server-wide (`broadcast`) and to `room` (`toRoom`); each handler then
 * emits `marker` straight to every socket, so once `receiver` has its marker, any broadcast that
 * was going to reach it has arrived. Returns the `news` the receiver got.
 */
async function broadcastsReceived(receiver: Socket, sender: Socket, room: string): Promise<string[]> {
  const news = collect<string>(receiver, 'news');
  const firstMarker = nextEvent(receiver, 'marker');
  expect(await emitWithAck(sender, 'broadcast', 'to everyone')).toBe('sent');
  await firstMarker;
  const secondMarker = nextEvent(receiver, 'marker');
  expect(await emitWithAck(sender, 'toRoom', { room, text: `to ${room}` })).toBe('sent');
  await secondMarker;
  return news;
}

// ---------------------------------------------------------------------------------------------
// Hole 4: maxAge on open sockets
// ---------------------------------------------------------------------------------------------

describe.each(BOTH_MODES)('hole 4: maxAge is enforced on open sockets ($name mode)', (mode: AuthMode) => {
  const MAX_AGE = 2;
  /** Issued now, valid for an hour: only `maxAge` can end it within seconds. */
  const longLived = () => signToken({ sub: 'alice' }, { expiresIn: '1h' });
  /** Epoch ms at which `iat + maxAge (+ tolerance)` is reached. */
  const ageLimitOf = (token: string, tolerance = 0) => (iatOf(token) + MAX_AGE + tolerance) * 1000;

  const startWith = (options: Partial<JwtSocketModuleOptions>) =>
    start({
      jwtModule: JwtSocketModule.forRoot({ secret: SECRET, handshake: mode.handshake, maxAge: MAX_AGE, ...options }),
    });

  it('sends unauthorized token_expired and disconnects once iat + maxAge has passed, though exp is an hour away', async () => {
    await startWith({});
    const token = longLived();
    const socket = await mode.open(app().url, token);
    const refused = refusal(socket);
    expect(await emitWithAck(socket, 'ping')).toBe('pong');

    const outcome = await within(refused, msUntil(ageLimitOf(token)) + 3000, 'still connected');
    expect(outcome).toMatchObject({ error: refusedWith('token_expired'), order: ['unauthorized', 'disconnect'] });
  });

  it("with expiredTokenAction 'reject-events', the guard refuses events with token_expired after iat + maxAge", async () => {
    await startWith({ expiredTokenAction: 'reject-events' });
    const token = longLived();
    const socket = await mode.open(app().url, token);
    const unauthorized = collect(socket, 'unauthorized');
    expect(await emitWithAck(socket, 'ping')).toBe('pong');

    await waitUntilPast(ageLimitOf(token));
    // Caught: on a library that lets the event through, it would reject at shutdown instead.
    const exception = nextEvent(socket, 'exception').catch((error: Error) => error.message);
    expect(await emitWithAck(socket, 'ping')).toEqual(errorAnswer('token_expired'));
    expect(await exception).toEqual(errorAnswer('token_expired'));
    expect(app().log.count('ping')).toBe(1);
    expect(unauthorized).toEqual([]);
    expect(socket.connected).toBe(true);
  });

  it('clockTolerance extends the maxAge deadline of the expiry timer', async () => {
    await startWith({ clockTolerance: 2 });
    const token = longLived();
    const socket = await mode.open(app().url, token);
    const refused = refusal(socket);

    // Past iat + maxAge, within the tolerance: still served.
    await waitUntilPast(ageLimitOf(token), 100);
    expect(await emitWithAck(socket, 'ping')).toBe('pong');
    const outcome = await within(refused, msUntil(ageLimitOf(token, 2)) + 3000, 'still connected');
    expect(outcome).toMatchObject({ error: refusedWith('token_expired') });
  });

  it('clockTolerance extends the maxAge deadline of the guard', async () => {
    await startWith({ clockTolerance: 2, expiredTokenAction: 'reject-events' });
    const token = longLived();
    const socket = await mode.open(app().url, token);

    await waitUntilPast(ageLimitOf(token), 100);
    expect(await emitWithAck(socket, 'ping')).toBe('pong');
    await waitUntilPast(ageLimitOf(token, 2));
    expect(await emitWithAck(socket, 'ping')).toEqual(errorAnswer('token_expired'));
    expect(app().log.count('ping')).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// Hole 5: every successful authentication replaces socket.data.user
// ---------------------------------------------------------------------------------------------

describe.each(BOTH_MODES)('hole 5: every authentication replaces the hook user ($name mode)', (mode: AuthMode) => {
  interface WhoAmI {
    sub: string;
    data: { decoded_token: { sub: string }; user?: unknown };
  }

  /** What the onAuthenticated hook answers for each subject; tests change it between steps. */
  let userOf: Record<string, unknown>;

  beforeEach(async () => {
    userOf = {};
    await start({
      jwtModule: JwtSocketModule.forRoot({
        secret: SECRET,
        handshake: mode.handshake,
        allowSubjectChange: true,
        onAuthenticated: ({ decoded }) => userOf[decoded.sub as string],
      }),
    });
  });

  const whoami = (socket: Socket) => emitWithAck<WhoAmI>(socket, 'whoami');

  it.each([
    ['undefined', undefined],
    ['true', true],
  ])('a refresh from alice to bob whose hook returns %s leaves no user in socket.data', async (_label, answer) => {
    userOf = { alice: { name: 'alice-user' }, bob: answer };
    const socket = await mode.open(app().url, signToken({ sub: 'alice' }));
    expect((await whoami(socket)).data.user).toEqual({ name: 'alice-user' });

    await authenticate(socket, { token: signToken({ sub: 'bob' }) });
    const me = await whoami(socket);
    expect(me.sub).toBe('bob');
    expect(me.data.decoded_token.sub).toBe('bob');
    // Alice's user must not survive into Bob's session.
    expect(me.data).not.toHaveProperty('user');
  });

  it('a same-subject refresh whose hook returns a new user replaces it', async () => {
    userOf = { alice: { name: 'alice-user', role: 'reader' } };
    const socket = await mode.open(app().url, signToken({ sub: 'alice' }));
    expect((await whoami(socket)).data.user).toEqual({ name: 'alice-user', role: 'reader' });

    userOf = { alice: { name: 'alice-user', role: 'editor' } };
    await authenticate(socket, { token: signToken({ sub: 'alice' }) });
    expect((await whoami(socket)).data.user).toEqual({ name: 'alice-user', role: 'editor' });
  });

  it('a same-subject refresh whose hook now returns undefined removes the user', async () => {
    userOf = { alice: { name: 'alice-user' } };
    const socket = await mode.open(app().url, signToken({ sub: 'alice' }));
    expect((await whoami(socket)).data.user).toEqual({ name: 'alice-user' });

    userOf = {};
    await authenticate(socket, { token: signToken({ sub: 'alice' }) });
    expect((await whoami(socket)).data).not.toHaveProperty('user');
  });
});

// ---------------------------------------------------------------------------------------------
// Hole 6: a closing socket cannot win access back while its `unauthorized` ack is pending
// ---------------------------------------------------------------------------------------------

describe.each(BOTH_MODES)('hole 6: a socket being refused stays refused ($name mode)', (mode: AuthMode) => {
  /** The server waits this long for the client's ack of `unauthorized`: the socket lingers, closing. */
  const CALLBACK = 60_000;
  const ROOM = 'lobby';

  const startWith = (options: Partial<JwtSocketModuleOptions> = {}) =>
    start({
      jwtModule: JwtSocketModule.forRoot({ secret: SECRET, handshake: mode.handshake, callback: CALLBACK, ...options }),
    });

  /** Alice (in ROOM, reached by its broadcasts: the control) and Bob, who broadcasts. */
  async function aliceAndBob(aliceToken: string): Promise<{ alice: Socket; bob: Socket }> {
    const bob = await mode.open(app().url, signToken({ sub: 'bob' }));
    const alice = await mode.open(app().url, aliceToken);
    expect(await emitWithAck(alice, 'room', ROOM)).toBe('joined');
    expect(await broadcastsReceived(alice, bob, ROOM)).toEqual(['to everyone', `to ${ROOM}`]);
    return { alice, bob };
  }

  /** Waits for the refusal, which asks for an ack that the client never sends. */
  async function refusedWithoutAck(socket: Socket, unauthorized: ReturnType<typeof nextUnauthorized>, code: string) {
    const { error, ack } = await unauthorized;
    expect(error).toEqual(refusedWith(code));
    expect(typeof ack).toBe('function');
  }

  /**
   * While the server waits for its ack, Alice sends `authenticate` with `token` (without and with
   * an ack), a guarded `ping`, and Bob broadcasts: nothing gives her access back.
   */
  async function expectLockedOut(alice: Socket, bob: Socket, token: string, code: string): Promise<void> {
    const authenticated = collect(alice, 'authenticated');
    const pings = app().log.count('ping');

    alice.emit('authenticate', { token });
    expect(await answerToAuthenticate(alice, token)).toEqual(errorAnswer(code));
    expect(await emitWithAck(alice, 'ping')).toEqual(errorAnswer(code));
    expect(app().log.count('ping')).toBe(pings);
    expect(await broadcastsReceived(alice, bob, ROOM)).toEqual([]);
    expect(authenticated).toEqual([]);
    // The premise: she was still connected throughout, waiting to be disconnected.
    expect(alice.connected).toBe(true);
  }

  it('after revokeSubject, re-sending the revoked (still validly signed) token gets nothing back', async () => {
    await startWith();
    const token = signToken({ sub: 'alice' });
    const { alice, bob } = await aliceAndBob(token);
    const unauthorized = nextUnauthorized(alice);

    expect(app().app.get(JwtSocketRevoker).revokeSubject('alice')).toBe(1);
    await refusedWithoutAck(alice, unauthorized, 'token_revoked');
    await expectLockedOut(alice, bob, token, 'token_revoked');
  });

  it('after expiry, a fresh valid token gets nothing back', async () => {
    await startWith();
    const { alice, bob } = await aliceAndBob(signToken({ sub: 'alice' }, { expiresIn: 2 }));
    const unauthorized = nextUnauthorized(alice);

    await refusedWithoutAck(alice, unauthorized, 'token_expired');
    await expectLockedOut(alice, bob, signToken({ sub: 'alice' }, { expiresIn: '1h' }), 'token_expired');
  });

  it('after a refused refresh with disconnectOnRefreshFailure, a valid token gets nothing back', async () => {
    await startWith({ disconnectOnRefreshFailure: true });
    const token = signToken({ sub: 'alice' });
    const { alice, bob } = await aliceAndBob(token);
    const unauthorized = nextUnauthorized(alice);

    alice.emit('authenticate', { token: forged() });
    await refusedWithoutAck(alice, unauthorized, 'invalid_token');
    await expectLockedOut(alice, bob, token, 'invalid_token');
  });
});

// ---------------------------------------------------------------------------------------------
// Hole 7: event mode, app code that joins an unauthenticated socket to a room
// ---------------------------------------------------------------------------------------------

describe.each(ROOM_JOINING_GATEWAYS)('hole 7: event mode, a socket joined to a room by %s', (_label, JoinGateway) => {
  beforeEach(() =>
    start({
      // callback: a refused socket lingers (waiting for its ack), so we can look at it while it closes.
      jwtModule: JwtSocketModule.forRoot({ secret: SECRET, handshake: false, callback: 60_000 }),
      gateways: [JoinGateway, Guarded],
    }),
  );

  const io = (): Server => app().app.get(JoinGateway).server;
  /** Ids `fetchSockets()` lists, server-wide or in `room`. */
  const listed = async (room?: string) => (await (room ? io().in(room) : io()).fetchSockets()).map(({ id }) => id);

  it('is invisible before it authenticates, and in the room once it has', async () => {
    const bob = await connectAndAuthenticate(app().url, signToken({ sub: 'bob' }));
    const alice = await connected(connectClient(app().url));

    expect(await broadcastsReceived(alice, bob, LOBBY)).toEqual([]);
    expect(await listed()).not.toContain(alice.id);
    expect(await listed(LOBBY)).not.toContain(alice.id);
    // Control: Bob was joined the same way, and is listed once authenticated.
    expect(await listed(LOBBY)).toContain(bob.id);

    await authenticate(alice, { token: signToken({ sub: 'alice' }) });
    expect(await listed()).toContain(alice.id);
    expect(await listed(LOBBY)).toContain(alice.id);
    expect(await broadcastsReceived(alice, bob, LOBBY)).toEqual(['to everyone', `to ${LOBBY}`]);
  });

  it('a refused socket is never listed nor reached, even when app code joins it to the room again', async () => {
    const bob = await connectAndAuthenticate(app().url, signToken({ sub: 'bob' }));
    const carol = await connected(connectClient(app().url));
    const unauthorized = nextUnauthorized(carol);

    carol.emit('authenticate', { token: forged({ sub: 'carol' }) });
    expect((await unauthorized).error).toEqual(refusedWith('invalid_token'));
    // Application code holding the socket (a presence service, say) joins it while it waits to be disconnected.
    const serverSocket = io().sockets.sockets.get(carol.id ?? '');
    expect(serverSocket).toBeDefined();
    void serverSocket?.join(LOBBY);

    expect(await broadcastsReceived(carol, bob, LOBBY)).toEqual([]);
    expect(await listed()).not.toContain(carol.id);
    expect(await listed(LOBBY)).not.toContain(carol.id);
    expect(carol.connected).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Hole 8: empty claim requirements and bad maxAge fail the bootstrap (unit cases: the resolver spec)
// ---------------------------------------------------------------------------------------------

describe('hole 8: a claim requirement that would check nothing fails the bootstrap', () => {
  it.each<[string, Partial<JwtSocketModuleOptions>, RegExp]>([
    ["audience: ''", { audience: '' }, /`audience`/],
    ['issuer: []', { issuer: [] }, /`issuer`/],
    ["subject: ''", { subject: '' }, /`subject`/],
    ["maxAge: 'soon'", { maxAge: 'soon' }, /`maxAge`/],
  ])('startApp rejects %s, naming the option', async (_label, options, message) => {
    const outcome = await startApp({
      jwtModule: JwtSocketModule.forRoot({ secret: SECRET, ...options }),
      gateways: [Guarded],
    }).then(
      (started) => {
        server = started; // A library that boots anyway is closed by afterEach.
        return 'started';
      },
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toMatch(message);
  });

  it("starts with maxAge: '2h' (control)", async () => {
    await start({ jwtModule: JwtSocketModule.forRoot({ secret: SECRET, maxAge: '2h' }) });
    const socket = await connected(connectClient(app().url, { auth: { token: signToken({ sub: 'alice' }) } }));
    expect(await emitWithAck(socket, 'ping')).toBe('pong');
  });
});

// ---------------------------------------------------------------------------------------------
// Hole 10: refused handshakes on a RegExp namespace leave no child namespace behind
// ---------------------------------------------------------------------------------------------

describe('hole 10: refused clients leave no child namespace behind', () => {
  const ROOMS = /^\/room-\w+$/;
  const RoomGateway = guardedGateway({ namespace: ROOMS }, 'Room');
  /** The app chose socket.io's own default explicitly: the adapter must not override it. */
  const KeepingRoomGateway = guardedGateway(
    { namespace: ROOMS, cleanupEmptyChildNamespaces: false } as GatewayMetadata,
    'KeepingRoom',
  );

  /** The socket.io server behind a RegExp gateway (its `@WebSocketServer()` is the parent namespace). */
  const ioServerOf = (gateway: typeof RoomGateway) => {
    const handle = (app().app.get(gateway) as { server: Namespace | Server }).server;
    // Duck-typed: under Nest 11 the server comes from that version's own copy of socket.io.
    const server = '_nsps' in handle ? handle : (handle as Namespace).server;
    return server as Server & { _nsps: Map<string, Namespace> };
  };
  const randomChild = () => `/room-${randomBytes(8).toString('hex')}`;

  it('50 refused handshakes to distinct random children leave the namespaces as they were', async () => {
    await start({ jwtModule: JwtSocketModule.forRoot({ secret: SECRET }), gateways: [RoomGateway] });
    const io = ioServerOf(RoomGateway);
    // Control: a served child is visible in the server's namespaces while its socket is connected.
    await connected(connectClient(`${app().url}/room-kept`, { auth: { token: signToken({ sub: 'alice' }) } }));
    expect(io._nsps.has('/room-kept')).toBe(true);
    const before = [...io._nsps.keys()].sort();

    const children = Array.from({ length: 50 }, randomChild);
    const codes = await Promise.all(children.map((child) => rejectedCode(connectClient(app().url + child))));
    expect(new Set(codes)).toEqual(new Set(['credentials_required']));
    expect(children.filter((child) => io._nsps.has(child))).toEqual([]);
    expect([...io._nsps.keys()].sort()).toEqual(before);
  });

  it('refused authentications in event mode leave none either', async () => {
    await start({
      jwtModule: JwtSocketModule.forRoot({ secret: SECRET, handshake: false }),
      gateways: [RoomGateway],
    });
    const io = ioServerOf(RoomGateway);
    const before = io._nsps.size;

    const children = Array.from({ length: 10 }, randomChild);
    await Promise.all(
      children.map(async (child) => {
        const socket = await connected(connectClient(app().url + child));
        const refused = refusal(socket);
        socket.emit('authenticate', { token: 'garbage' });
        expect((await refused).error).toEqual(refusedWith('malformed_token'));
      }),
    );
    expect(children.filter((child) => io._nsps.has(child))).toEqual([]);
    expect(io._nsps.size).toBe(before);
  });

  it('keeps the children of a gateway that set cleanupEmptyChildNamespaces: false itself', async () => {
    await start({ jwtModule: JwtSocketModule.forRoot({ secret: SECRET }), gateways: [KeepingRoomGateway] });
    const io = ioServerOf(KeepingRoomGateway);

    const children = Array.from({ length: 5 }, randomChild);
    for (const child of children)
      expect(await rejectedCode(connectClient(app().url + child))).toBe('credentials_required');
    expect(children.filter((child) => io._nsps.has(child))).toEqual(children);
  });
});

// ---------------------------------------------------------------------------------------------
// Hole 11: the event-mode timeout does not fire on an authenticate still being verified
// ---------------------------------------------------------------------------------------------

describe('hole 11: event-mode timeout (500 ms) with a key lookup of 400 ms', () => {
  const TIMEOUT = 500;
  const SlowKeys = secretProviderAnswering(() => SECRET, 400);

  const startWith = (options: Partial<JwtSocketModuleOptions> = {}) =>
    start({
      jwtModule: JwtSocketModule.forRoot({ handshake: false, timeout: TIMEOUT, secretProvider: SlowKeys, ...options }),
    });

  it('accepts a token sent at about 250 ms, whose verification ends after the timeout', async () => {
    await startWith();
    const socket = await connected(connectClient(app().url));
    const unauthorized = collect(socket, 'unauthorized');
    await delay(TIMEOUT / 2);

    await authenticate(socket, { token: signToken({ sub: 'alice' }) });
    expect(await emitWithAck(socket, 'ping')).toBe('pong');
    expect(unauthorized).toEqual([]);
  });

  it('still refuses a client that sends nothing with authentication_timeout', async () => {
    await startWith();
    const socket = await connected(connectClient(app().url));
    const { error, order } = await refusal(socket);
    expect(error).toEqual(refusedWith('authentication_timeout'));
    expect(order).toEqual(['unauthorized', 'disconnect']);
  });

  it('the verification it waits for is still bounded by secretTimeout (secret_unavailable)', async () => {
    await startWith({ secretTimeout: 300 });
    const socket = await connected(connectClient(app().url));
    await delay(TIMEOUT / 2);
    const refused = refusal(socket);
    socket.emit('authenticate', { token: signToken({ sub: 'alice' }) });
    expect((await refused).error).toEqual(refusedWith('secret_unavailable'));
  });
});

// ---------------------------------------------------------------------------------------------
// Hole 12: authenticateSocket (client entry) settles each call with its own answer
// ---------------------------------------------------------------------------------------------

describe('hole 12: authenticateSocket', () => {
  /** Slow enough that two refreshes sent together overlap on the server. */
  const SlowKeys = secretProviderAnswering(() => SECRET, 300);

  it('two overlapping refreshes: the first resolves, the second rejects with authentication_in_progress', async () => {
    await start({ jwtModule: JwtSocketModule.forRoot({ secretProvider: SlowKeys }) });
    const socket = await connected(
      connectClient(app().url, { auth: { token: signToken({ sub: 'alice', role: 'reader' }) } }),
    );

    const first = authenticateSocket(socket, signToken({ sub: 'alice', role: 'editor' }));
    const second = authenticateSocket(socket, signToken({ sub: 'alice', role: 'admin' }));
    const [firstOutcome, secondOutcome] = await Promise.allSettled([first, second]);
    expect(firstOutcome).toEqual({ status: 'fulfilled', value: undefined });
    expect(secondOutcome).toEqual({ status: 'rejected', reason: refusedWith('authentication_in_progress') });
    expect((await emitWithAck<{ claims: { role: string } }>(socket, 'whoami')).claims.role).toBe('editor');

    // Once both have settled, the next call is served on its own.
    await expect(authenticateSocket(socket, signToken({ sub: 'alice', role: 'owner' }))).resolves.toBeUndefined();
    expect((await emitWithAck<{ claims: { role: string } }>(socket, 'whoami')).claims.role).toBe('owner');
  });

  it('a refused call rejects with the unauthorized payload and acks it: the server disconnects at once', async () => {
    await start({
      jwtModule: JwtSocketModule.forRoot({ secretProvider: SlowKeys, handshake: false, callback: 60_000 }),
    });
    const socket = await connected(connectClient(app().url));
    const disconnected = nextEvent<string>(socket, 'disconnect');

    const rejection = await authenticateSocket(socket, forged()).then(
      () => 'resolved',
      (error: unknown) => error,
    );
    expect(isUnauthorizedError(rejection)).toBe(true);
    expect(rejection).toEqual(refusedWith('invalid_token'));
    // Without the client's ack the server would wait `callback` (60 s).
    expect(await within(disconnected, 5000, 'still connected')).toBe('io server disconnect');
  });
});

// ---------------------------------------------------------------------------------------------
// Two promises: algorithm pinning within a key family
// ---------------------------------------------------------------------------------------------

describe('two promises: a pinned algorithm refuses another algorithm of the same key family', () => {
  const rsa = generateKeyPair('RS256', 'rsa-key');
  /** The same RSA key signing PS256: a genuine signature of a family the key could verify. */
  const rsaAsPss = { ...rsa, alg: 'PS256' as const };
  let jwks: JwksServer;

  beforeAll(async () => {
    jwks = await startJwksServer();
  });
  afterAll(() => jwks.close());

  interface PinningCase {
    label: string;
    module: () => TestAppOptions['jwtModule'];
    accepted: () => string;
    refused: () => string;
  }

  const cases: PinningCase[] = [
    {
      label: "a static secret with algorithms ['HS256'] refuses HS512",
      module: () => JwtSocketModule.forRoot({ secret: SECRET, algorithms: ['HS256'] }),
      accepted: () => signToken({ sub: 'alice' }),
      refused: () => signToken({ sub: 'mallory' }, { algorithm: 'HS512' }),
    },
    {
      label: "a static RSA public key with algorithms ['RS256'] refuses PS256",
      module: () => JwtSocketModule.forRoot({ secret: rsa.publicPem, algorithms: ['RS256'] }),
      accepted: () => signWith(rsa, { sub: 'alice' }),
      refused: () => signWith(rsaAsPss, { sub: 'mallory' }),
    },
    {
      label: "a SecretProvider answering { key: secret, algorithms: ['HS256'] } refuses HS512",
      module: () =>
        JwtSocketModule.forRoot({
          secretProvider: secretProviderAnswering(() => ({ key: SECRET, algorithms: ['HS256'] })),
        }),
      accepted: () => signToken({ sub: 'alice' }),
      refused: () => signToken({ sub: 'mallory' }, { algorithm: 'HS512' }),
    },
    {
      label: "a SecretProvider answering a plain secret, with forRoot algorithms ['HS256'], refuses HS512",
      module: () =>
        JwtSocketModule.forRoot({ algorithms: ['HS256'], secretProvider: secretProviderAnswering(() => SECRET) }),
      accepted: () => signToken({ sub: 'alice' }),
      refused: () => signToken({ sub: 'mallory' }, { algorithm: 'HS512' }),
    },
    {
      label: "a SecretProvider answering { key: rsaPublicKey, algorithms: ['RS256'] } refuses PS256",
      module: () =>
        JwtSocketModule.forRoot({
          secretProvider: secretProviderAnswering(() => ({ key: rsa.publicPem, algorithms: ['RS256'] })),
        }),
      accepted: () => signWith(rsa, { sub: 'alice' }),
      refused: () => signWith(rsaAsPss, { sub: 'mallory' }),
    },
    {
      label: 'a JWKS key published with alg RS256 refuses a PS256 token of its kid',
      module: () => JwtSocketModule.forRoot({ jwks: { jwksUri: jwks.route('/jwks.json', [rsa.jwk]).url } }),
      accepted: () => signWith(rsa, { sub: 'alice' }),
      refused: () => signWith(rsaAsPss, { sub: 'mallory' }),
    },
  ];

  it.each(cases)('$label with invalid_token', async ({ module, accepted, refused }) => {
    await start({ jwtModule: module() });
    // Control: the pinned algorithm itself is served.
    const served = await connected(connectClient(app().url, { auth: { token: accepted() } }));
    expect(await emitWithAck(served, 'whoami')).toMatchObject({ sub: 'alice' });

    expect(await rejectedCode(connectClient(app().url, { auth: { token: refused() } }))).toBe('invalid_token');
    expect(app().log.connected).toEqual([{ namespace: '/', sub: 'alice' }]);
  });
});

// ---------------------------------------------------------------------------------------------
// Two promises: a RevocationCheck that never answers fails closed after secretTimeout
// ---------------------------------------------------------------------------------------------

describe('two promises: a RevocationCheck that never answers refuses the token after secretTimeout', () => {
  /** socket.io restores the session without running the middleware (skipMiddlewares, its default). */
  const RecoverableGateway = guardedGateway(
    { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } } as GatewayMetadata,
    'Recoverable',
  );
  let check: HangingRevocationCheck;

  beforeEach(async () => {
    await start({
      jwtModule: JwtSocketModule.forRoot({
        secret: SECRET,
        secretTimeout: 300,
        revocationCheck: HangingRevocationCheck,
      }),
      gateways: [RecoverableGateway],
    });
    check = app().app.get(RevocationCheck) as HangingRevocationCheck;
  });

  const withToken = (token = signToken({ sub: 'alice' })) => connectClient(app().url, { auth: { token } });

  it('at connect', async () => {
    check.hanging = true;
    expect(await rejectedCode(withToken())).toBe('token_revoked');
    expect(check.asked).toBe(1);
  });

  it('at refresh (the socket keeps its old token)', async () => {
    const socket = await connected(withToken());
    check.hanging = true;
    const unauthorized = nextEvent(socket, 'unauthorized');
    socket.emit('authenticate', { token: signToken({ sub: 'alice', role: 'admin' }) });
    // Bounded well past secretTimeout: a check that fails open would leave no answer at all.
    expect(await within(unauthorized, 5000, 'no answer')).toEqual(refusedWith('token_revoked'));
    expect(await emitWithAck(socket, 'whoami')).toMatchObject({ claims: { sub: 'alice' } });
    expect(await emitWithAck(socket, 'whoami')).not.toMatchObject({ claims: { role: 'admin' } });
  });

  it('on recovery (connectionStateRecovery)', async () => {
    const client = withToken();
    const welcome = nextEvent(client, 'welcome');
    await connected(client);
    // `welcome` carries an offset: the client has a session to recover.
    await welcome;
    const serverSocket = (app().app.get(RecoverableGateway).server as Server).sockets.sockets.get(client.id ?? '');
    const goneOnServer = new Promise((resolve) => serverSocket?.once('disconnect', resolve));
    await dropTransport(client);
    await goneOnServer;
    check.hanging = true;

    const { recovered, refusal: refused } = await reconnect(client);
    expect(recovered).toBe(true);
    expect(await within(refused, 5000, 'still connected')).toEqual({
      error: refusedWith('token_revoked'),
      reason: 'io server disconnect',
      order: ['unauthorized', 'disconnect'],
    });
  });
});
