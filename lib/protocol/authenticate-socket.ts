import { JwtSocketEvent } from './events';
import type { UnauthorizedPayload } from './unauthorized-error';

/** The slice of a socket.io-client `Socket` that `authenticateSocket` uses. */
export interface AuthenticatingSocket {
  /** Sends `authenticate { token }` with an ack. */
  emit(event: string, ...args: unknown[]): unknown;
  /** Listens for `disconnect` and `unauthorized` while the answer is pending. */
  once(event: string, listener: (...args: any[]) => void): unknown;
  /** Removes those listeners once the answer came. */
  off(event: string, listener?: (...args: any[]) => void): unknown;
}

/** What the server answers to the ack of an `authenticate`. */
type AuthenticateAnswer = { status: 'ok' } | ({ status: 'error' } & UnauthorizedPayload);

/**
 * Event mode and in-band refresh: sends `authenticate { token }` and resolves once the server
 * accepted it, or rejects with the `unauthorized` payload (check it with `isUnauthorizedError`).
 *
 * Each call is answered through its own ack, so overlapping calls on one socket each settle with
 * the answer to their own request. A call whose socket disconnects before the answer rejects with
 * an `Error`.
 */
export function authenticateSocket(socket: AuthenticatingSocket, token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDisconnect = (reason: unknown) => {
      reject(new Error(`The socket disconnected (${String(reason)}) before the server answered authenticate`));
    };
    socket.once('disconnect', onDisconnect);
    socket.emit(JwtSocketEvent.AUTHENTICATE, { token }, (answer: AuthenticateAnswer) => {
      socket.off('disconnect', onDisconnect);
      if (answer?.status === 'ok') {
        resolve();
        return;
      }
      // A refusal that ends the socket follows as `unauthorized`: acking it lets the server
      // disconnect at once instead of waiting `callback` ms.
      socket.once(JwtSocketEvent.UNAUTHORIZED, ackRefusal);
      reject(toUnauthorizedPayload(answer));
    });
  });
}

function ackRefusal(_error: unknown, ack?: unknown): void {
  if (typeof ack === 'function') (ack as () => void)();
}

function toUnauthorizedPayload(answer: AuthenticateAnswer | undefined): UnauthorizedPayload {
  if (answer && answer.status === 'error') return { message: answer.message, data: answer.data };
  return {
    message: 'Unexpected answer to authenticate',
    data: { type: 'UnauthorizedError', code: 'authentication_rejected', message: 'Unexpected answer to authenticate' },
  };
}
