import { Logger } from '@nestjs/common';
import type { Socket } from 'socket.io';
import type { ResolvedJwtSocketOptions } from '../options/module-options';
import { JwtSocketErrorCode } from '../protocol/error-codes';
import { UnauthorizedError } from '../protocol/unauthorized-error';
import { boundedCall } from '../verification/bounded-call';
import { describeError } from '../verification/log-safe';
import type { VerifiedToken } from '../verification/token-verifier';
import type { JwtSocketSession, RestoredIdentity } from './session-state';

const logger = new Logger('JwtSocket');

/**
 * Whether a verified token may become the socket's: the attempt is still wanted (not refused or
 * revoked while the token was verified), the token names the identity it must (the same subject
 * on a refresh, the restored session's on a recovery), and the app's `onAuthenticated` hook
 * accepts it. Resolves with the hook's user; throws an `UnauthorizedError`.
 */
export async function admitVerifiedToken(
  options: ResolvedJwtSocketOptions,
  socket: Socket,
  session: JwtSocketSession,
  verified: VerifiedToken,
  isRefresh: boolean,
): Promise<unknown> {
  if (session.closing) throw session.closing;
  if (session.attempt?.revoked) throw new UnauthorizedError(JwtSocketErrorCode.TOKEN_REVOKED);
  // A token without `sub` names nobody: it cannot prove it is the same subject.
  if (
    isRefresh &&
    !options.allowSubjectChange &&
    (verified.subject === undefined || verified.subject !== session.subject)
  ) {
    throw new UnauthorizedError(JwtSocketErrorCode.SUBJECT_MISMATCH);
  }
  if (session.restored && !namesRestoredIdentity(session.restored, verified)) {
    throw new UnauthorizedError(
      JwtSocketErrorCode.SUBJECT_MISMATCH,
      'The token names another subject than the session it recovers',
    );
  }
  return options.onAuthenticated ? runHook(options, socket, verified, isRefresh) : undefined;
}

/** A recovered session is handed back only to a token of its subject and issuer (both absent counts as the same). */
function namesRestoredIdentity(restored: RestoredIdentity, verified: VerifiedToken): boolean {
  const issuer = typeof verified.claims.iss === 'string' ? verified.claims.iss : undefined;
  return verified.subject === restored.subject && issuer === restored.issuer;
}

/** The hook's answer: a user (kept in `socket.data`), `true` / nothing (no user), `false` (refused). */
async function runHook(
  options: ResolvedJwtSocketOptions,
  socket: Socket,
  verified: VerifiedToken,
  isRefresh: boolean,
): Promise<unknown> {
  const hook = options.onAuthenticated!;
  const result = await boundedCall(
    () => hook({ decoded: verified.claims, socket, isRefresh }),
    options.secretTimeout,
    (error) => {
      if (error instanceof UnauthorizedError) return error;
      logger.warn(`onAuthenticated failed: ${describeError(error)}`);
      return new UnauthorizedError(JwtSocketErrorCode.AUTHENTICATION_REJECTED);
    },
  );
  if (result === false) throw new UnauthorizedError(JwtSocketErrorCode.AUTHENTICATION_REJECTED);
  return result === true ? undefined : result;
}
