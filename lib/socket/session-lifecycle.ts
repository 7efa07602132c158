import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Namespace, Server, Socket } from 'socket.io';
import { JwtSocketAuthenticator, type VerifiedToken } from '../verification/token-verifier';
import { AuthenticationsInFlight, endAttempt } from './authentications-in-flight';
import { JWT_SOCKET_RESOLVED_OPTIONS } from '../options/constants';
import { UnauthorizedError } from '../protocol/unauthorized-error';
import { JwtSocketErrorCode } from '../protocol/error-codes';
import { JwtSocketEvent } from '../protocol/events';
import { ExpirySchedule } from './expiry-schedule';
import { identityClaim, identityRooms, isIdentityRoom } from './identity-rooms';
import type { ResolvedJwtSocketOptions } from '../options/module-options';
import {
  deliverWithheldPackets,
  isSameIdentity,
  restoredIdentityOf,
  withholdMissedPackets,
  type RestoringAdapter,
} from './recovery';
import { createSession, sessionOf, type JwtSocketSession } from './session-state';
import { describeError, withTimeout } from '../verification/bounded-call';
import { extractHandshakeToken, stripTokenFromHandshake } from './handshake-token';
import { emitDirectly, forgetRecoverySession, namespacesOf, useFirst } from './socket-internals';
import { forgetPendingRooms, hide, keepPendingRoomsForRecovery, reveal } from './visibility';

type Middleware = (socket: Socket, next: (error?: Error) => void) => void;
type ConnectionCallback = (socket: Socket) => void;
type Ack = (answer: object) => void;

const AUTHENTICATED_ANSWER = Object.freeze({ status: 'ok' });

/**
 * Runs authentication for every namespace of every server the adapter creates: the handshake
 * middleware, event-mode `authenticate`, in-band refresh, expiry, and the hiding of sockets that
 * have no access. Per-socket listeners are shared functions (`this` is the socket), so an open
 * socket costs a session object and no closures.
 *
 * Every socket starts hidden and pending; only `activate` makes it visible, and `close` is final.
 * Every authentication is one attempt (`authenticate`) that a revocation can reach at each await.
 */
@Injectable()
export class JwtSocketSessions {
  private readonly logger = new Logger('JwtSocket');
  private readonly servers = new Set<Server>();
  private readonly serverListeners: Array<(server: Server) => void> = [];
  private readonly protectedNamespaces = new WeakSet<Namespace>();
  private readonly recoveryGuardedAdapters = new WeakSet<object>();
  private readonly inFlight = new AuthenticationsInFlight();
  private readonly middleware: Middleware;
  private readonly onConnection: (socket: Socket) => void;
  private readonly onAuthenticateMessage: (this: Socket, ...args: unknown[]) => void;
  private readonly onDisconnect: (this: Socket) => void;
  private readonly onAuthenticationTimeout: (socket: Socket) => void;
  private readonly expiries = new ExpirySchedule<Socket>((socket) => this.expire(socket));
  private readonly readHandshakeToken = (socket: Socket): unknown =>
    extractHandshakeToken(socket.handshake, this.options.tokenFromQuery);

  constructor(
    @Inject(JWT_SOCKET_RESOLVED_OPTIONS) private readonly options: ResolvedJwtSocketOptions,
    private readonly authenticator: JwtSocketAuthenticator,
  ) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const sessions = this;
    this.middleware = options.handshake
      ? (socket, next) => this.authenticateHandshake(socket, next)
      : (socket, next) => {
          this.beginSession(socket);
          next();
        };
    this.onConnection = (socket) => this.startSession(socket);
    this.onAuthenticateMessage = function (this: Socket, ...args: unknown[]) {
      const ack = args.length > 1 && typeof args[args.length - 1] === 'function' ? (args.pop() as Ack) : undefined;
      sessions.handleAuthenticate(this, args[0], ack).catch((error: unknown) => sessions.logUnexpected(error));
    };
    this.onDisconnect = function (this: Socket) {
      sessions.endSession(this);
    };
    this.onAuthenticationTimeout = (socket) => this.refusePending(socket, JwtSocketErrorCode.AUTHENTICATION_TIMEOUT);
  }

  /** Protects a server's existing namespaces and every namespace created on it later. */
  protectServer(server: Server): void {
    if (this.servers.has(server)) return;
    this.servers.add(server);
    for (const namespace of namespacesOf(server)) this.protectNamespace(namespace);
    server.on('new_namespace', (namespace: Namespace) => this.protectNamespace(namespace));
    this.serverListeners.forEach((listener) => listener(server));
  }

  /** The servers the adapter created, in creation order. */
  managedServers(): ReadonlySet<Server> {
    return this.servers;
  }

  /** Calls `listener` for every server protected so far and from now on. */
  onServerProtected(listener: (server: Server) => void): void {
    this.serverListeners.push(listener);
    this.servers.forEach(listener);
  }

  /** Protects what `IoAdapter.create()` returned: a server, a namespace or a RegExp parent namespace. */
  protect(serverOrNamespace: Server | Namespace): void {
    const namespace = serverOrNamespace as Namespace;
    if (isNamespace(namespace)) {
      this.protectServer(namespace.server);
      // A ParentNamespace (RegExp or function) is covered through the children it creates.
      if (!isParentNamespace(namespace)) this.protectNamespace(namespace);
    } else {
      this.protectServer(serverOrNamespace as Server);
    }
    // A createIOServer override may have replaced the adapters since (`server.adapter(...)`).
    const server = isNamespace(namespace) ? namespace.server : (serverOrNamespace as Server);
    for (const each of namespacesOf(server)) this.guardRecovery(each);
  }

  protectNamespace(namespace: Namespace): void {
    this.guardRecovery(namespace);
    if (this.protectedNamespaces.has(namespace)) return;
    this.protectedNamespaces.add(namespace);
    // First, even before middleware a ParentNamespace copied to its child: no app middleware sees
    // (or joins to a room) a socket the library has not hidden.
    useFirst(namespace, this.middleware);
    // Our listener must run before any gateway's, including those a ParentNamespace copied to a child.
    (namespace as unknown as NodeJS.EventEmitter).prependListener('connection', this.onConnection);
  }

  /** Once per adapter instance: socket.io creates a new one per namespace on `server.adapter(...)`. */
  private guardRecovery(namespace: Namespace): void {
    const adapter = namespace.adapter as unknown as RestoringAdapter;
    if (this.recoveryGuardedAdapters.has(adapter)) return;
    this.recoveryGuardedAdapters.add(adapter);
    withholdMissedPackets(adapter);
  }

  /** Wraps a gateway's connection callback so it runs once, after the socket is authenticated. */
  deferUntilAuthenticated(callback: ConnectionCallback): ConnectionCallback {
    return (socket: Socket) => {
      const session = sessionOf(socket);
      if (!session) {
        this.logger.error(`Socket on namespace ${socket.nsp.name} bypassed JwtSocketIoAdapter; disconnecting it`);
        socket.disconnect();
        return;
      }
      if (session.closing) return;
      if (session.authenticated && !session.hidden) this.runGatewayCallback(socket, session, callback);
      else (session.deferred ??= []).push(callback);
    };
  }

  /** Takes access away from an open socket at once, then sends `unauthorized` and disconnects it. */
  revokeSocket(socket: Socket, error: UnauthorizedError): void {
    const session = sessionOf(socket);
    if (session) this.close(socket, session, error);
  }

  /**
   * Fails the authentications of `subject` / `tokenId` still running on this node: each ends
   * refused with `token_revoked`. Returns their sockets.
   */
  revokeInFlight(subject: string | undefined, tokenId: string | undefined): Socket[] {
    return this.inFlight.revoke(subject, tokenId);
  }

  /** Every namespace this node protects, on every server the adapter created. */
  *protectedNamespacesOfServers(): Iterable<Namespace> {
    for (const server of this.servers) {
      for (const namespace of namespacesOf(server)) {
        if (this.protectedNamespaces.has(namespace)) yield namespace;
      }
    }
  }

  /** How many authentications are running (or passed their handshake and wait for `connection`). */
  get authenticationsInFlight(): number {
    return this.inFlight.size;
  }

  /** The library's first touch of a socket: a hidden, pending session (a recovered one remembers whose it was). */
  private beginSession(socket: Socket): JwtSocketSession {
    const session = createSession(socket);
    if (socket.recovered) this.holdRestoredSession(socket, session);
    hide(socket, session, session.restored !== undefined);
    return session;
  }

  /**
   * A recovered socket's `socket.data` is kept off the socket until the re-check passes, so no app
   * code (a connection listener, a middleware) sees it before. A restored session of no known
   * identity is handed to no one: the socket starts afresh.
   */
  private holdRestoredSession(socket: Socket, session: JwtSocketSession): void {
    const data = socket.data as Record<string, unknown>;
    const identity = restoredIdentityOf(data, this.options.decodedPropertyName);
    socket.data = {};
    if (!identity) {
      forgetRecoverySession(socket);
      return;
    }
    session.restored = { ...identity, data };
    socket.once('disconnecting', keepPendingRoomsForRecovery);
  }

  private authenticateHandshake(socket: Socket, next: (error?: Error) => void): void {
    let session: JwtSocketSession;
    try {
      session = this.beginSession(socket);
    } catch (error) {
      next(this.toUnauthorizedError(error));
      return;
    }
    // On success the attempt stays open until `connection` (startSession), so a revocation in between reaches it.
    this.authenticate(socket, session, this.readHandshakeToken, false).then(
      () => next(),
      (error: unknown) => {
        this.endAttempt(session);
        this.discardRestoredState(socket, session);
        next(this.toUnauthorizedError(error));
      },
    );
  }

  private startSession(socket: Socket): void {
    try {
      socket.on(JwtSocketEvent.AUTHENTICATE, this.onAuthenticateMessage);
      socket.once('disconnect', this.onDisconnect);
      const session = sessionOf(socket) ?? this.beginSession(socket);
      if (session.authenticated) {
        const attempt = session.attempt;
        this.endAttempt(session);
        if (attempt?.revoked) this.close(socket, session, new UnauthorizedError(JwtSocketErrorCode.TOKEN_REVOKED));
        else this.activate(socket, session);
        return;
      }
      if (this.options.handshake) {
        // A socket restored by connection-state recovery that skipped the middleware.
        void this.reauthenticateRecovered(socket, session);
      } else if (this.options.timeout > 0) {
        session.authenticationTimer = setTimeout(this.onAuthenticationTimeout, this.options.timeout, socket).unref();
      }
    } catch (error) {
      this.refuseAfterFailure(socket, error);
    }
  }

  private async reauthenticateRecovered(socket: Socket, session: JwtSocketSession): Promise<void> {
    try {
      await this.authenticate(socket, session, this.readHandshakeToken, false);
    } catch (error) {
      this.close(socket, session, this.toUnauthorizedError(error));
      return;
    } finally {
      this.endAttempt(session);
    }
    if (socket.connected) this.activateSafely(socket, session);
  }

  private async handleAuthenticate(socket: Socket, payload: unknown, ack: Ack | undefined): Promise<void> {
    const session = sessionOf(socket);
    if (!session || socket.disconnected) return;
    if (session.closing) return answerAck(ack, session.closing);
    if (session.verifying) {
      const inProgress = new UnauthorizedError(JwtSocketErrorCode.AUTHENTICATION_IN_PROGRESS);
      answerAck(ack, inProgress);
      emitDirectly(socket, JwtSocketEvent.UNAUTHORIZED, [inProgress.toJSON()]);
      return;
    }
    const isRefresh = session.authenticated;
    // A valid-looking `authenticate` arrived in time: its verification decides, not the timeout.
    if (!isRefresh) clearTimeout(session.authenticationTimer);
    // Kept on the session: a `close` meanwhile (revocation, expiry) answers it before the disconnect.
    session.pendingAck = ack;
    try {
      await this.authenticate(socket, session, () => tokenOfAuthenticatePayload(payload), isRefresh);
    } catch (error) {
      this.refuseAuthenticate(socket, session, this.toUnauthorizedError(error), isRefresh);
      return;
    } finally {
      this.endAttempt(session);
    }
    if (socket.disconnected) return;
    if (isRefresh) {
      this.moveIdentityRooms(socket, session);
      this.armExpiry(socket, session);
    } else if (!this.activateSafely(socket, session)) {
      return;
    }
    answerAck(takePendingAck(session), undefined);
    socket.emit(JwtSocketEvent.AUTHENTICATED);
  }

  private refuseAuthenticate(
    socket: Socket,
    session: JwtSocketSession,
    error: UnauthorizedError,
    isRefresh: boolean,
  ): void {
    if (socket.disconnected || session.closing) return;
    // The answer first: it must reach the client before the disconnect that may follow.
    answerAck(takePendingAck(session), error);
    if (!isRefresh || this.options.disconnectOnRefreshFailure) this.close(socket, session, error);
    else socket.emit(JwtSocketEvent.UNAUTHORIZED, error.toJSON());
  }

  /**
   * One authentication: verify, check it is still wanted and names the right identity, run the
   * hook, apply. A revocation of its subject or token id while it awaits (key lookup,
   * RevocationCheck, hook) fails it with `token_revoked`. The caller ends the attempt.
   */
  private async authenticate(
    socket: Socket,
    session: JwtSocketSession,
    readToken: (socket: Socket) => unknown,
    isRefresh: boolean,
  ): Promise<void> {
    const attempt = this.inFlight.begin(socket);
    session.attempt = attempt;
    session.verifying = true;
    try {
      const verified = await this.authenticator.verify(readToken(socket), socket.handshake, (payload) =>
        this.inFlight.identify(attempt, payload),
      );
      this.assertStillWanted(session);
      if (isRefresh) this.assertSameSubject(session, verified);
      else this.assertRestoredIdentity(session, verified);
      const user = await this.runHook(socket, verified, isRefresh);
      this.assertStillWanted(session);
      // The token may have expired while the RevocationCheck or the hook answered.
      if (verified.expiresAt !== undefined && Date.now() >= verified.expiresAt) {
        throw new UnauthorizedError(JwtSocketErrorCode.TOKEN_EXPIRED);
      }
      this.applyVerified(socket, session, verified, user);
    } finally {
      session.verifying = false;
    }
  }

  private assertStillWanted(session: JwtSocketSession): void {
    if (session.closing) throw session.closing;
    if (session.attempt?.revoked) throw new UnauthorizedError(JwtSocketErrorCode.TOKEN_REVOKED);
  }

  private endAttempt(session: JwtSocketSession): void {
    if (!session.attempt) return;
    endAttempt(session.attempt);
    session.attempt = undefined;
  }

  /** A token without `sub` names nobody: it cannot prove it is the same subject. */
  private assertSameSubject(session: JwtSocketSession, verified: VerifiedToken): void {
    if (this.options.allowSubjectChange) return;
    const subject = identityClaim(verified.claims.sub);
    if (subject === undefined || subject !== identityClaim(session.claims?.sub)) {
      throw new UnauthorizedError(JwtSocketErrorCode.SUBJECT_MISMATCH);
    }
  }

  /** A recovered session is handed back only to a token of the identity it belonged to. */
  private assertRestoredIdentity(session: JwtSocketSession, verified: VerifiedToken): void {
    if (session.restored && !isSameIdentity(session.restored, verified.claims)) {
      throw new UnauthorizedError(
        JwtSocketErrorCode.SUBJECT_MISMATCH,
        'The token names another subject than the session it recovers',
      );
    }
  }

  private async runHook(socket: Socket, verified: VerifiedToken, isRefresh: boolean): Promise<unknown> {
    const hook = this.options.onAuthenticated;
    if (!hook) return undefined;
    let result: unknown;
    try {
      result = await withTimeout(
        Promise.resolve(hook({ decoded: verified.claims, socket, isRefresh })),
        this.options.secretTimeout,
      );
    } catch (error) {
      if (error instanceof UnauthorizedError) throw error;
      this.logger.warn(`onAuthenticated failed: ${describeError(error)}`);
      throw new UnauthorizedError(JwtSocketErrorCode.AUTHENTICATION_REJECTED);
    }
    if (result === false) throw new UnauthorizedError(JwtSocketErrorCode.AUTHENTICATION_REJECTED);
    return result === true ? undefined : result;
  }

  /** Stores the verified token; safe before CONNECT (no rooms, no timers). */
  private applyVerified(socket: Socket, session: JwtSocketSession, verified: VerifiedToken, user: unknown): void {
    const { options } = this;
    session.token = verified.token;
    session.claims = verified.claims;
    session.expiresAt = options.expiredTokenAction === 'ignore' ? undefined : verified.expiresAt;
    session.authenticated = true;
    // The re-check passed: the restored session's data comes back, under the new claims and user.
    if (session.restored) socket.data = Object.assign(session.restored.data, socket.data);
    session.restored = undefined;
    if (typeof socket.data !== 'object' || socket.data === null) socket.data = {};
    socket.data[options.decodedPropertyName] = verified.claims;
    // The hook speaks for every authentication: no answer removes the previous one's user.
    if (options.onAuthenticated) {
      if (user === undefined) delete socket.data[options.userPropertyName];
      else socket.data[options.userPropertyName] = user;
    }
    if (options.encodedPropertyName)
      (socket as unknown as Record<string, unknown>)[options.encodedPropertyName] = verified.token;
    if (options.stripHandshakeToken) stripTokenFromHandshake(socket.handshake);
  }

  /** A connected, authenticated socket: visible to broadcasts, in its identity rooms, with its expiry armed. */
  private activate(socket: Socket, session: JwtSocketSession): void {
    reveal(socket, session);
    void socket.join(identityRooms(session.claims));
    this.armExpiry(socket, session);
    deliverWithheldPackets(socket);
    const deferred = session.deferred;
    session.deferred = undefined;
    deferred?.forEach((callback) => this.runGatewayCallback(socket, session, callback));
  }

  /** `activate`, refusing the socket if anything in it throws. False when the socket was refused. */
  private activateSafely(socket: Socket, session: JwtSocketSession): boolean {
    try {
      this.activate(socket, session);
    } catch (error) {
      this.refuseAfterFailure(socket, error);
    }
    return !session.closing;
  }

  private runGatewayCallback(socket: Socket, session: JwtSocketSession, callback: ConnectionCallback): void {
    if (session.closing || socket.disconnected) return;
    try {
      callback(socket);
    } catch (error) {
      this.refuseAfterFailure(socket, error);
    }
  }

  private moveIdentityRooms(socket: Socket, session: JwtSocketSession): void {
    const next = identityRooms(session.claims);
    for (const room of socket.rooms) if (isIdentityRoom(room) && !next.includes(room)) void socket.leave(room);
    void socket.join(next);
  }

  /** How many open sockets have an expiry scheduled (at most one each). */
  get scheduledExpiries(): number {
    return this.expiries.size;
  }

  private armExpiry(socket: Socket, session: JwtSocketSession): void {
    this.disarmExpiry(socket, session);
    if (this.options.expiredTokenAction !== 'disconnect' || session.expiresAt === undefined) return;
    session.expirySlot = this.expiries.add(socket, session.expiresAt);
  }

  private disarmExpiry(socket: Socket, session: JwtSocketSession): void {
    if (session.expirySlot === undefined) return;
    this.expiries.remove(socket, session.expirySlot);
    session.expirySlot = undefined;
  }

  private expire(socket: Socket): void {
    const session = sessionOf(socket);
    if (session) session.expirySlot = undefined;
    if (!session?.authenticated || session.expiresAt === undefined || socket.disconnected) return;
    if (Date.now() < session.expiresAt) {
      this.armExpiry(socket, session);
      return;
    }
    this.close(socket, session, new UnauthorizedError(JwtSocketErrorCode.TOKEN_EXPIRED));
  }

  private refusePending(socket: Socket, code: JwtSocketErrorCode): void {
    const session = sessionOf(socket);
    if (session && !session.authenticated && !session.verifying)
      this.close(socket, session, new UnauthorizedError(code));
  }

  /** A throw in the connection path (an app callback, a broken adapter) refuses the socket; the process keeps serving. */
  private refuseAfterFailure(socket: Socket, error: unknown): void {
    const unauthorized = this.toUnauthorizedError(error);
    const session = sessionOf(socket);
    try {
      if (session) this.close(socket, session, unauthorized);
      else socket.disconnect();
    } catch (secondError) {
      this.logUnexpected(secondError);
    }
  }

  /**
   * Refuses a socket for good: access withdrawn and hidden at once (no handler, no broadcast, no
   * second authentication), then `unauthorized` and the disconnect.
   */
  private close(socket: Socket, session: JwtSocketSession, error: UnauthorizedError): void {
    if (session.closing) return;
    session.closing = error;
    session.authenticated = false;
    // An `authenticate` still running learns the outcome before the disconnect.
    answerAck(takePendingAck(session), error);
    session.deferred = undefined;
    clearTimeout(session.authenticationTimer);
    this.disarmExpiry(socket, session);
    this.discardRestoredState(socket, session);
    forgetPendingRooms(session);
    hide(socket, session, false);
    this.sendUnauthorizedAndDisconnect(socket, error);
  }

  /** A recovered session that was not handed back: its data, rooms and missed packets go. */
  private discardRestoredState(socket: Socket, session: JwtSocketSession): void {
    if (!session.restored) return;
    session.restored = undefined;
    // Or the client, which keeps its session id, would be handed the same session again next time.
    forgetRecoverySession(socket);
    forgetPendingRooms(session);
    socket.data = {};
  }

  /** The seed protocol: `unauthorized` then a disconnect, at once or after the client's ack / `callback` ms. */
  private sendUnauthorizedAndDisconnect(socket: Socket, error: UnauthorizedError): void {
    if (socket.disconnected) return;
    const wait = this.options.callback;
    if (wait === false) {
      emitDirectly(socket, JwtSocketEvent.UNAUTHORIZED, [error.toJSON()]);
      socket.disconnect();
      return;
    }
    let timer: NodeJS.Timeout | undefined = undefined;
    const disconnect = () => {
      clearTimeout(timer);
      socket.disconnect();
    };
    timer = setTimeout(disconnect, wait).unref();
    emitDirectly(socket, JwtSocketEvent.UNAUTHORIZED, [error.toJSON()], disconnect);
  }

  private endSession(socket: Socket): void {
    const session = sessionOf(socket);
    if (!session) return;
    this.disarmExpiry(socket, session);
    clearTimeout(session.authenticationTimer);
    this.endAttempt(session);
    session.deferred = undefined;
  }

  private toUnauthorizedError(error: unknown): UnauthorizedError {
    if (error instanceof UnauthorizedError) return error;
    this.logUnexpected(error);
    return new UnauthorizedError(JwtSocketErrorCode.AUTHENTICATION_REJECTED);
  }

  private logUnexpected(error: unknown): void {
    this.logger.error(`Unexpected authentication failure: ${describeError(error)}`);
  }
}

function takePendingAck(session: JwtSocketSession): Ack | undefined {
  const ack = session.pendingAck;
  session.pendingAck = undefined;
  return ack;
}

/** Answers an `authenticate` ack: `{ status: 'ok' }`, or the refusal with `status: 'error'`. */
function answerAck(ack: Ack | undefined, error: UnauthorizedError | undefined): void {
  if (!ack) return;
  ack(error ? { status: 'error', ...error.toJSON() } : AUTHENTICATED_ANSWER);
}

function tokenOfAuthenticatePayload(payload: unknown): unknown {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new UnauthorizedError(JwtSocketErrorCode.CREDENTIALS_BAD_FORMAT, 'authenticate expects { token }');
  }
  return (payload as { token?: unknown }).token;
}

function isNamespace(value: unknown): value is Namespace {
  return typeof value === 'object' && value !== null && 'server' in value && 'adapter' in value && 'sockets' in value;
}

function isParentNamespace(namespace: Namespace): boolean {
  return typeof (namespace as unknown as { createChild?: unknown }).createChild === 'function';
}
