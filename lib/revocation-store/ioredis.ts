import { asMgetReply, type RevocationRedis } from './revocation-redis';

/** What the store uses of an ioredis client: `new Redis(url)`. */
export interface IoredisClient {
  set(key: string, value: string, token: 'PXAT', expiresAtMs: number): Promise<unknown>;
  mget(keys: string[]): Promise<unknown>;
  get(key: string): Promise<unknown>;
  /** True on an ioredis `Cluster`: there, keys of several slots cannot share one MGET. */
  readonly isCluster?: boolean;
  readonly status: string;
  on(event: 'ready', listener: () => void): unknown;
  off(event: 'ready', listener: () => void): unknown;
}

/** Adapts an ioredis client (`import Redis from 'ioredis'`) for `RedisRevocationStore`. */
export function fromIoredis(client: IoredisClient): RevocationRedis {
  return {
    setUntil: (key, value, expiresAtMs) => client.set(key, value, 'PXAT', expiresAtMs),
    getMany: async (keys) =>
      asMgetReply(
        client.isCluster ? await Promise.all(keys.map((key) => client.get(key))) : await client.mget(keys),
        keys,
      ),
    isReady: () => client.status === 'ready',
    onReady: (listener) => {
      client.on('ready', listener);
      return () => void client.off('ready', listener);
    },
  };
}
