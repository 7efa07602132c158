import { Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { UnauthorizedError } from './protocol/unauthorized-error';
import { JwtSocketErrorCode } from './protocol/error-codes';
import { sessionOf } from './socket/session-state';

/** Logged once per process: the guard meets every event of such a socket. */
let reportedMissingAdapter = false;

/**
 * Lets an event through only from an authenticated socket whose token has not expired. It
 * compares the stored `exp` and never re-checks the signature. Outside a ws context it stays out
 * of the way (Nest 12 applies `APP_GUARD` to gateways and HTTP alike).
 */

@Injectable()
export class JwtSocketGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'ws') return true;
    const socket = context.switchToWs().getClient<Socket>();
    const rejection = this.findRejection(socket);
    if (!rejection) return true;
    const payload = { status: 'error', ...rejection.toJSON() };
    this.answerAck(context, payload);
    throw new WsException(payload);
  }

  /** Why `socket` may not reach the handler, or undefined. Override to add checks. */
  protected findRejection(socket: Socket): UnauthorizedError | undefined {
    const session = sessionOf(socket);
    if (!session) return this.missingAdapterRejection(socket);
    if (session.closing) return session.closing;
    if (!session?.authenticated) return new UnauthorizedError(JwtSocketErrorCode.CREDENTIALS_REQUIRED);
    if (session.expiresAt !== undefined && Date.now() >= session.expiresAt) {
      return new UnauthorizedError(JwtSocketErrorCode.TOKEN_EXPIRED);
    }
    return undefined;
  }

  /** A socket the library never saw: the app runs without JwtSocketIoAdapter. The client is not to blame. */
  private missingAdapterRejection(socket: Socket): UnauthorizedError {
    if (!reportedMissingAdapter) {
      reportedMissingAdapter = true;
      new Logger('JwtSocketGuard').error(
        `A socket on namespace ${socket.nsp?.name ?? '?'} was not authenticated by JwtSocketIoAdapter: add ` +
          '`app.useWebSocketAdapter(new JwtSocketIoAdapter(app))` in main.ts. Every guarded event is refused.',
      );
    }
    return new UnauthorizedError(JwtSocketErrorCode.AUTHENTICATION_UNAVAILABLE);
  }

  /** Nest never answers the ack of an event a guard refused; a waiting client would hang. */
  protected answerAck(context: ExecutionContext, payload: object): void {
    const args = context.getArgs();
    for (let index = args.length - 1; index >= 1; index--) {
      if (typeof args[index] === 'function') {
        (args[index] as (response: object) => void)(payload);
        return;
      }
    }
  }
}
