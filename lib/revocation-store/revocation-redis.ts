/**
 * The few Redis commands the revocation store needs, so it can use the client your app already
 * has. `fromNodeRedis(client)` and `fromIoredis(client)` adapt the two common Node clients; any
 * other client can implement it in a few lines.
 */
export interface RevocationRedis {
  /** `SET key value PXAT expiresAtMs`: keeps `value` until the absolute instant `expiresAtMs` (Redis ≥ 6.2). */
  setUntil(key: string, value: string, expiresAtMs: number): Promise<unknown>;
  /** `MGET key...`: each key's value, or null when it does not exist. */
  getMany(keys: string[]): Promise<ReadonlyArray<string | null>>;
  /** True when a command can be sent now (connected and ready). */
  isReady(): boolean;
  /** Calls `listener` each time the connection becomes ready, reconnections included; returns the unsubscribe. */
  onReady(listener: () => void): () => void;
}

/** An MGET reply as the store reads it: strings and nulls only, anything else is a broken client. */
export function asMgetReply(reply: unknown, keys: readonly string[]): ReadonlyArray<string | null> {
  const valid =
    Array.isArray(reply) &&
    reply.length === keys.length &&
    reply.every((value) => value === null || typeof value === 'string');
  if (!valid) throw new Error('Redis answered MGET with something else than strings and nulls');
  return reply as ReadonlyArray<string | null>;
}
