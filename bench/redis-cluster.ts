import type { WebSocketAdapter } from '@nestjs/common';
import type { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';

/**
 * Puts a scenario's socket.io server on the classic `@socket.io/redis-adapter`, the way the README
 * composes adapters: the scenario's own `createIOServer` first, then `server.adapter(...)`. Works for
 * every scenario's adapter (all extend Nest's `IoAdapter`), so `none` gets the same Redis cost.
 */
export async function joinRedisCluster(adapter: WebSocketAdapter, redisUrl: string): Promise<void> {
  const pub = createClient({ url: redisUrl });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  const ioAdapter = adapter as IoAdapter;
  const createIOServer = ioAdapter.createIOServer.bind(ioAdapter);
  ioAdapter.createIOServer = (port, options) => {
    const server = createIOServer(port, options);
    server.adapter(createAdapter(pub, sub, { key: 'bench' }));
    return server;
  };
}
