import type { Socket } from 'socket.io';
import { sessionOf } from './session-state';
import { extendAdapterOperations, type RoomSelection } from './socket-internals';

/**
 * Sockets whose token expired under `expiredTokenAction: 'reject-events'`, per adapter. They are
 * hidden (in no adapter room, so no broadcast reaches them) but still connected, and a refresh
 * brings them back into their rooms. So the app's room operations still reach them by those rooms,
 * on every node: `disconnectSockets()` disconnects them, `socketsLeave()` takes them out for good,
 * `socketsJoin()` and `fetchSockets()` see them, as if they were in their rooms; a broadcast does not.
 */
const expiredSocketsByAdapter = new WeakMap<object, Set<Socket>>();

export function trackExpiredSocket(socket: Socket): void {
  const adapter = socket.nsp.adapter;
  let sockets = expiredSocketsByAdapter.get(adapter);
  if (!sockets) expiredSocketsByAdapter.set(adapter, (sockets = new Set()));
  sockets.add(socket);
}

export function untrackExpiredSocket(socket: Socket): void {
  expiredSocketsByAdapter.get(socket.nsp.adapter)?.delete(socket);
}

/**
 * Once per adapter instance: its room operations reach its expired sockets too, and so does a
 * broadcast addressed to one of them by its id alone. That is how socket.io sends `socket.emit`
 * when connection-state recovery is on: a socket the app holds (or the guard's `exception`) reaches
 * its client whether recovery is on or off. Any other broadcast skips them.
 */
export function reachExpiredSockets(adapter: object): void {
  const expiredSockets = (selection: RoomSelection): Socket[] => {
    const sockets = expiredSocketsByAdapter.get(adapter);
    // A copy: the operation may disconnect them (and so untrack them) as it goes.
    return sockets && sockets.size > 0 ? [...sockets].filter((socket) => isSelected(socket, selection)) : [];
  };
  extendAdapterOperations(adapter, {
    selectedBy: expiredSockets,
    addressedBy: (selection) => {
      if (selection.rooms.size !== 1) return [];
      const [id] = selection.rooms;
      return expiredSockets(selection).filter((socket) => socket.id === id);
    },
  });
}

/** Selected like socket.io's `apply`: in one of the rooms (or any socket when none), in none of the excluded. */
function isSelected(socket: Socket, selection: RoomSelection): boolean {
  const session = sessionOf(socket);
  if (!session) return false;
  const isIn = (room: string): boolean =>
    room === socket.id ||
    session.pendingRooms?.has(room) === true ||
    session.expiredIdentityRooms?.includes(room) === true;
  if (selection.except) for (const room of selection.except) if (isIn(room)) return false;
  if (selection.rooms.size === 0) return true;
  for (const room of selection.rooms) if (isIn(room)) return true;
  return false;
}
