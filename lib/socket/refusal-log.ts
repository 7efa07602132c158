import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { JwtPayload } from 'jsonwebtoken';
import type { Socket } from 'socket.io';
import type { UnauthorizedError } from '../protocol/unauthorized-error';
import { quote } from '../verification/log-safe';
import { identityClaim } from '../verification/token-identity';

const logger = new Logger('JwtSocket');

/**
 * One `debug` line per refusal, so operators can see why sockets are turned away: the code, the
 * namespace, and a label of the token that is never the token itself (its verified `jti`, else the
 * first 12 hex digits of its SHA-256, enough to match two lines and useless to replay).
 */
export function logRefusal(socket: Socket, error: UnauthorizedError, token: unknown, claims?: JwtPayload): void {
  // Not gated on Logger.isLevelEnabled: Nest 11 answers false for a custom logger without levels.
  logger.debug(
    `Refused socket ${socket.id} on namespace ${quote(socket.nsp.name)}: ${error.code} (${tokenLabel(token, claims)})`,
  );
}

function tokenLabel(token: unknown, claims: JwtPayload | undefined): string {
  const tokenId = identityClaim(claims?.jti);
  if (tokenId !== undefined) return `jti ${quote(tokenId)}`;
  if (typeof token !== 'string' || token.length === 0) return 'no token';
  return `token sha256:${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
}
