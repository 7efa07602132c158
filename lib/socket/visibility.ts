import type { Socket } from 'socket.io';
import { endAttempt } from './authentications-in-flight';
import { UnauthorizedError } from '../protocol/unauthorized-error';
import { JwtSocketErrorCode } from '../protocol/error-codes';
import { JwtSocketEvent } from '../protocol/events';
import { trackExpiredSocket, untrackExpiredSocket } from './expired-sockets';
import { asLibrary, EXPIRED_SESSION_ROOM, isIdentityRoom, isLibraryRoom } from './identity-rooms';
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
 * Hides a socket that has no access (pending authentication, expired, or closing): it leaves every
 * adapter room, so `server.emit` and room broadcasts skip it. While hidden, rooms it is asked to
 * join (by app code, a middleware, a remote `socketsJoin`) are only remembered, and the events it
 * sends reach no listener (`onAny` included) but `authenticate`; an event's ack is answered with the
 * refusal. `keepRooms` remembers the rooms it is in now (restored by recovery or a refresh).
 *
 * A socket hidden while still authenticated is one whose token expired under 'reject-events': room
 * operations (`disconnectSockets`, `socketsLeave`, `fetchSockets`...) keep reaching it by its rooms.
 */
export function hide(socket: Socket, session: JwtSocketSession, keepRooms: boolean): void {
  const rooms = socket.rooms;
  if (keepRooms) {
    for (const room of rooms) if (room !== socket.id && !isLibraryRoom(room)) rememberRoom(session, room);
  }
  if (session.authenticated) {
    // A drop from now on saves its rooms for recovery, marked so its missed packets are not replayed.
    session.expiredOnce = true;
    keepPendingRoomsOnDrop(socket);
    session.expiredIdentityRooms = [...rooms].filter(isIdentityRoom);
    trackExpiredSocket(socket);
  } else {
    session.expiredIdentityRooms = undefined;
    untrackExpiredSocket(socket);
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
  session.expiredIdentityRooms = undefined;
  untrackExpiredSocket(socket);
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
 * Called on `disconnecting` of a recovered socket whose re-check is still running and of a socket
 * whose token expired under 'reject-events', so the rooms it is waiting for survive the drop (they
 * are checked again at the next recovery). The session of a socket whose token ever expired is
 * marked, hidden or not by now: its client may present an offset from before the expiry, and
 * nothing sent since may be replayed to it.
 */
export function keepPendingRoomsForRecovery(this: Socket): void {
  const session = sessionOf(this);
  if (!session || session.closing) return;
  const rooms = new Set<string>();
  if (session.hidden && (session.authenticated || session.restored)) {
    if (session.restored) this.data = session.restored.data;
    session.pendingRooms?.forEach((room) => rooms.add(room));
  }
  if (session.expiredOnce) rooms.add(EXPIRED_SESSION_ROOM);
  if (rooms.size > 0) asLibrary(() => void this.nsp.adapter.addAll(this.id, rooms));
}

/** Once per socket: `keepPendingRoomsForRecovery` runs when it drops. */
export function keepPendingRoomsOnDrop(socket: Socket): void {
  if (!socket.listeners('disconnecting').includes(keepPendingRoomsForRecovery)) {
    socket.once('disconnecting', keepPendingRoomsForRecovery);
  }
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
    untrackExpiredSocket(this);
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
