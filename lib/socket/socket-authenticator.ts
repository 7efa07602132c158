import { describeError } from '../verification/log-safe';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { JWT_SOCKET_RESOLVED_OPTIONS } from '../options/resolved-options-token';
import type { ResolvedJwtSocketOptions } from '../options/module-options';
import { JwtSocketErrorCode } from '../protocol/error-codes';
import { UnauthorizedError } from '../protocol/unauthorized-error';
import { boundedCall } from '../verification/bounded-call';
import { TokenVerifier, type VerifiedToken } from '../verification/token-verifier';
import { AuthenticationsInFlight } from './authentications-in-flight';
import { stripTokenFromHandshake } from './handshake-token';
import { identityClaim } from './identity-rooms';
import { isSameIdentity } from './recovery';
import { logRefusal } from './refusal-log';
import type { JwtSocketSession } from './session-state';

/**
 * Token → session, for every kind of authentication (handshake, `authenticate`, refresh, recovery
 * re-check): read the token, verify it, check it names the right identity, run the hook, and
 * apply it to the socket. Each run is an attempt a revocation can reach at every await.
 */
@Injectable()
export class SocketAuthenticator {
  private readonly logger = new Logger('JwtSocket');

  constructor(
    @Inject(JWT_SOCKET_RESOLVED_OPTIONS) private readonly options: ResolvedJwtSocketOptions,
    private readonly verifier: TokenVerifier,
    private readonly inFlight: AuthenticationsInFlight,
  ) {}

  /** Resolves once the socket holds the new token; throws an `UnauthorizedError` (or a bug). The caller ends the attempt. */
  async authenticate(
    socket: Socket,
    session: JwtSocketSession,
    readToken: (socket: Socket) => unknown,
    isRefresh: boolean,
  ): Promise<void> {
    const attempt = this.inFlight.begin(socket);
    session.attempt = attempt;
    session.verifying = true;
    let token: unknown;
    try {
      token = readToken(socket);
      const verified = await this.verifier.verify(token, socket.handshake, (payload) =>
        this.inFlight.identify(attempt, payload),
      );
      assertStillWanted(session);
      if (isRefresh) this.assertSameSubject(session, verified);
      else assertRestoredIdentity(session, verified);
      const user = await this.runHook(socket, verified, isRefresh);
      assertStillWanted(session);
      // The token may have expired while the RevocationCheck or the hook answered.
      if (verified.expiresAt !== undefined && Date.now() >= verified.expiresAt) {
        throw new UnauthorizedError(JwtSocketErrorCode.TOKEN_EXPIRED);
      }
      this.apply(socket, session, verified, user);
    } catch (error) {
      // A socket closed meanwhile was logged by whoever closed it.
      if (error instanceof UnauthorizedError && error !== session.closing) logRefusal(socket, error, token);
      throw error;
    } finally {
      session.verifying = false;
    }
  }

  /** A token without `sub` names nobody: it cannot prove it is the same subject. */
  private assertSameSubject(session: JwtSocketSession, verified: VerifiedToken): void {
    if (this.options.allowSubjectChange) return;
    const subject = identityClaim(verified.claims.sub);
    if (subject === undefined || subject !== identityClaim(session.claims?.sub)) {
      throw new UnauthorizedError(JwtSocketErrorCode.SUBJECT_MISMATCH);
    }
  }

  private async runHook(socket: Socket, verified: VerifiedToken, isRefresh: boolean): Promise<unknown> {
    const hook = this.options.onAuthenticated;
    if (!hook) return undefined;
    const result = await boundedCall(
      () => hook({ decoded: verified.claims, socket, isRefresh }),
      this.options.secretTimeout,
      (error) => {
        if (error instanceof UnauthorizedError) return error;
        this.logger.warn(`onAuthenticated failed: ${describeError(error)}`);
        return new UnauthorizedError(JwtSocketErrorCode.AUTHENTICATION_REJECTED);
      },
    );
    if (result === false) throw new UnauthorizedError(JwtSocketErrorCode.AUTHENTICATION_REJECTED);
    return result === true ? undefined : result;
  }

  /**
   * Stores the verified token: the session is the one source of truth for the claims; `socket.data`
   * carries a copy for `fetchSockets()`. Safe before CONNECT (no rooms, no timers).
   */
  private apply(socket: Socket, session: JwtSocketSession, verified: VerifiedToken, user: unknown): void {
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
}

/** Closing (refused meanwhile), or its subject / token id was revoked while it ran. */
function assertStillWanted(session: JwtSocketSession): void {
  if (session.closing) throw session.closing;
  if (session.attempt?.revoked) throw new UnauthorizedError(JwtSocketErrorCode.TOKEN_REVOKED);
}

/** A recovered session is handed back only to a token of the identity it belonged to. */
function assertRestoredIdentity(session: JwtSocketSession, verified: VerifiedToken): void {
  if (session.restored && !isSameIdentity(session.restored, verified.claims)) {
    throw new UnauthorizedError(
      JwtSocketErrorCode.SUBJECT_MISMATCH,
      'The token names another subject than the session it recovers',
    );
  }
}
