import { createHook } from 'node:async_hooks';
import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Namespace, Server } from 'socket.io';
import { SUBJECT_ROOM_PREFIX, TOKEN_ID_ROOM_PREFIX } from '../../lib';

type ServerInternals = Server & { _nsps: Map<string, Namespace> };

/** What a namespace keeps per socket: the sockets, the adapter's rooms and sids, and our identity rooms. */
export interface NamespaceRegistry {
  sockets: number;
  rooms: number;
  sids: number;
  identityRooms: number;
}

export function registryOf(server: Server): Record<string, NamespaceRegistry> {
  const registry: Record<string, NamespaceRegistry> = {};
  for (const [name, namespace] of (server as ServerInternals)._nsps) {
    const { rooms, sids } = namespace.adapter;
    registry[name] = {
      sockets: namespace.sockets.size,
      rooms: rooms.size,
      sids: sids.size,
      identityRooms: [...rooms.keys()].filter(isIdentityRoom).length,
    };
  }
  return registry;
}

/** A registry with no socket, no room and no identity room in any namespace. */
export function emptyRegistryOf(server: Server): Record<string, NamespaceRegistry> {
  const empty = { sockets: 0, rooms: 0, sids: 0, identityRooms: 0 };
  return Object.fromEntries([...(server as ServerInternals)._nsps.keys()].map((name) => [name, empty]));
}

function isIdentityRoom(room: unknown): boolean {
  return typeof room === 'string' && (room.startsWith(SUBJECT_ROOM_PREFIX) || room.startsWith(TOKEN_ID_ROOM_PREFIX));
}

export function engineClientsOf(server: Server): number {
  return (server.engine as unknown as { clientsCount: number }).clientsCount;
}

/** Listener counts per event of the io server, its engine, its HTTP server and every namespace. */
export function listenerCountsOf(server: Server): Record<string, Record<string, number>> {
  const emitters: Array<[string, NodeJS.EventEmitter]> = [
    ['io server', server as unknown as NodeJS.EventEmitter],
    ['engine', server.engine as unknown as NodeJS.EventEmitter],
    ['http server', (server as unknown as { httpServer: NodeJS.EventEmitter }).httpServer],
    ...[...(server as ServerInternals)._nsps].map(([name, namespace]): [string, NodeJS.EventEmitter] => [
      `namespace ${name}`,
      namespace as unknown as NodeJS.EventEmitter,
    ]),
  ];
  return Object.fromEntries(emitters.map(([label, emitter]) => [label, listenerCounts(emitter)]));
}

function listenerCounts(emitter: NodeJS.EventEmitter): Record<string, number> {
  return Object.fromEntries(
    emitter.eventNames().map((event) => [String(event), getEventListeners(emitter, event).length]),
  );
}

// Connections and listeners. Timers are followed by `watchTimers()` instead: Jest's reporter keeps
// timers of its own in this process, and `getActiveResourcesInfo()` cannot tell them apart.
const TRACKED_RESOURCES = new Set(['TCPSocketWrap', 'TCPServerWrap']);

/** `process.getActiveResourcesInfo()` counted by kind, for the kinds a socket holds. */
export function activeResourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (TRACKED_RESOURCES.has(kind)) counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/** The kinds of which more are active now than in `baseline`, with how many more. Fewer is not a leak. */
export function resourcesAbove(baseline: Record<string, number>): Record<string, number> {
  const excess: Record<string, number> = {};
  for (const [kind, count] of Object.entries(activeResourceCounts())) {
    if (count > (baseline[kind] ?? 0)) excess[kind] = count - (baseline[kind] ?? 0);
  }
  return excess;
}

export interface TimerWatch {
  /** Timers created since the watch started that neither fired nor were cleared. */
  live(): Promise<string[]>;
  stop(): void;
}

/**
 * Follows every timer created from now on, refed or not, through async_hooks: the library unrefs
 * its per-socket timers, so `getActiveResourcesInfo()` alone would not show one that leaked.
 */
export function watchTimers(): TimerWatch {
  const live = new Map<number, object>();
  const hook = createHook({
    init(asyncId, type, _triggerAsyncId, resource) {
      if (type === 'Timeout' && isTestRealmTimer(resource)) live.set(asyncId, resource);
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  }).enable();
  return {
    async live() {
      // Destroy hooks are delivered from the immediate queue.
      await nextImmediate();
      await nextImmediate();
      return [...live.values()].map(describeTimer);
    },
    stop() {
      hook.disable();
      live.clear();
    },
  };
}

/**
 * Jest's reporter runs in this process too, outside the test's vm context, and keeps timers of its
 * own. The code under test (library, Nest, socket.io, this file) runs inside the context: its timer
 * callbacks are functions of the context's realm, the reporter's are not.
 */
function isTestRealmTimer(timer: object): boolean {
  return (timer as { _onTimeout?: unknown })._onTimeout instanceof Function;
}

function describeTimer(timer: object): string {
  const { _idleTimeout: delay, _onTimeout: callback } = timer as {
    _idleTimeout?: number;
    _onTimeout?: { name?: string };
  };
  return `timer of ${String(delay)} ms calling ${callback?.name || 'an anonymous function'}`;
}

function nextImmediate(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

let gc: (() => void) | undefined;

/** Heap in use after full collections. Jest's test context has no `gc`; a fresh vm context gets one once the flag is set. */
export async function heapUsedAfterGc(): Promise<number> {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  for (let round = 0; round < 3; round++) {
    await nextImmediate();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** Polls `condition` until it holds or `maxMs` passed; the assertions that follow show what is left. */
export async function settle(condition: () => boolean, maxMs = 20_000): Promise<void> {
  const giveUpAt = Date.now() + maxMs;
  while (!condition() && Date.now() < giveUpAt) await new Promise((resolve) => setTimeout(resolve, 25));
}
