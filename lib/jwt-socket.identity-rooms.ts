import type { JwtPayload } from 'jsonwebtoken';
import type { Socket } from 'socket.io';
import { SUBJECT_ROOM_PREFIX, TOKEN_ID_ROOM_PREFIX } from './jwt-socket.constants';

/** The rooms an authenticated socket joins so that revocation reaches it through any adapter. */
export function identityRooms(claims: JwtPayload | undefined): string[] {
  const rooms: string[] = [];
  if (claims?.sub !== undefined) rooms.push(subjectRoom(claims.sub));
  if (claims?.jti !== undefined) rooms.push(tokenIdRoom(claims.jti));
  return rooms;
}

export function subjectRoom(subject: unknown): string {
  return SUBJECT_ROOM_PREFIX + String(subject);
}

export function tokenIdRoom(tokenId: unknown): string {
  return TOKEN_ID_ROOM_PREFIX + String(tokenId);
}

/** Rooms a recovered socket gets back after its re-check; identity rooms are rebuilt from the new claims. */
export function restorableRooms(socket: Socket): string[] {
  return [...socket.rooms].filter(
    (room) => room !== socket.id && !room.startsWith(SUBJECT_ROOM_PREFIX) && !room.startsWith(TOKEN_ID_ROOM_PREFIX),
  );
}
