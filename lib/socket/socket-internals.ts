import type { Namespace, Server, Socket } from 'socket.io';

/**
 * The one file that reads socket.io's internals (stable across socket.io 4). Everything else
 * goes through these functions.
 */

type Middleware = (socket: Socket, next: (error?: Error) => void) => void;

/** An incoming EVENT packet, as socket.io hands it to `Socket#onevent`. */
export interface IncomingEventPacket {
  data?: unknown[];
  id?: number;
}

/** The `Socket` members a hidden socket replaces with its own (shared functions, `this` is the socket). */
export interface OverridableSocketMembers {
  join(this: Socket, rooms: string | string[]): unknown;
  leave(this: Socket, room: string): unknown;
  /** socket.io calls it from `_cleanup`, for a socket refused or abandoned before CONNECT too. */
  leaveAll(this: Socket): void;
  /** Hands an incoming event to `onAny` listeners, socket middleware and listeners. */
  onevent(this: Socket, packet: IncomingEventPacket): void;
}

interface SocketInternals extends OverridableSocketMembers {
  emitUntyped(event: string, ...args: unknown[]): boolean;
  nsp: Namespace & { _ids: number };
  ack(id: number): (...args: unknown[]) => void;
  registerAckCallback(id: number, ack: (...args: unknown[]) => void): void;
  notifyOutgoingListeners?(packet: object): void;
  packet(packet: object): void;
}

const EVENT_PACKET = 2;

export function namespacesOf(server: Server): Iterable<Namespace> {
  return (server as unknown as { _nsps: Map<string, Namespace> })._nsps.values();
}

/** Runs `middleware` before every other middleware of the namespace, even those copied from a ParentNamespace. */
export function useFirst(namespace: Namespace, middleware: Middleware): void {
  (namespace as unknown as { _fns: Middleware[] })._fns.unshift(middleware);
}

export function overrideSocketMembers(socket: Socket, members: OverridableSocketMembers): void {
  Object.assign(socket, members);
}

/**
 * Puts `join`, `leave` and `leaveAll` back (reassigned rather than deleted, so sockets keep one
 * shape); `onevent` stays the library's for the socket's life.
 */
export function restoreSocketMembers(socket: Socket): void {
  const prototype = Object.getPrototypeOf(socket) as OverridableSocketMembers;
  const own = socket as unknown as OverridableSocketMembers;
  own.join = prototype.join;
  own.leave = prototype.leave;
  own.leaveAll = prototype.leaveAll;
}

export function classSocketMembers(socket: Socket): OverridableSocketMembers {
  return Object.getPrototypeOf(socket) as OverridableSocketMembers;
}

/**
 * Drops the recovery session a socket was restored from. socket.io's in-memory adapter keeps a
 * session after restoring it (until it expires), and the client keeps presenting its id: a session
 * the library refused would be restored, and refused, on every reconnection.
 */
export function forgetRecoverySession(socket: Socket): void {
  const pid = (socket as unknown as { pid?: string }).pid;
  if (pid !== undefined) forgetStoredSession(socket.nsp.adapter, pid);
}

/** Drops the recovery session of `pid` from socket.io's in-memory adapter (others keep none after a restore). */
export function forgetStoredSession(adapter: object, pid: string): void {
  const sessions = (adapter as { sessions?: unknown }).sessions;
  if (sessions instanceof Map) sessions.delete(pid);
}

/** Whether a socket of this id is connected on the adapter's namespace. */
export function isConnectedOn(adapter: object, id: unknown): boolean {
  const namespace = (adapter as { nsp?: Namespace }).nsp;
  return typeof id === 'string' && namespace?.sockets.has(id) === true;
}

/**
 * Hands an incoming event to its listeners only: no `onAny` listener and no socket middleware
 * (`socket.use`) sees it. For `authenticate`, whose payload is a token.
 */
export function deliverToListenersOnly(socket: Socket, packet: IncomingEventPacket): void {
  if (!socket.connected || !packet.data) return;
  const internals = socket as unknown as SocketInternals;
  const args = packet.id === undefined || packet.id === null ? packet.data : [...packet.data, internals.ack(packet.id)];
  internals.emitUntyped(...(args as [string, ...unknown[]]));
}

/** Answers the ack of an incoming event that no listener will see. */
export function answerIncomingAck(socket: Socket, packet: IncomingEventPacket, answer: object): void {
  if (packet.id === undefined || packet.id === null) return;
  (socket as unknown as SocketInternals).ack(packet.id)(answer);
}

/**
 * `socket.emit` straight to the client, never through the adapter. With connectionStateRecovery,
 * socket.io sends even `socket.emit` through `adapter.broadcast`: that skips a socket that left its
 * own room, and cluster adapters (streams, sharded) deliver it only after a Redis round trip, when
 * a refused socket is long disconnected. A refusal is not worth replaying on recovery anyway.
 */
export function emitDirectly(socket: Socket, event: string, args: unknown[], ack?: (...args: unknown[]) => void): void {
  const internals = socket as unknown as SocketInternals;
  const packet: { type: number; data: unknown[]; id?: number } = { type: EVENT_PACKET, data: [event, ...args] };
  if (ack) {
    const id = internals.nsp._ids++;
    internals.registerAckCallback(id, ack);
    packet.id = id;
  }
  internals.notifyOutgoingListeners?.(packet);
  internals.packet(packet);
}

/** The rooms a room operation or broadcast selects, as socket.io's adapters pass them to `apply`. */
export interface RoomSelection {
  rooms: Set<string>;
  except?: Set<string>;
}

type ApplyCallback = (socket: Socket) => void;

/** The in-memory adapter's members every adapter inherits: each operation, local or asked by another node, runs `apply`. */
interface ApplyingAdapter {
  apply(selection: RoomSelection, callback: ApplyCallback): void;
  _encode(packet: unknown, packetOptions: unknown): unknown;
}

interface ClientInternals {
  _packet(packet: unknown, options?: unknown): void;
}

/** Sockets the adapter does not know (they are in none of its rooms) that its operations should still reach. */
export interface UnlistedSockets {
  /** Those a room operation selects: `fetchSockets`, `socketsJoin`, `socketsLeave`, `disconnectSockets`. */
  selectedBy(selection: RoomSelection): Iterable<Socket>;
  /** Those a broadcast selects: at most the one socket it is addressed to by id (`socket.emit` with recovery on). */
  addressedBy(selection: RoomSelection): Iterable<Socket>;
}

/**
 * Makes the adapter's operations on this node, asked here or by another node, reach `unlisted`
 * sockets too. Every operation runs `apply`; socket.io-adapter's `broadcast` and `broadcastWithAck`
 * encode their packet (`_encode`) just before, a room operation does not, which tells them apart.
 * An adapter without both members is left as it is (its unlisted sockets stay out of reach).
 */
export function extendAdapterOperations(adapter: object, unlisted: UnlistedSockets): void {
  const internals = adapter as Partial<ApplyingAdapter>;
  const { apply, _encode: encode } = internals;
  if (typeof apply !== 'function' || typeof encode !== 'function') return;
  let broadcasting = false;
  internals._encode = function (this: ApplyingAdapter, packet, packetOptions) {
    // Only once it encoded: a packet that fails to (a BigInt...) throws before any `apply`.
    const encoded = encode.call(this, packet, packetOptions);
    broadcasting = true;
    return encoded;
  };
  internals.apply = function (this: ApplyingAdapter, selection, callback) {
    const isBroadcast = broadcasting;
    broadcasting = false;
    apply.call(this, selection, callback);
    if (isBroadcast) {
      for (const socket of unlisted.addressedBy(selection)) callback(socket);
    } else {
      for (const socket of unlisted.selectedBy(selection)) withEngineWritesMuted(socket, callback);
    }
  };
}

/**
 * Runs `callback` with the socket's engine writes muted, in case a broadcast ever came without
 * `_encode`: a broadcast writes the encoded packet to `socket.client.writeToEngine` directly, while
 * the socket's own packets (the DISCONNECT of `disconnectSockets`) go through `client._packet`.
 */
function withEngineWritesMuted(socket: Socket, callback: ApplyCallback): void {
  const holder = socket as unknown as { client: ClientInternals };
  const client = holder.client;
  holder.client = Object.create(client, {
    writeToEngine: { value: () => undefined },
    _packet: { value: (packet: unknown, options?: unknown) => client._packet(packet, options) },
  }) as ClientInternals;
  try {
    callback(socket);
  } finally {
    holder.client = client;
  }
}
