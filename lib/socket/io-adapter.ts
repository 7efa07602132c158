import { JwtSocketConfigError } from '../options/config-error';
import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Namespace, Server } from 'socket.io';
import { JwtSocketServers } from './server-registry';
import { JwtSocketSessions } from './session-lifecycle';

// Typed from IoAdapter itself, so an app whose socket.io copy differs from Nest's still compiles.
type IoServer = ReturnType<IoAdapter['createIOServer']>;
type IoServerOptions = Parameters<IoAdapter['createIOServer']>[1];
type CreateOptions = Parameters<IoAdapter['create']>[1];
type Created = ReturnType<IoAdapter['create']>;

/**
 * A socket.io adapter that authenticates every namespace of every server Nest creates: root,
 * named, RegExp (dynamic) and gateways on their own port or path.
 *
 *   app.useWebSocketAdapter(new JwtSocketIoAdapter(app));
 *
 * To add another socket.io adapter (Redis...), extend it and override `createIOServer`, calling
 * `super.createIOServer()` first.
 */
export class JwtSocketIoAdapter extends IoAdapter {
  private library?: { servers: JwtSocketServers; sessions: JwtSocketSessions };

  constructor(protected readonly app: INestApplicationContext) {
    super(app);
  }

  /**
   * Creates the socket.io server and protects it. An override (to install another socket.io adapter)
   * calls it first; type its `options` as `Parameters<JwtSocketIoAdapter['createIOServer']>[1]`.
   */
  createIOServer(port: number, options?: IoServerOptions): IoServer {
    // A refused handshake to a RegExp namespace must not leave its child namespace behind.
    const withCleanup = { cleanupEmptyChildNamespaces: true, ...options } as IoServerOptions;
    const server = super.createIOServer(port, withCleanup);
    this.resolveLibrary().servers.protectServer(server as unknown as Server);
    return server;
  }

  /** Nest's entry point for each gateway server or namespace: protects what it creates. */
  create(port: number, options?: CreateOptions): Created {
    const serverOrNamespace = super.create(port, options);
    this.resolveLibrary().servers.protect(serverOrNamespace as unknown as Server | Namespace);
    return serverOrNamespace;
  }

  /** Defers the gateway's `handleConnection` until the socket is authenticated. */
  bindClientConnect(server: unknown, callback: (...args: unknown[]) => void): void {
    super.bindClientConnect(server, this.resolveLibrary().sessions.deferUntilAuthenticated(callback));
  }

  /** Resolved on first use: the adapter is built in main.ts, outside dependency injection. */
  private resolveLibrary(): { servers: JwtSocketServers; sessions: JwtSocketSessions } {
    if (!this.library) {
      try {
        this.library = {
          servers: this.app.get(JwtSocketServers, { strict: false }),
          sessions: this.app.get(JwtSocketSessions, { strict: false }),
        };
      } catch {
        throw new JwtSocketConfigError(
          'JwtSocketIoAdapter: JwtSocketModule is not imported. Add JwtSocketModule.forRoot({ ... }) or ' +
            'JwtSocketModule.forRootAsync({ ... }) to the imports of your application module.',
        );
      }
    }
    return this.library;
  }
}
