import { Injectable } from '@nestjs/common';
import type { Socket } from 'socket.io';
import type { TokenIdentity } from '../verification/token-identity';

/**
 * One running authentication: handshake, event-mode `authenticate`, in-band refresh or recovery
 * re-check. The verifier fills in its `subject` and `tokenId` as soon as the token is decoded.
 */
export interface AuthenticationAttempt extends TokenIdentity {
  readonly socket: Socket;
  /** A revocation of this subject or token id arrived while the attempt ran: it must end refused. */
  revoked: boolean;
  /** The registry it runs in, so whoever sees the socket go can end it. */
  readonly runningIn: Set<AuthenticationAttempt>;
}

/** Ends an attempt (idempotent): it settled, or its socket is gone. */
export function endAttempt(attempt: AuthenticationAttempt): void {
  attempt.runningIn.delete(attempt);
}

/** How many attempts begin between two sweeps of those whose client left mid-handshake. */
const PRUNE_EVERY = 256;

/**
 * The authentications running on this node, so a revocation also reaches the ones that are
 * still inside an async step (key lookup, RevocationCheck, `onAuthenticated`) and would otherwise
 * connect after the revocation returned.
 */
@Injectable()
export class AuthenticationsInFlight {
  private readonly attempts = new Set<AuthenticationAttempt>();
  private beginsSincePrune = 0;

  begin(socket: Socket): AuthenticationAttempt {
    if (++this.beginsSincePrune >= PRUNE_EVERY) this.pruneAbandoned();
    const attempt: AuthenticationAttempt = { socket, revoked: false, runningIn: this.attempts };
    this.attempts.add(attempt);
    return attempt;
  }

  /** Marks the attempts of `subject` / `tokenId` revoked and returns their sockets. */
  revoke(subject: string | undefined, tokenId: string | undefined): Socket[] {
    const sockets: Socket[] = [];
    for (const attempt of this.attempts) {
      const matches =
        (subject !== undefined && attempt.subject === subject) ||
        (tokenId !== undefined && attempt.tokenId === tokenId);
      if (!matches || attempt.revoked) continue;
      attempt.revoked = true;
      sockets.push(attempt.socket);
    }
    return sockets;
  }

  get size(): number {
    return this.attempts.size;
  }

  /**
   * socket.io cleans up a socket refused or abandoned before CONNECT (which ends its attempt, see
   * the hidden socket's `leaveAll`) only once the middleware chain answers; a sweep is the backstop.
   */
  private pruneAbandoned(): void {
    this.beginsSincePrune = 0;
    for (const attempt of this.attempts) {
      if (attempt.socket.conn.readyState !== 'open') this.attempts.delete(attempt);
    }
  }
}
