import type { JwtPayload } from 'jsonwebtoken';
import type { Socket } from 'socket.io';
import type { AuthenticationAttempt } from './authentications-in-flight';
import type { UnauthorizedError } from '../protocol/unauthorized-error';

const SESSION = Symbol('nestjs-socketio-jwt:session');

/** Who a session restored by connection-state recovery belonged to. */
export interface RestoredIdentity {
  subject: string;
  issuer?: string;
}

/** A restored session waiting for its re-check: whose it was, and its `socket.data`, kept off the socket until then. */
export interface RestoredSession extends RestoredIdentity {
  data: Record<string, unknown>;
}

/**
 * Per-socket authentication state. It lives on the socket object itself (not in `socket.data`),
 * so it never leaves the node and the raw token is not shipped by `fetchSockets()`.
 *
 * A session moves one way: pending (hidden) → authenticated (visible) ⇄ refreshing, and from any
 * state to closing (hidden, refused, waiting for the disconnect). A closing session never
 * authenticates again.
 */
export interface JwtSocketSession {
  /** Has access now: verified, not expired by the timer, not revoked, not closing. */
  authenticated: boolean;
  /** An authentication (handshake, `authenticate`, refresh or recovery re-check) is running. */
  verifying: boolean;
  /** The running authentication; a handshake's stays until `connection`, so a revocation in between reaches it. */
  attempt?: AuthenticationAttempt;
  /** The ack of the `authenticate` being verified, answered once with its outcome. */
  pendingAck?: (answer: object) => void;
  /** Refused: `unauthorized` was sent and the disconnect follows. Nothing brings the socket back. */
  closing?: UnauthorizedError;
  /** Out of every adapter room, so no broadcast reaches it (pending or closing). */
  hidden?: boolean;
  /** Rooms asked for while hidden (restored by recovery, joined by app code): joined on activation. */
  pendingRooms?: Set<string>;
  /**
   * Its token expired at some point ('reject-events'), now or in the session it recovered: its client's
   * offset may predate the expiry, so a recovery of this session never replays missed packets.
   */
  expiredOnce?: boolean;
  /** The identity rooms a socket left when its token expired ('reject-events'); room operations still reach it by them. */
  expiredIdentityRooms?: readonly string[];
  /** Set for a socket restored by connection-state recovery until its first authentication. */
  restored?: RestoredSession;
  token?: string;
  claims?: JwtPayload;
  /** `claims.sub` as the string that names it (see `identityClaim`). */
  subject?: string;
  /** Epoch ms (with clock tolerance) after which the socket loses access; undefined when not enforced. */
  expiresAt?: number;
  /** Where the socket sits in the shared expiry schedule, if anywhere. */
  expirySlot?: number;
  authenticationTimer?: NodeJS.Timeout;
  /** Gateway connection callbacks waiting for authentication (event mode, recovered sockets). */
  deferred?: Array<(socket: Socket) => void>;
}

type SocketWithSession = Socket & { [SESSION]?: JwtSocketSession };

export function sessionOf(socket: Socket): JwtSocketSession | undefined {
  return (socket as SocketWithSession)[SESSION];
}

export function createSession(socket: Socket): JwtSocketSession {
  const session: JwtSocketSession = { authenticated: false, verifying: false };
  (socket as SocketWithSession)[SESSION] = session;
  return session;
}

/** The verified claims of a socket, e.g. in `handleConnection` where param decorators do not run. */
export function getDecodedToken<TClaims extends JwtPayload = JwtPayload>(socket: Socket): TClaims | undefined {
  const session = sessionOf(socket);
  return session?.authenticated ? (session.claims as TClaims) : undefined;
}

/** The raw token a socket authenticated with. Kept on this node only. */
export function getEncodedToken(socket: Socket): string | undefined {
  const session = sessionOf(socket);
  return session?.authenticated ? session.token : undefined;
}

/** Whether `socket` is authenticated now (false while pending, refused or closing). */
export function isSocketAuthenticated(socket: Socket): boolean {
  return sessionOf(socket)?.authenticated === true;
}
