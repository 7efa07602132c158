import { asMgetReply, type RevocationRedis } from './revocation-redis';

/** What the store uses of a node-redis (`redis` v5/v6) client: `createClient()`, connected by your app. */
export interface NodeRedisClient {
  set(key: string, value: string, options: { expiration: { type: 'PXAT'; value: number } }): Promise<unknown>;
  mGet(keys: string[]): Promise<unknown>;
  readonly isReady: boolean;
  on(event: 'ready', listener: () => void): unknown;
  off(event: 'ready', listener: () => void): unknown;
}

/** Adapts a node-redis client (`import { createClient } from 'redis'`) for `RedisRevocationStore`. */
export function fromNodeRedis(client: NodeRedisClient): RevocationRedis {
  return {
    setUntil: (key, value, expiresAtMs) => client.set(key, value, { expiration: { type: 'PXAT', value: expiresAtMs } }),
    getMany: async (keys) => asMgetReply(await client.mGet(keys), keys),
    isReady: () => client.isReady,
    onReady: (listener) => {
      client.on('ready', listener);
      return () => void client.off('ready', listener);
    },
  };
}
