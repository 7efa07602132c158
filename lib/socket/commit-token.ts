import type { Socket } from 'socket.io';
import type { ResolvedJwtSocketOptions } from '../options/module-options';
import { JwtSocketErrorCode } from '../protocol/error-codes';
import { UnauthorizedError } from '../protocol/unauthorized-error';
import type { VerifiedToken } from '../verification/token-verifier';
import { stripTokenFromHandshake } from './handshake-token';
import type { JwtSocketSession } from './session-state';

/**
 * The last step of an authentication: the admitted token becomes the socket's, unless the attempt
 * was refused or revoked, or the token expired, while the RevocationCheck or the hook answered.
 * The session is the one source of truth for the claims; `socket.data` carries a copy for
 * `fetchSockets()`. Safe before CONNECT (no rooms, no timers).
 */
export function commitVerifiedToken(
  options: ResolvedJwtSocketOptions,
  socket: Socket,
  session: JwtSocketSession,
  verified: VerifiedToken,
  user: unknown,
): void {
  if (session.closing) throw session.closing;
  if (session.attempt?.revoked) throw new UnauthorizedError(JwtSocketErrorCode.TOKEN_REVOKED);
  if (verified.expiresAt !== undefined && Date.now() >= verified.expiresAt) {
    throw new UnauthorizedError(JwtSocketErrorCode.TOKEN_EXPIRED);
  }
  session.token = verified.token;
  session.claims = verified.claims;
  session.subject = verified.subject;
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
  if (options.encodedPropertyName) {
    (socket as unknown as Record<string, unknown>)[options.encodedPropertyName] = verified.token;
  }
  if (options.stripHandshakeToken) stripTokenFromHandshake(socket.handshake);
}
