import type { JwtPayload } from 'jsonwebtoken';
import type { IdentityRoomClaim } from '../options/module-options';
import type { Socket } from 'socket.io';
import { identityClaim } from '../verification/token-identity';

/** Rooms every authenticated socket joins (as `identityRooms` chooses), for the app to reach a user on every node. */
export const SUBJECT_ROOM_PREFIX = 'nestjs-socketio-jwt:sub:';
/** Prefix of the room of a token id: `TOKEN_ID_ROOM_PREFIX + jti` (see `SUBJECT_ROOM_PREFIX`). */
export const TOKEN_ID_ROOM_PREFIX = 'nestjs-socketio-jwt:jti:';

/**
 * The rooms of an authenticated socket's identity (`sub`, `jti`), for the app to reach a user's
 * sockets on every node. Only the library puts a socket in them or takes it out: a room of these
 * prefixes that app code (or a client, through a handler) asks to join or leave is ignored.
 */
export function identityRooms(claims: JwtPayload | undefined, joined: readonly IdentityRoomClaim[]): string[] {
  const rooms: string[] = [];
  const subject = joined.includes('sub') ? identityClaim(claims?.sub) : undefined;
  const tokenId = joined.includes('jti') ? identityClaim(claims?.jti) : undefined;
  if (subject !== undefined) rooms.push(SUBJECT_ROOM_PREFIX + subject);
  if (tokenId !== undefined) rooms.push(TOKEN_ID_ROOM_PREFIX + tokenId);
  return rooms;
}

/**
 * Marks a recovery session whose token expired at some point ('reject-events'): recovered with a
 * valid token, it gets its rooms back but not the packets it missed (it had no access for a while).
 */
export const EXPIRED_SESSION_ROOM = 'nestjs-socketio-jwt:expired';

/** The library's rooms: the identity rooms and the expired-session mark. App code cannot join or leave them. */
export function isLibraryRoom(room: unknown): boolean {
  return isIdentityRoom(room) || room === EXPIRED_SESSION_ROOM;
}

export function isIdentityRoom(room: unknown): boolean {
  return typeof room === 'string' && (room.startsWith(SUBJECT_ROOM_PREFIX) || room.startsWith(TOKEN_ID_ROOM_PREFIX));
}

/** True while the library itself joins or leaves identity rooms. */
let libraryMovesItsRooms = false;

export function joinIdentityRooms(
  socket: Socket,
  claims: JwtPayload | undefined,
  joined: readonly IdentityRoomClaim[],
): void {
  const rooms = identityRooms(claims, joined);
  if (rooms.length > 0) asLibrary(() => void socket.join(rooms));
}

/** After a refresh: leaves the identity rooms of the previous claims that the new ones do not name. */
export function moveIdentityRooms(
  socket: Socket,
  claims: JwtPayload | undefined,
  joined: readonly IdentityRoomClaim[],
): void {
  const next = identityRooms(claims, joined);
  asLibrary(() => {
    for (const room of socket.rooms) if (isIdentityRoom(room) && !next.includes(room)) void socket.leave(room);
    void socket.join(next);
  });
}

/** The part of a socket.io adapter that joins and leaves rooms (every adapter has it). */
interface RoomAdapter {
  addAll(id: string, rooms: Set<string>): unknown;
  del(id: string, room: string): unknown;
}

/** Once per adapter instance: the library's rooms are the library's to join and leave. */
export function reserveLibraryRooms(adapter: RoomAdapter): void {
  const addAll = adapter.addAll.bind(adapter);
  const del = adapter.del.bind(adapter);
  adapter.addAll = (id, rooms) => addAll(id, libraryMovesItsRooms ? rooms : withoutLibraryRooms(rooms));
  adapter.del = (id, room) => (libraryMovesItsRooms || !isLibraryRoom(room) ? del(id, room) : undefined);
}

function withoutLibraryRooms(rooms: Set<string>): Set<string> {
  for (const room of rooms) {
    if (isLibraryRoom(room)) return new Set([...rooms].filter((each) => !isLibraryRoom(each)));
  }
  return rooms;
}

/** Runs `move` as the library: it may join and leave the library's rooms. */
export function asLibrary(move: () => void): void {
  libraryMovesItsRooms = true;
  try {
    move();
  } finally {
    libraryMovesItsRooms = false;
  }
}
