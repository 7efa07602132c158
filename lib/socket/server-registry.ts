import { Injectable } from '@nestjs/common';
import type { Namespace, Server } from 'socket.io';
import { reachExpiredSockets } from './expired-sockets';
import { reserveLibraryRooms } from './identity-rooms';
import { withholdMissedPackets, type RestoringAdapter } from './recovery';
import { JwtSocketSessions } from './session-lifecycle';
import { namespacesOf, useFirst } from './socket-internals';

/**
 * The servers and namespaces the library protects: every namespace of every server the adapter
 * creates (root, named, RegExp children, namespaces created later, servers on another port or path).
 */
@Injectable()
export class JwtSocketServers {
  private readonly servers = new Set<Server>();
  private readonly listeners: Array<(server: Server) => void> = [];
  private readonly protectedNamespaces = new WeakSet<Namespace>();
  private readonly guardedAdapters = new WeakSet<object>();

  constructor(private readonly sessions: JwtSocketSessions) {}

  /** Protects a server's existing namespaces and every namespace created on it later. */
  protectServer(server: Server): void {
    if (this.servers.has(server)) return;
    this.servers.add(server);
    for (const namespace of namespacesOf(server)) this.protectNamespace(namespace);
    server.on('new_namespace', (namespace: Namespace) => this.protectNamespace(namespace));
    this.listeners.forEach((listener) => listener(server));
  }

  /** Protects what `IoAdapter.create()` returned: a server, a namespace or a RegExp parent namespace. */
  protect(serverOrNamespace: Server | Namespace): void {
    const server = isNamespace(serverOrNamespace) ? serverOrNamespace.server : serverOrNamespace;
    this.protectServer(server);
    // A ParentNamespace (RegExp or function) is covered through the children it creates.
    if (isNamespace(serverOrNamespace) && !isParentNamespace(serverOrNamespace)) {
      this.protectNamespace(serverOrNamespace);
    }
    // A createIOServer override may have replaced the adapters since (`server.adapter(...)`).
    for (const each of namespacesOf(server)) this.guardAdapter(each);
  }

  /** The servers the adapter created, in creation order. */
  managedServers(): ReadonlySet<Server> {
    return this.servers;
  }

  /** Calls `listener` for every server protected so far and from now on. */
  onServerProtected(listener: (server: Server) => void): void {
    this.listeners.push(listener);
    this.servers.forEach(listener);
  }

  /** Every namespace this node protects, on every server the adapter created. */
  *namespaces(): Iterable<Namespace> {
    for (const server of this.servers) {
      for (const namespace of namespacesOf(server)) {
        if (this.protectedNamespaces.has(namespace)) yield namespace;
      }
    }
  }

  private protectNamespace(namespace: Namespace): void {
    this.guardAdapter(namespace);
    if (this.protectedNamespaces.has(namespace)) return;
    this.protectedNamespaces.add(namespace);
    // First, even before middleware a ParentNamespace copied to its child: no app middleware sees
    // (or joins to a room) a socket the library has not hidden.
    useFirst(namespace, this.sessions.middleware);
    // Our listener must run before any gateway's, including those a ParentNamespace copied to a child.
    (namespace as unknown as NodeJS.EventEmitter).prependListener('connection', this.sessions.onConnection);
  }

  /** Once per adapter instance: socket.io creates a new one per namespace on `server.adapter(...)`. */
  private guardAdapter(namespace: Namespace): void {
    const adapter = namespace.adapter;
    if (this.guardedAdapters.has(adapter)) return;
    this.guardedAdapters.add(adapter);
    withholdMissedPackets(adapter as unknown as RestoringAdapter);
    reserveLibraryRooms(adapter);
    reachExpiredSockets(adapter);
  }
}

function isNamespace(value: Server | Namespace): value is Namespace {
  return 'server' in value && 'adapter' in value && 'sockets' in value;
}

function isParentNamespace(namespace: Namespace): boolean {
  return typeof (namespace as unknown as { createChild?: unknown }).createChild === 'function';
}
