import type { Socket } from 'socket.io';
import { endAttempt } from './authentications-in-flight';
import { UnauthorizedError } from '../protocol/unauthorized-error';
import { JwtSocketErrorCode } from '../protocol/error-codes';
import { JwtSocketEvent } from '../protocol/events';
import { isIdentityRoom } from './identity-rooms';
import { sessionOf, type JwtSocketSession } from './session-state';
import {
  answerIncomingAck,
  classSocketMembers,
  deliverToListenersOnly,
  overrideSocketMembers,
  restoreSocketMembers,
  type IncomingEventPacket,
  type OverridableSocketMembers,
} from './socket-internals';

/**
 * Hides a socket that has no access (pending authentication, or closing): it leaves every adapter
 * room, so `server.emit`, room broadcasts and `fetchSockets()` skip it. While hidden, rooms it is
 * asked to join (by app code, a middleware, a remote `socketsJoin`) are only remembered, and the
 * events it sends reach no listener (`onAny` included) but `authenticate`; an event's ack is
 * answered with the refusal. `keepRooms` remembers the rooms it is in now (restored by recovery).
 */
export function hide(socket: Socket, session: JwtSocketSession, keepRooms: boolean): void {
  const rooms = socket.rooms;
  if (keepRooms) {
    for (const room of rooms) if (room !== socket.id && !isIdentityRoom(room)) rememberRoom(session, room);
  }
  if (!session.hidden) {
    session.hidden = true;
    overrideSocketMembers(socket, HIDDEN_SOCKET_MEMBERS);
  }
  // Leaving rooms is not enough: `server.emit` reaches every id the adapter knows.
  if (rooms.size > 0) socket.nsp.adapter.delAll(socket.id);
}

/** Makes an authenticated socket visible: its own room, the rooms it was asked to join meanwhile. */
export function reveal(socket: Socket, session: JwtSocketSession): void {
  if (!session.hidden) return;
  session.hidden = false;
  restoreSocketMembers(socket);
  const rooms = [socket.id, ...(session.pendingRooms ?? [])];
  session.pendingRooms = undefined;
  void socket.join(rooms);
}

/** Forgets the rooms remembered for a hidden socket (it is refused, or restored for someone else). */
export function forgetPendingRooms(session: JwtSocketSession): void {
  session.pendingRooms = undefined;
}

/**
 * socket.io persists a dropped socket's rooms for the next recovery; a hidden socket is in none.
 * Called on `disconnecting` of a recovered socket whose re-check is still running, so the rooms it
 * is waiting for survive one more drop (they are checked again at the next recovery).
 */
export function keepPendingRoomsForRecovery(this: Socket): void {
  const session = sessionOf(this);
  if (!session?.hidden || session.closing || !session.restored) return;
  this.data = session.restored.data;
  if (session.pendingRooms?.size) void this.nsp.adapter.addAll(this.id, new Set(session.pendingRooms));
}

function rememberRoom(session: JwtSocketSession, room: string): void {
  (session.pendingRooms ??= new Set()).add(room);
}

const HIDDEN_SOCKET_MEMBERS: OverridableSocketMembers = {
  join(this: Socket, rooms: string | string[]): void {
    const session = sessionOf(this);
    if (!session || session.closing) return;
    for (const room of Array.isArray(rooms) ? rooms : [rooms]) rememberRoom(session, room);
  },

  leave(this: Socket, room: string): void {
    sessionOf(this)?.pendingRooms?.delete(room);
  },

  /** The socket is gone (socket.io's `_cleanup`), also when it was refused or abandoned before CONNECT. */
  leaveAll(this: Socket): void {
    classSocketMembers(this).leaveAll.call(this);
    const session = sessionOf(this);
    if (session?.attempt) endAttempt(session.attempt);
  },

  /** Stays installed once the socket is visible: `authenticate` always takes the private path. */
  onevent(this: Socket, packet: IncomingEventPacket): void {
    // A token is in the payload: no `onAny` listener or socket middleware of the app may log it.
    if (packet.data?.[0] === JwtSocketEvent.AUTHENTICATE) return deliverToListenersOnly(this, packet);
    const session = sessionOf(this);
    // Hidden but authenticated: its token expired under 'reject-events'; the guard refuses the event with `token_expired`.
    if (!session?.hidden || session.authenticated) return classSocketMembers(this).onevent.call(this, packet);
    // Dropped: no listener runs. A client waiting on an ack still gets an answer.
    const refusal = session?.closing ?? new UnauthorizedError(JwtSocketErrorCode.CREDENTIALS_REQUIRED);
    answerIncomingAck(this, packet, { status: 'error', ...refusal.toJSON() });
  },
};
