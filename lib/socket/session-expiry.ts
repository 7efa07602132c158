import type { Socket } from 'socket.io';
import type { ExpiredTokenAction } from '../options/module-options';
import { ExpirySchedule } from './expiry-schedule';
import { sessionOf, type JwtSocketSession } from './session-state';

/**
 * The expiry of open sockets: one shared schedule, at most one entry per socket. `onExpired` is
 * called for an authenticated socket whose deadline has passed.
 */
export class SessionExpiry {
  private readonly schedule = new ExpirySchedule<Socket>((socket) => this.due(socket));

  constructor(
    private readonly action: ExpiredTokenAction,
    private readonly onExpired: (socket: Socket, session: JwtSocketSession) => void,
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
    else this.onExpired(socket, session);
  }
}
