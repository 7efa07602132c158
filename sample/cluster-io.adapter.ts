import { createAdapter } from '@socket.io/cluster-adapter';
import { JwtSocketIoAdapter } from '../lib';

// Typed from the adapter itself, so this compiles whichever copy of socket.io the app installed.
type IoServerOptions = Parameters<JwtSocketIoAdapter['createIOServer']>[1];
type IoServer = ReturnType<JwtSocketIoAdapter['createIOServer']>;

/**
 * JwtSocketIoAdapter on a Node `cluster` worker: the socket.io servers it creates talk to the other
 * workers through `@socket.io/cluster-adapter` (the primary relays), so a revocation or a room
 * broadcast on one worker reaches the sockets of every worker.
 */
export class ClusterJwtSocketIoAdapter extends JwtSocketIoAdapter {
  private readonly created: IoServer[] = [];

  createIOServer(port: number, options?: IoServerOptions): IoServer {
    const server = super.createIOServer(port, options); // first: it protects the server
    server.adapter(createAdapter());
    this.created.push(server);
    return server;
  }

  /** The server attached to the app's own HTTP server: the one the primary hands connections to. */
  httpAttachedServer(): IoServer {
    const [server] = this.created;
    if (!server) throw new Error('ClusterJwtSocketIoAdapter: no socket.io server yet; call app.init() first');
    return server;
  }
}
