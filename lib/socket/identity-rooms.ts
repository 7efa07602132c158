import type { JwtPayload } from 'jsonwebtoken';
import type { Socket } from 'socket.io';
import { SUBJECT_ROOM_PREFIX, TOKEN_ID_ROOM_PREFIX } from '../options/constants';

/** The rooms an authenticated socket joins so that revocation reaches it through any adapter. */
export function identityRooms(claims: JwtPayload | undefined): string[] {
  const rooms: string[] = [];
  const subject = identityClaim(claims?.sub);
  const tokenId = identityClaim(claims?.jti);
  if (subject !== undefined) rooms.push(subjectRoom(subject));
  if (tokenId !== undefined) rooms.push(tokenIdRoom(tokenId));
  return rooms;
}

export function subjectRoom(subject: string | number): string {
  return SUBJECT_ROOM_PREFIX + String(subject);
}

export function tokenIdRoom(tokenId: string | number): string {
  return TOKEN_ID_ROOM_PREFIX + String(tokenId);
}

export function isIdentityRoom(room: string): boolean {
  return room.startsWith(SUBJECT_ROOM_PREFIX) || room.startsWith(TOKEN_ID_ROOM_PREFIX);
}

/**
 * `sub` or `jti` as the string that names it in rooms and revocations: a string, or a finite
 * number stringified. Anything else (the verifier refuses it) is undefined.
 */
export function identityClaim(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** After a refresh: leaves the identity rooms of the previous claims that the new ones do not name. */
export function moveIdentityRooms(socket: Socket, claims: JwtPayload | undefined): void {
  const next = identityRooms(claims);
  for (const room of socket.rooms) if (isIdentityRoom(room) && !next.includes(room)) void socket.leave(room);
  void socket.join(next);
}
