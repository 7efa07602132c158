import type { JwtPayload } from 'jsonwebtoken';
import type { Socket } from 'socket.io';
import { identityClaim } from './identity-rooms';
import type { JwtSocketSession, RestoredIdentity } from './session-state';
import { forgetRecoverySession } from './socket-internals';
import { forgetPendingRooms, keepPendingRoomsForRecovery } from './visibility';

const WITHHELD_PACKETS = Symbol('nestjs-socketio-jwt:withheld-packets');

/** The part of a socket.io adapter's `restoreSession` answer read here. */
interface RestoredSession {
  data?: unknown;
  missedPackets: unknown[][];
}

export interface RestoringAdapter {
  restoreSession(pid: string, offset: string): Promise<RestoredSession | null> | RestoredSession | null;
}

type DataWithWithheldPackets = { [WITHHELD_PACKETS]?: unknown[][] };

/**
 * socket.io writes the packets a recovered socket missed from its constructor, before middleware
 * and `connection` listeners run: a revoked or expired token would receive them. They wait in
 * `socket.data` under a symbol (never serialized) until the socket passes its re-check.
 */
export function withholdMissedPackets(adapter: RestoringAdapter): void {
  const restore = adapter.restoreSession.bind(adapter);
  adapter.restoreSession = async (pid, offset) => {
    const session = await restore(pid, offset);
    if (!session || session.missedPackets.length === 0) return session;
    // Without a data object there is nowhere to keep them: dropped rather than leaked.
    if (typeof session.data === 'object' && session.data !== null) {
      // Replaced, not appended: the client's offset did not move while they were held, so this
      // answer holds every packet since then, including those a previous recovery withheld.
      (session.data as DataWithWithheldPackets)[WITHHELD_PACKETS] = session.missedPackets;
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

/** The same subject and the same issuer (both absent counts as the same). */
export function isSameIdentity(restored: RestoredIdentity, claims: JwtPayload): boolean {
  const issuer = typeof claims.iss === 'string' ? claims.iss : undefined;
  return identityClaim(claims.sub) === restored.subject && issuer === restored.issuer;
}

/**
 * A recovered socket's `socket.data` is kept off the socket until the re-check passes, so no app
 * code (a connection listener, a middleware) sees it before. A restored session of no known
 * identity is handed to no one: the socket starts afresh.
 */
export function holdRestoredSession(socket: Socket, session: JwtSocketSession, decodedPropertyName: string): void {
  const data = socket.data as Record<string, unknown>;
  const identity = restoredIdentityOf(data, decodedPropertyName);
  socket.data = {};
  if (!identity) {
    forgetRecoverySession(socket);
    return;
  }
  session.restored = { ...identity, data };
  socket.once('disconnecting', keepPendingRoomsForRecovery);
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
