import type { Socket } from 'socket.io';
import type { ResolvedJwtSocketOptions } from '../options/module-options';
import { JwtSocketErrorCode } from '../protocol/error-codes';
import { JwtSocketEvent } from '../protocol/events';
import { UnauthorizedError } from '../protocol/unauthorized-error';
import type { AuthenticationAttempt } from './authentications-in-flight';
import { tokenOfAuthenticatePayload } from './handshake-token';
import { moveIdentityRooms } from './identity-rooms';
import { logRefusal } from './refusal-log';
import { answerAck, answeringOnce, type AuthenticateAck } from './refusal';
import { sessionOf, type JwtSocketSession } from './session-state';
import { emitDirectly } from './socket-internals';
import type { SocketAuthenticator } from './socket-authenticator';
import { toUnauthorizedError } from './unexpected-failure';
import { reveal } from './visibility';

/** The transitions of the session state machine an `authenticate` message leads to. */
export interface SessionTransitions {
  /** Makes an authenticated socket visible; false when it was refused instead. */
  activateSafely(socket: Socket, session: JwtSocketSession): boolean;
  /** Refuses the socket for good. */
  close(socket: Socket, session: JwtSocketSession, error: UnauthorizedError): void;
  /** After a refresh: the new token's deadline. */
  rearmExpiry(socket: Socket, session: JwtSocketSession): void;
  /** Ends `attempt` (the session's running one by default). */
  endAttempt(session: JwtSocketSession, attempt?: AuthenticationAttempt): void;
}

/**
 * `authenticate { token }` (with an optional ack): the first authentication in event mode, an
 * in-band refresh in either mode. One at a time per socket; answered through the ack first, then
 * with `authenticated` / `unauthorized` as the predecessors' clients expect.
 */
export class AuthenticateMessages {
  constructor(
    private readonly options: ResolvedJwtSocketOptions,
    private readonly authenticator: SocketAuthenticator,
    private readonly transitions: SessionTransitions,
  ) {}

  async handle(socket: Socket, payload: unknown, clientAck: AuthenticateAck | undefined): Promise<void> {
    const session = sessionOf(socket);
    if (!session || socket.disconnected) return;
    if (session.closing) return answerAck(clientAck, session.closing);
    if (session.verifying) return refuseOverlapping(socket, clientAck);
    const isRefresh = session.authenticated;
    // A valid-looking `authenticate` arrived in time: its verification decides, not the timeout.
    if (!isRefresh) clearTimeout(session.authenticationTimer);
    // Kept on the session: a `close` meanwhile (revocation, expiry) answers it before the disconnect.
    const ack = answeringOnce(clientAck);
    session.pendingAck = ack;
    const authentication = this.authenticator.authenticate(
      socket,
      session,
      () => tokenOfAuthenticatePayload(payload),
      isRefresh,
    );
    // Begun synchronously. A payload refused before any await frees the socket for the next message
    // before this one resumes: this message ends its own attempt and answers its own ack, not the next one's.
    const attempt = session.attempt;
    try {
      await authentication;
    } catch (error) {
      this.refuse(socket, session, toUnauthorizedError(error), isRefresh, ack);
      return;
    } finally {
      if (session.pendingAck === ack) session.pendingAck = undefined;
      this.transitions.endAttempt(session, attempt);
    }
    if (socket.disconnected) return;
    if (isRefresh) {
      // A socket whose token expired under 'reject-events' was hidden: the refresh brings it back.
      reveal(socket, session);
      moveIdentityRooms(socket, session.claims, this.options.identityRooms);
      this.transitions.rearmExpiry(socket, session);
    } else if (!this.transitions.activateSafely(socket, session)) {
      return;
    }
    answerAck(ack, undefined);
    socket.emit(JwtSocketEvent.AUTHENTICATED);
  }

  private refuse(
    socket: Socket,
    session: JwtSocketSession,
    error: UnauthorizedError,
    isRefresh: boolean,
    ack: AuthenticateAck | undefined,
  ): void {
    if (socket.disconnected || session.closing) return;
    // The answer first: it must reach the client before the disconnect that may follow.
    answerAck(ack, error);
    if (!isRefresh || this.options.disconnectOnRefreshFailure) this.transitions.close(socket, session, error);
    // Straight to the client: an expired socket that failed to refresh is still hidden.
    else emitDirectly(socket, JwtSocketEvent.UNAUTHORIZED, [error.toJSON()]);
  }
}

/** A second `authenticate` while the first is verified: refused, the socket kept. */
function refuseOverlapping(socket: Socket, ack: AuthenticateAck | undefined): void {
  const inProgress = new UnauthorizedError(JwtSocketErrorCode.AUTHENTICATION_IN_PROGRESS);
  logRefusal(socket, inProgress, undefined);
  answerAck(ack, inProgress);
  emitDirectly(socket, JwtSocketEvent.UNAUTHORIZED, [inProgress.toJSON()]);
}
