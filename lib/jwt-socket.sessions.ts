import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Namespace, Server, Socket } from 'socket.io';
import { JwtSocketAuthenticator, type VerifiedToken } from './jwt-socket.authenticator';
import { JWT_SOCKET_RESOLVED_OPTIONS } from './jwt-socket.constants';
import { UnauthorizedError } from './jwt-socket.error';
import { JwtSocketErrorCode } from './jwt-socket.error-codes';
import { JwtSocketEvent } from './jwt-socket.events';
import { ExpirySchedule } from './jwt-socket.expiry-schedule';
import { identityRooms, restorableRooms } from './jwt-socket.identity-rooms';
import type { ResolvedJwtSocketOptions } from './jwt-socket.options';
import {
  deliverWithheldPackets,
  emitToSocket,
  withholdMissedPackets,
  type RestoringAdapter,
} from './jwt-socket.recovery';
import { createSession, sessionOf, type JwtSocketSession } from './jwt-socket.session';
import { describeError, withTimeout } from './jwt-socket.timeout';
import { extractHandshakeToken, stripTokenFromHandshake } from './jwt-socket.token-extractor';

type Middleware = (socket: Socket, next: (error?: Error) => void) => void;
type ConnectionCallback = (socket: Socket) => void;
type ServerInternals = Server & { _nsps: Map<string, Namespace> };

/**
 * Runs authentication for every namespace of every server the adapter creates: the handshake
 * middleware, event-mode `authenticate`, in-band refresh, expiry, and the hiding of sockets that
 * are not authenticated yet. Per-socket listeners are shared functions (`this` is the socket), so
 * an open socket costs a session object and no closures.
 */
@Injectable()
export class JwtSocketSessions {
  private readonly logger = new Logger('JwtSocket');
  private readonly servers = new Set<Server>();
  private readonly serverListeners: Array<(server: Server) => void> = [];
  private readonly protectedNamespaces = new WeakSet<Namespace>();
  private readonly recoveryGuardedAdapters = new WeakSet<object>();
  private readonly handshakeMiddleware: Middleware;
  private readonly onConnection: (socket: Socket) => void;
  private readonly onAuthenticateMessage: (this: Socket, payload: unknown) => void;
  private readonly onDisconnect: (this: Socket) => void;
  private readonly onAuthenticationTimeout: (socket: Socket) => void;
  private readonly expiries = new ExpirySchedule<Socket>((socket) => this.expire(socket));

  constructor(
    @Inject(JWT_SOCKET_RESOLVED_OPTIONS) private readonly options: ResolvedJwtSocketOptions,
    private readonly authenticator: JwtSocketAuthenticator,
  ) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const sessions = this;
    this.handshakeMiddleware = (socket, next) => {
      this.authenticateHandshake(socket, createSession(socket)).then(
        () => next(),
        (error: unknown) => next(this.toUnauthorizedError(error)),
      );
    };
    this.onConnection = (socket) => this.startSession(socket);
    this.onAuthenticateMessage = function (this: Socket, payload: unknown) {
      sessions.handleAuthenticate(this, payload).catch((error: unknown) => sessions.logUnexpected(error));
    };
    this.onDisconnect = function (this: Socket) {
      sessions.endSession(this);
    };
    this.onAuthenticationTimeout = (socket) => this.refuse(socket, JwtSocketErrorCode.AUTHENTICATION_TIMEOUT);
  }

  /** Protects a server's existing namespaces and every namespace created on it later. */
  protectServer(server: Server): void {
    if (this.servers.has(server)) return;
    this.servers.add(server);
    for (const namespace of (server as ServerInternals)._nsps.values()) this.protectNamespace(namespace);
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
    for (const each of (server as ServerInternals)._nsps.values()) this.guardRecovery(each);
  }

  protectNamespace(namespace: Namespace): void {
    this.guardRecovery(namespace);
    if (this.protectedNamespaces.has(namespace)) return;
    this.protectedNamespaces.add(namespace);
    if (this.options.handshake) namespace.use(this.handshakeMiddleware);
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
      if (session?.authenticated) return callback(socket);
      if (session) {
        (session.deferred ??= []).push(callback);
        return;
      }
      this.logger.error(`Socket on namespace ${socket.nsp.name} bypassed JwtSocketIoAdapter; disconnecting it`);
      socket.disconnect();
    };
  }

  /** Takes access away from an open socket at once, then sends `unauthorized` and disconnects it. */
  revokeSocket(socket: Socket, error: UnauthorizedError): void {
    this.withdraw(socket);
    this.sendUnauthorizedAndDisconnect(socket, error);
  }

  /** Every namespace this node protects, on every server the adapter created. */
  *protectedNamespacesOfServers(): Iterable<Namespace> {
    for (const server of this.servers) {
      for (const namespace of (server as ServerInternals)._nsps.values()) {
        if (this.protectedNamespaces.has(namespace)) yield namespace;
      }
    }
  }

  private startSession(socket: Socket): void {
    socket.on(JwtSocketEvent.AUTHENTICATE, this.onAuthenticateMessage);
    socket.once('disconnect', this.onDisconnect);
    const session = sessionOf(socket);
    if (session?.authenticated) {
      this.activate(socket, session);
      return;
    }
    // Event mode, or a socket restored by connection-state recovery that skipped the middleware.
    const pending = session ?? createSession(socket);
    pending.roomsToRestore = socket.recovered ? restorableRooms(socket) : undefined;
    pending.hidden = true;
    // Leaving rooms is not enough: `server.emit` reaches every id the adapter knows.
    socket.nsp.adapter.delAll(socket.id);
    if (this.options.handshake) {
      this.reauthenticateRecovered(socket, pending).catch((error: unknown) => this.logUnexpected(error));
    } else if (this.options.timeout > 0) {
      pending.authenticationTimer = setTimeout(this.onAuthenticationTimeout, this.options.timeout, socket).unref();
    }
  }

  private async reauthenticateRecovered(socket: Socket, session: JwtSocketSession): Promise<void> {
    try {
      await this.authenticateHandshake(socket, session);
    } catch (error) {
      this.sendUnauthorizedAndDisconnect(socket, this.toUnauthorizedError(error));
      return;
    }
    if (socket.connected) this.activate(socket, session);
  }

  private async authenticateHandshake(socket: Socket, session: JwtSocketSession): Promise<void> {
    const verified = await this.authenticator.verify(
      extractHandshakeToken(socket.handshake, this.options.tokenFromQuery),
      socket.handshake,
    );
    const user = await this.runHook(socket, verified, false);
    this.applyVerified(socket, session, verified, user);
  }

  private async handleAuthenticate(socket: Socket, payload: unknown): Promise<void> {
    const session = sessionOf(socket);
    if (!session || socket.disconnected) return;
    if (session.verifying) {
      emitToSocket(
        socket,
        JwtSocketEvent.UNAUTHORIZED,
        new UnauthorizedError(JwtSocketErrorCode.AUTHENTICATION_IN_PROGRESS).toJSON(),
      );
      return;
    }
    const isRefresh = session.authenticated;
    session.verifying = true;
    try {
      const verified = await this.authenticator.verify(tokenOfAuthenticatePayload(payload), socket.handshake);
      if (isRefresh) this.assertSameSubject(session, verified);
      const user = await this.runHook(socket, verified, isRefresh);
      if (socket.disconnected) return;
      const previousClaims = session.claims;
      this.applyVerified(socket, session, verified, user);
      if (isRefresh) {
        this.moveIdentityRooms(socket, previousClaims);
        this.armExpiry(socket, session);
      } else {
        clearTimeout(session.authenticationTimer);
        this.activate(socket, session);
      }
      socket.emit(JwtSocketEvent.AUTHENTICATED);
    } catch (error) {
      if (socket.disconnected) return;
      const unauthorized = this.toUnauthorizedError(error);
      if (!isRefresh) {
        this.sendUnauthorizedAndDisconnect(socket, unauthorized);
      } else if (this.options.disconnectOnRefreshFailure) {
        this.withdraw(socket);
        this.sendUnauthorizedAndDisconnect(socket, unauthorized);
      } else {
        socket.emit(JwtSocketEvent.UNAUTHORIZED, unauthorized.toJSON());
      }
    } finally {
      session.verifying = false;
    }
  }

  private assertSameSubject(session: JwtSocketSession, verified: VerifiedToken): void {
    if (!this.options.allowSubjectChange && verified.claims.sub !== session.claims?.sub) {
      throw new UnauthorizedError(JwtSocketErrorCode.SUBJECT_MISMATCH);
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
    socket.data ??= {};
    socket.data[options.decodedPropertyName] = verified.claims;
    if (user !== undefined) socket.data[options.userPropertyName] = user;
    if (options.encodedPropertyName)
      (socket as unknown as Record<string, unknown>)[options.encodedPropertyName] = verified.token;
    if (options.stripHandshakeToken) stripTokenFromHandshake(socket.handshake);
  }

  /** A connected, authenticated socket: visible to broadcasts, in its identity rooms, with its expiry armed. */
  private activate(socket: Socket, session: JwtSocketSession): void {
    if (session.hidden) {
      session.hidden = false;
      socket.join([socket.id, ...(session.roomsToRestore ?? [])]);
      session.roomsToRestore = undefined;
    }
    socket.join(identityRooms(session.claims));
    this.armExpiry(socket, session);
    deliverWithheldPackets(socket);
    const deferred = session.deferred;
    session.deferred = undefined;
    deferred?.forEach((callback) => callback(socket));
  }

  private moveIdentityRooms(socket: Socket, previousClaims: JwtSocketSession['claims']): void {
    const next = identityRooms(sessionOf(socket)?.claims);
    for (const room of identityRooms(previousClaims)) if (!next.includes(room)) socket.leave(room);
    socket.join(next);
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
    this.withdraw(socket);
    this.sendUnauthorizedAndDisconnect(socket, new UnauthorizedError(JwtSocketErrorCode.TOKEN_EXPIRED));
  }

  private refuse(socket: Socket, code: JwtSocketErrorCode): void {
    if (sessionOf(socket)?.authenticated) return;
    this.sendUnauthorizedAndDisconnect(socket, new UnauthorizedError(code));
  }

  /** Takes access away at once: no handler, no broadcast, while `unauthorized` waits for its ack. */
  private withdraw(socket: Socket): void {
    const session = sessionOf(socket);
    if (!session) return;
    session.authenticated = false;
    session.hidden = true;
    this.disarmExpiry(socket, session);
    socket.nsp.adapter.delAll(socket.id);
  }

  /** The seed protocol: `unauthorized` then a disconnect, at once or after the client's ack / `callback` ms. */
  private sendUnauthorizedAndDisconnect(socket: Socket, error: UnauthorizedError): void {
    if (socket.disconnected) return;
    const wait = this.options.callback;
    if (wait === false) {
      emitToSocket(socket, JwtSocketEvent.UNAUTHORIZED, error.toJSON());
      socket.disconnect();
      return;
    }
    let timer: NodeJS.Timeout | undefined = undefined;
    const disconnect = () => {
      clearTimeout(timer);
      socket.disconnect();
    };
    timer = setTimeout(disconnect, wait).unref();
    emitToSocket(socket, JwtSocketEvent.UNAUTHORIZED, error.toJSON(), disconnect);
  }

  private endSession(socket: Socket): void {
    const session = sessionOf(socket);
    if (!session) return;
    this.disarmExpiry(socket, session);
    clearTimeout(session.authenticationTimer);
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
