import type { JwtPayload } from 'jsonwebtoken';
import type { Socket } from 'socket.io';

const SESSION = Symbol('nestjs-socketio-jwt:session');

/**
 * Per-socket authentication state. It lives on the socket object itself (not in `socket.data`),
 * so it never leaves the node and the raw token is not shipped by `fetchSockets()`.
 */
export interface JwtSocketSession {
  authenticated: boolean;
  verifying: boolean;
  /** Removed from the adapter, so no broadcast reaches it (not authenticated yet, or access withdrawn). */
  hidden?: boolean;
  token?: string;
  claims?: JwtPayload;
  /** Epoch ms (with clock tolerance) after which the socket loses access; undefined when not enforced. */
  expiresAt?: number;
  /** Where the socket sits in the shared expiry schedule, if anywhere. */
  expirySlot?: number;
  authenticationTimer?: NodeJS.Timeout;
  /** Gateway connection callbacks waiting for authentication (event mode, recovered sockets). */
  deferred?: Array<(socket: Socket) => void>;
  /** Rooms a recovered socket had, restored once it is authenticated again. */
  roomsToRestore?: string[];
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

export function isSocketAuthenticated(socket: Socket): boolean {
  return sessionOf(socket)?.authenticated === true;
}
