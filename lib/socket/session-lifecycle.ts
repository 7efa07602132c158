import { Inject, Injectable } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { JWT_SOCKET_RESOLVED_OPTIONS } from '../options/resolved-options-token';
import type { ResolvedJwtSocketOptions } from '../options/module-options';
import { JwtSocketErrorCode } from '../protocol/error-codes';
import { JwtSocketEvent } from '../protocol/events';
import { UnauthorizedError } from '../protocol/unauthorized-error';
import { AuthenticateMessages, type SessionTransitions } from './authenticate-message';
import { AuthenticationsInFlight, endAttempt } from './authentications-in-flight';
import { extractHandshakeToken } from './handshake-token';
import { joinIdentityRooms } from './identity-rooms';
import { logRefusal } from './refusal-log';
import { deliverWithheldPackets, discardRestoredSession, holdRestoredSession } from './recovery';
import { answerAck, sendUnauthorizedAndDisconnect, takePendingAck, type AuthenticateAck } from './refusal';
import { SessionExpiry } from './session-expiry';
import { createSession, sessionOf, type JwtSocketSession } from './session-state';
import { SocketAuthenticator } from './socket-authenticator';
import { logUnexpected, toUnauthorizedError } from './unexpected-failure';
import { refuseUnprotectedSocket } from './unprotected-socket';
import { forgetPendingRooms, hide, reveal } from './visibility';

type Middleware = (socket: Socket, next: (error?: Error) => void) => void;
type ConnectionCallback = (socket: Socket) => void;

/**
 * The state machine of every socket the library protects. A socket starts hidden and pending (the
 * library's namespace middleware or `connection` listener); only `activate` makes it visible, and
 * `close` is final. Per-socket listeners are shared functions (`this` is the socket), so an open
 * socket costs a session object and no closures.
 */
@Injectable()
export class JwtSocketSessions implements SessionTransitions {
  /** Runs first on every protected namespace: hides the socket and, in handshake mode, authenticates it. */
  readonly middleware: Middleware;
  /** Runs before any gateway's `connection` listener. */
  readonly onConnection: (socket: Socket) => void;
  private readonly onAuthenticateMessage: (this: Socket, ...args: unknown[]) => void;
  private readonly onDisconnect: (this: Socket) => void;
  private readonly onAuthenticationTimeout: (socket: Socket) => void;
  private readonly expiry: SessionExpiry;
  private readonly messages: AuthenticateMessages;
  private readonly readHandshakeToken = (socket: Socket): unknown =>
    extractHandshakeToken(socket.handshake, this.options.tokenFromQuery);

  constructor(
    @Inject(JWT_SOCKET_RESOLVED_OPTIONS) private readonly options: ResolvedJwtSocketOptions,
    private readonly authenticator: SocketAuthenticator,
    private readonly inFlight: AuthenticationsInFlight,
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
      const last = args[args.length - 1];
      const ack = typeof last === 'function' ? (args.pop() as AuthenticateAck) : undefined;
      sessions.messages.handle(this, args[0], ack).catch((error: unknown) => logUnexpected(error));
    };
    this.onDisconnect = function (this: Socket) {
      sessions.endSession(this);
    };
    this.onAuthenticationTimeout = (socket) => this.refusePending(socket, JwtSocketErrorCode.AUTHENTICATION_TIMEOUT);
    this.messages = new AuthenticateMessages(options, authenticator, this);
    this.expiry = new SessionExpiry(options.expiredTokenAction, (socket, session, error) =>
      this.closeLogged(socket, session, error),
    );
  }

  /** Wraps a gateway's connection callback so it runs once, after the socket is authenticated. */
  deferUntilAuthenticated(callback: ConnectionCallback): ConnectionCallback {
    return (socket: Socket) => {
      const session = sessionOf(socket);
      if (!session) return refuseUnprotectedSocket(socket);
      if (session.closing) return;
      if (session.authenticated && !session.hidden) this.runGatewayCallback(socket, session, callback);
      else (session.deferred ??= []).push(callback);
    };
  }

  /** Takes access away from an open socket at once, then sends `unauthorized` and disconnects it. */
  revokeSocket(socket: Socket, error: UnauthorizedError): void {
    const session = sessionOf(socket);
    if (session) this.closeLogged(socket, session, error);
  }

  /** How many open sockets have an expiry scheduled (at most one each). */
  get scheduledExpiries(): number {
    return this.expiry.size;
  }

  /** How many authentications are running (or passed their handshake and wait for `connection`). */
  get authenticationsInFlight(): number {
    return this.inFlight.size;
  }

  /** The library's first touch of a socket: a hidden, pending session. */
  private beginSession(socket: Socket): JwtSocketSession {
    const session = createSession(socket);
    if (socket.recovered) {
      const { decodedPropertyName, expiredTokenAction } = this.options;
      holdRestoredSession(socket, session, decodedPropertyName, expiredTokenAction !== 'ignore');
    }
    hide(socket, session, session.restored !== undefined);
    return session;
  }

  private authenticateHandshake(socket: Socket, next: (error?: Error) => void): void {
    let session: JwtSocketSession;
    try {
      session = this.beginSession(socket);
    } catch (error) {
      next(toUnauthorizedError(error));
      return;
    }
    // On success the attempt stays open until `connection`, so a revocation in between reaches it.
    this.authenticator.authenticate(socket, session, this.readHandshakeToken, false).then(
      () => next(),
      (error: unknown) => {
        this.endAttempt(session);
        discardRestoredSession(socket, session);
        next(toUnauthorizedError(error));
      },
    );
  }

  private startSession(socket: Socket): void {
    try {
      socket.on(JwtSocketEvent.AUTHENTICATE, this.onAuthenticateMessage);
      socket.once('disconnect', this.onDisconnect);
      const session = sessionOf(socket) ?? this.beginSession(socket);
      if (session.authenticated) {
        const revoked = session.attempt?.revoked;
        this.endAttempt(session);
        if (revoked) this.closeLogged(socket, session, new UnauthorizedError(JwtSocketErrorCode.TOKEN_REVOKED));
        else this.activate(socket, session);
      } else if (this.options.handshake) {
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
      await this.authenticator.authenticate(socket, session, this.readHandshakeToken, false);
    } catch (error) {
      this.close(socket, session, toUnauthorizedError(error));
      return;
    } finally {
      this.endAttempt(session);
    }
    if (socket.connected) this.activateSafely(socket, session);
  }

  /** A connected, authenticated socket: visible to broadcasts, in its identity rooms, with its expiry armed. */
  private activate(socket: Socket, session: JwtSocketSession): void {
    reveal(socket, session);
    joinIdentityRooms(socket, session.claims, this.options.identityRooms);
    this.expiry.arm(socket, session);
    deliverWithheldPackets(socket);
    const deferred = session.deferred;
    session.deferred = undefined;
    deferred?.forEach((callback) => this.runGatewayCallback(socket, session, callback));
  }

  /** `activate`, refusing the socket if anything in it throws. False when the socket was refused. */
  activateSafely(socket: Socket, session: JwtSocketSession): boolean {
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

  private refusePending(socket: Socket, code: JwtSocketErrorCode): void {
    const session = sessionOf(socket);
    if (session && !session.authenticated && !session.verifying)
      this.closeLogged(socket, session, new UnauthorizedError(code));
  }

  /** A throw in the connection path (an app callback, a broken adapter) refuses the socket; the process keeps serving. */
  private refuseAfterFailure(socket: Socket, error: unknown): void {
    const unauthorized = toUnauthorizedError(error);
    const session = sessionOf(socket);
    try {
      if (session) this.closeLogged(socket, session, unauthorized);
      else socket.disconnect();
    } catch (secondError) {
      logUnexpected(secondError);
    }
  }

  /**
   * Refuses a socket for good: access withdrawn and hidden at once (no handler, no broadcast, no
   * second authentication), then `unauthorized` and the disconnect.
   */
  close(socket: Socket, session: JwtSocketSession, error: UnauthorizedError): void {
    if (session.closing) return;
    session.closing = error;
    session.authenticated = false;
    // An `authenticate` still running learns the outcome before the disconnect.
    answerAck(takePendingAck(session), error);
    session.deferred = undefined;
    clearTimeout(session.authenticationTimer);
    this.expiry.disarm(socket, session);
    discardRestoredSession(socket, session);
    forgetPendingRooms(session);
    hide(socket, session, false);
    sendUnauthorizedAndDisconnect(socket, error, this.options.callback);
  }

  /** `close` for a refusal no authentication attempt logged: expiry, revocation, timeout. */
  private closeLogged(socket: Socket, session: JwtSocketSession, error: UnauthorizedError): void {
    if (session.closing) return;
    logRefusal(socket, error, session.token, session.claims);
    this.close(socket, session, error);
  }

  rearmExpiry(socket: Socket, session: JwtSocketSession): void {
    this.expiry.arm(socket, session);
  }

  private endSession(socket: Socket): void {
    const session = sessionOf(socket);
    if (!session) return;
    this.expiry.disarm(socket, session);
    clearTimeout(session.authenticationTimer);
    this.endAttempt(session);
    session.deferred = undefined;
  }

  endAttempt(session: JwtSocketSession, attempt = session.attempt): void {
    if (!attempt) return;
    endAttempt(attempt);
    if (session.attempt === attempt) session.attempt = undefined;
  }
}
