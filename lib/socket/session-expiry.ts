import type { Socket } from 'socket.io';
import type { ExpiredTokenAction } from '../options/module-options';
import { JwtSocketErrorCode } from '../protocol/error-codes';
import { UnauthorizedError } from '../protocol/unauthorized-error';
import { ExpirySchedule } from './expiry-schedule';
import { logRefusal } from './refusal-log';
import { sessionOf, type JwtSocketSession } from './session-state';
import { hide } from './visibility';

/**
 * The expiry of open sockets: one shared schedule, at most one entry per socket. When an
 * authenticated socket's deadline passes, `'disconnect'` closes it (through `close`); `'reject-events'`
 * keeps it connected but without access: hidden from every broadcast (its rooms remembered, and still
 * reached by room operations, see `expired-sockets.ts`), its events refused by the guard, until an
 * in-band refresh brings it back.
 */
export class SessionExpiry {
  private readonly schedule = new ExpirySchedule<Socket>((socket) => this.due(socket));

  constructor(
    private readonly action: ExpiredTokenAction,
    private readonly close: (socket: Socket, session: JwtSocketSession, error: UnauthorizedError) => void,
  ) {}

  /** (Re)arms the socket's deadline; `expiredTokenAction: 'ignore'` needs no timer. */
  arm(socket: Socket, session: JwtSocketSession): void {
    this.disarm(socket, session);
    if (this.action === 'ignore' || session.expiresAt === undefined) return;
    session.expirySlot = this.schedule.add(socket, session.expiresAt);
  }

  disarm(socket: Socket, session: JwtSocketSession): void {
    if (session.expirySlot === undefined) return;
    this.schedule.remove(socket, session.expirySlot);
    session.expirySlot = undefined;
  }

  /** How many open sockets have an expiry scheduled. */
  get size(): number {
    return this.schedule.size;
  }

  private due(socket: Socket): void {
    const session = sessionOf(socket);
    if (session) session.expirySlot = undefined;
    if (!session?.authenticated || session.expiresAt === undefined || socket.disconnected) return;
    // A refresh may have moved the deadline since the slot was taken.
    if (Date.now() < session.expiresAt) this.arm(socket, session);
    else this.expire(socket, session);
  }

  private expire(socket: Socket, session: JwtSocketSession): void {
    const expired = new UnauthorizedError(JwtSocketErrorCode.TOKEN_EXPIRED);
    if (this.action === 'disconnect') return this.close(socket, session, expired);
    logRefusal(socket, expired, session.token, session.claims);
    hide(socket, session, true);
  }
}
