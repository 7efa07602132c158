import { Inject, Injectable } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { JWT_SOCKET_RESOLVED_OPTIONS } from '../options/resolved-options-token';
import type { ResolvedJwtSocketOptions } from '../options/module-options';
import { UnauthorizedError } from '../protocol/unauthorized-error';
import { TokenVerifier } from '../verification/token-verifier';
import { admitVerifiedToken } from './admission';
import { AuthenticationsInFlight } from './authentications-in-flight';
import { commitVerifiedToken } from './commit-token';
import { logRefusal } from './refusal-log';
import type { JwtSocketSession } from './session-state';

/**
 * Token → session, for every kind of authentication (handshake, `authenticate`, refresh, recovery
 * re-check), top-down: begin an attempt, read the token, verify it (verification/), admit it (the
 * identity it must name, the hook), commit it to the socket. Each run is an attempt a revocation
 * can reach at every await.
 */
@Injectable()
export class SocketAuthenticator {
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
      // The verifier names the attempt's subject and token id as soon as it decodes the token.
      const verified = await this.verifier.verify(token, socket.handshake, attempt);
      const user = await admitVerifiedToken(this.options, socket, session, verified, isRefresh);
      commitVerifiedToken(this.options, socket, session, verified, user);
    } catch (error) {
      // A socket closed meanwhile was logged by whoever closed it.
      if (error instanceof UnauthorizedError && error !== session.closing) logRefusal(socket, error, token);
      throw error;
    } finally {
      session.verifying = false;
    }
  }
}
