import type { JwtPayload } from 'jsonwebtoken';
import type { Socket } from 'socket.io';
import { EXPIRED_SESSION_ROOM } from './identity-rooms';
import { identityClaim } from '../verification/token-identity';
import type { JwtSocketSession, RestoredIdentity } from './session-state';
import { forgetRecoverySession, forgetStoredSession, isConnectedOn } from './socket-internals';
import { forgetPendingRooms, keepPendingRoomsOnDrop } from './visibility';

const WITHHELD_PACKETS = Symbol('nestjs-socketio-jwt:withheld-packets');
const EXPIRED_ONCE = Symbol('nestjs-socketio-jwt:expired-once');

/** The part of a socket.io adapter's `restoreSession` answer read here. */
interface RestoredSession {
  sid?: unknown;
  data?: unknown;
  rooms?: unknown;
  missedPackets: unknown[][];
}

export interface RestoringAdapter {
  restoreSession(pid: string, offset: string): Promise<RestoredSession | null> | RestoredSession | null;
}

type DataWithWithheldPackets = { [WITHHELD_PACKETS]?: unknown[][]; [EXPIRED_ONCE]?: true };

/**
 * socket.io writes the packets a recovered socket missed from its constructor, before middleware
 * and `connection` listeners run: a revoked or expired token would receive them. They wait in
 * `socket.data` under a symbol (never serialized) until the socket passes its re-check. A session
 * whose token ever expired ('reject-events') loses them: it had no access when some of them were
 * sent. Its mark (a room app code cannot join) is read here, before socket.io rejoins the rooms.
 */
export function withholdMissedPackets(adapter: RestoringAdapter): void {
  const restore = adapter.restoreSession.bind(adapter);
  adapter.restoreSession = async (pid, offset) => {
    const session = await restore(pid, offset);
    if (!session) return session;
    // Handed back once: socket.io's in-memory adapter keeps it until it expires, for anyone who
    // presents its id (a stale copy would also miss the expiry mark of a later drop).
    forgetStoredSession(adapter, pid);
    // Its socket is still connected: a second connection must not take its id, and with it the
    // socket's place in the namespace (where revocation and room operations find it).
    if (isConnectedOn(adapter, session.sid)) return null;
    const data =
      typeof session.data === 'object' && session.data !== null ? (session.data as DataWithWithheldPackets) : undefined;
    if (Array.isArray(session.rooms) && session.rooms.includes(EXPIRED_SESSION_ROOM)) {
      if (data) data[EXPIRED_ONCE] = true;
      session.missedPackets = [];
    }
    if (session.missedPackets.length === 0) return session;
    // Without a data object there is nowhere to keep them: dropped rather than leaked.
    if (data) {
      // Replaced, not appended: the client's offset did not move while they were held, so this
      // answer holds every packet since then, including those a previous recovery withheld.
      data[WITHHELD_PACKETS] = session.missedPackets;
    }
    session.missedPackets = [];
    return session;
  };
}

/** Sends the withheld packets; each ends with its old offset, and `emit` appends a new one. */
export function deliverWithheldPackets(socket: Socket): void {
  const data = socket.data as DataWithWithheldPackets | undefined;
  const packets = data?.[WITHHELD_PACKETS];
  if (!data || !packets) return;
  delete data[WITHHELD_PACKETS];
  for (const [event, ...args] of packets) socket.emit(String(event), ...args.slice(0, -1));
}

/**
 * Who the restored session belonged to: the claims the library stored in `socket.data` (restored
 * by socket.io from this node or, with a cluster adapter, from another). Undefined when there are none.
 */
export function restoredIdentityOf(data: unknown, decodedPropertyName: string): RestoredIdentity | undefined {
  const claims =
    typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[decodedPropertyName] : undefined;
  if (typeof claims !== 'object' || claims === null) return undefined;
  const { sub, iss } = claims as JwtPayload;
  const subject = identityClaim(sub);
  // A session of a token without `sub` names nobody: it can be handed to no one.
  if (subject === undefined) return undefined;
  return { subject, issuer: typeof iss === 'string' ? iss : undefined };
}

/**
 * A recovered socket's `socket.data` is kept off the socket until the re-check passes, so no app
 * code (a connection listener, a middleware) sees it before. A restored session of no known
 * identity is handed to no one: the socket starts afresh. One whose token ever expired (while
 * connected, or by now) keeps its rooms but not its missed packets, at this recovery and every later
 * one; unless `expiredTokenAction` is 'ignore'.
 */
export function holdRestoredSession(
  socket: Socket,
  session: JwtSocketSession,
  decodedPropertyName: string,
  enforcesExpiry: boolean,
): void {
  const data = socket.data as Record<string, unknown>;
  const identity = restoredIdentityOf(data, decodedPropertyName);
  socket.data = {};
  if (!identity) {
    forgetRecoverySession(socket);
    return;
  }
  const marks = data as DataWithWithheldPackets;
  // Expired while connected (the mark), or while away: it had no access when some were sent.
  if (marks[EXPIRED_ONCE] === true || (enforcesExpiry && hasExpired(data[decodedPropertyName]))) {
    session.expiredOnce = true;
    delete marks[WITHHELD_PACKETS];
  }
  delete marks[EXPIRED_ONCE];
  session.restored = { ...identity, data };
  keepPendingRoomsOnDrop(socket);
}

/** A recovered session that was not handed back: its data, rooms and missed packets go. */
export function discardRestoredSession(socket: Socket, session: JwtSocketSession): void {
  if (!session.restored) return;
  session.restored = undefined;
  // Or the client, which keeps its session id, would be handed the same session again next time.
  forgetRecoverySession(socket);
  forgetPendingRooms(session);
  socket.data = {};
}

/** The restored claims' `exp` has passed. */
function hasExpired(claims: unknown): boolean {
  const exp = (claims as JwtPayload | undefined)?.exp;
  return typeof exp === 'number' && exp * 1000 <= Date.now();
}
