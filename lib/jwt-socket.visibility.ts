import type { Socket } from 'socket.io';
import { UnauthorizedError } from './jwt-socket.error';
import { JwtSocketErrorCode } from './jwt-socket.error-codes';
import { JwtSocketEvent } from './jwt-socket.events';
import { isIdentityRoom } from './jwt-socket.identity-rooms';
import { sessionOf, type JwtSocketSession } from './jwt-socket.session';

/** The socket.io `Socket` members a hidden socket replaces with its own (shared functions, `this` is the socket). */
interface OverridableSocket {
  join: (rooms: string | string[]) => unknown;
  leave: (room: string) => unknown;
  /** Runs socket middleware, then emits an incoming event to the listeners (socket.io internal). */
  dispatch: (event: unknown[]) => void;
}

/**
 * Hides a socket that has no access (pending authentication, or closing): it leaves every adapter
 * room, so `server.emit`, room broadcasts and `fetchSockets()` skip it. While hidden, rooms it is
 * asked to join (by app code, a middleware, a remote `socketsJoin`) are only remembered, and the
 * events it sends reach no listener but `authenticate`; an event's ack is answered with the refusal.
 * `keepRooms` remembers the rooms it is in now (restored by recovery, joined by a middleware).
 */
export function hide(socket: Socket, session: JwtSocketSession, keepRooms: boolean): void {
  if (keepRooms) {
    for (const room of socket.rooms) if (room !== socket.id && !isIdentityRoom(room)) rememberRoom(session, room);
  }
  if (!session.hidden) {
    session.hidden = true;
    const own = socket as unknown as OverridableSocket;
    own.join = joinWhileHidden;
    own.leave = leaveWhileHidden;
    own.dispatch = dispatchWhileHidden;
  }
  // Leaving rooms is not enough: `server.emit` reaches every id the adapter knows.
  socket.nsp.adapter.delAll(socket.id);
}

/** Makes an authenticated socket visible: its own room, the rooms it was asked to join meanwhile. */
export function reveal(socket: Socket, session: JwtSocketSession): void {
  if (!session.hidden) return;
  session.hidden = false;
  const own = socket as unknown as OverridableSocket;
  const prototype = Object.getPrototypeOf(socket) as OverridableSocket;
  // Reassigned rather than deleted, so every socket keeps one object shape.
  own.join = prototype.join;
  own.leave = prototype.leave;
  own.dispatch = prototype.dispatch;
  const rooms = [socket.id, ...(session.pendingRooms ?? [])];
  session.pendingRooms = undefined;
  void socket.join(rooms);
}

/** Forgets the rooms remembered for a hidden socket (it is refused, or restored for someone else). */
export function forgetPendingRooms(session: JwtSocketSession): void {
  session.pendingRooms = undefined;
}

function rememberRoom(session: JwtSocketSession, room: string): void {
  (session.pendingRooms ??= new Set()).add(room);
}

function joinWhileHidden(this: Socket, rooms: string | string[]): void {
  const session = sessionOf(this);
  if (!session || session.closing) return;
  for (const room of Array.isArray(rooms) ? rooms : [rooms]) rememberRoom(session, room);
}

function leaveWhileHidden(this: Socket, room: string): void {
  sessionOf(this)?.pendingRooms?.delete(room);
}

function dispatchWhileHidden(this: Socket, event: unknown[]): void {
  const session = sessionOf(this);
  if (session && !session.closing && event[0] === JwtSocketEvent.AUTHENTICATE) {
    (Object.getPrototypeOf(this) as OverridableSocket).dispatch.call(this, event);
    return;
  }
  // Dropped: no listener runs. A client waiting on an ack still gets an answer.
  const ack = event[event.length - 1];
  if (typeof ack === 'function') {
    const refusal = session?.closing ?? new UnauthorizedError(JwtSocketErrorCode.CREDENTIALS_REQUIRED);
    (ack as (answer: object) => void)({ status: 'error', ...refusal.toJSON() });
  }
}
