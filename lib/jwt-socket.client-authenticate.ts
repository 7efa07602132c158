import { JwtSocketEvent } from './jwt-socket.events';
import type { UnauthorizedPayload } from './jwt-socket.error';

/** The slice of a socket.io-client `Socket` that `authenticateSocket` uses. */
export interface AuthenticatingSocket {
  emit(event: string, ...args: unknown[]): unknown;
  once(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener?: (...args: any[]) => void): unknown;
}

/**
 * Event mode and in-band refresh: sends `authenticate { token }` and resolves on `authenticated`,
 * rejects with the `unauthorized` payload (check it with `isUnauthorizedError`).
 */
export function authenticateSocket(socket: AuthenticatingSocket, token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAuthenticated = () => {
      socket.off(JwtSocketEvent.UNAUTHORIZED, onUnauthorized);
      resolve();
    };
    const onUnauthorized = (error: UnauthorizedPayload, ack?: () => void) => {
      socket.off(JwtSocketEvent.AUTHENTICATED, onAuthenticated);
      if (typeof ack === 'function') ack();
      reject(error);
    };
    socket.once(JwtSocketEvent.AUTHENTICATED, onAuthenticated);
    socket.once(JwtSocketEvent.UNAUTHORIZED, onUnauthorized);
    socket.emit(JwtSocketEvent.AUTHENTICATE, { token });
  });
}
