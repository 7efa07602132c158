import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** The headers after which `@socket.io/sticky` keeps a connection in the primary instead of handing it off. */
const REQUEST_WITH_BODY = /\r\n(content-length|transfer-encoding):/i;

/** The libuv handle under a `net.Socket`: not a public API, but the only way to stop reading at once. */
interface SocketWithHandle {
  _handle?: { readStop?: () => number } | null;
}

/**
 * Install after `setupMaster` of `@socket.io/sticky` (2.0.1). The primary reads the first chunk of
 * each connection to pick the worker, then sends the socket's handle to that worker. Until the worker
 * acknowledges it, the primary's copy of the handle keeps reading, and Node drops what it reads: the
 * socket.io CONNECT packet (with its token) that a client sends right after the WebSocket upgrade was
 * lost for about 1 connection in 40 here, and that client waited forever. `socket.pause()` alone does
 * not stop the reading in time, so this stops the handle itself before the hand-off; the worker reads
 * from its own copy. Requests with a body stay in the primary (sticky forwards their chunks), so they
 * keep reading.
 */
export function stopReadingBeforeHandOff(httpServer: Server): void {
  httpServer.on('connection', (socket: Socket) => {
    // Prepended: runs before sticky's own listener, which hands the socket off for this same chunk.
    socket.prependOnceListener('data', (firstChunk: Buffer) => {
      const head = firstChunk.subarray(0, firstChunk.indexOf('\r\n\r\n')).toString('latin1');
      if (REQUEST_WITH_BODY.test(head)) return;
      socket.pause();
      (socket as unknown as SocketWithHandle)._handle?.readStop?.();
    });
  });
}
