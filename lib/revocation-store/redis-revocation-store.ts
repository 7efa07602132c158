import { Inject, Logger, Optional, type OnModuleDestroy } from '@nestjs/common';
import type { JwtPayload } from 'jsonwebtoken';
import { JWT_SOCKET_RESOLVED_OPTIONS } from '../options/resolved-options-token';
import type { ResolvedJwtSocketOptions } from '../options/module-options';
import { identityClaim } from '../verification/token-identity';
import { withTimeout } from '../verification/bounded-call';
import { describeError } from '../verification/log-safe';
import { RevocationCheck } from '../verification/revocation-check';
import { PendingRecords, type PendingRecord } from './pending-records';
import {
  asRedisExpiry,
  isOlderThan,
  isRevokedBy,
  keysOf,
  revokedAtOf,
  subjectKey,
  tokenIdKey,
} from './revocation-keys';
import type { RevocationRedis } from './revocation-redis';
import {
  resolveRevocationStoreOptions,
  type RedisRevocationStoreOptions,
  type ResolvedRevocationStoreOptions,
} from './store-options';

/** Keys per MGET: one sweep of a large node reads in several round trips, none of them huge. */
const MGET_BATCH = 1000;

/**
 * A durable denylist in Redis, shared by every node. It is a `RevocationCheck` (connect, refresh and
 * recovery consult it, failing closed), `JwtSocketRevoker` records into it, and the revoker
 * re-checks every open socket against it periodically and whenever its Redis connection is ready
 * again. Extend it in an `@Injectable()` class that passes your client, and give that class as the
 * module's `revocationCheck`.
 */
export class RedisRevocationStore extends RevocationCheck implements OnModuleDestroy {
  /** Re-check period of the open sockets, in ms. */
  readonly sweepInterval: number;
  private readonly options: ResolvedRevocationStoreOptions;
  private readonly pending = new PendingRecords();
  private stopRetrying?: () => void;
  private readonly logger = new Logger('JwtSocket');

  /** Set by Nest when the store is the module's `revocationCheck`: records then outlive the clock tolerance too. */
  @Optional()
  @Inject(JWT_SOCKET_RESOLVED_OPTIONS)
  private readonly moduleOptions?: Pick<ResolvedJwtSocketOptions, 'clockTolerance'>;

  constructor(
    private readonly redis: RevocationRedis,
    options: RedisRevocationStoreOptions,
  ) {
    super();
    this.options = resolveRevocationStoreOptions(redis, options);
    this.sweepInterval = this.options.sweepIntervalMs;
  }

  async isRevoked(claims: JwtPayload): Promise<boolean> {
    const [revoked] = await this.revokedAmong([claims]);
    return revoked;
  }

  /**
   * Which of these tokens are revoked, read in one pass. Throws when Redis is not ready or does not
   * answer within `commandTimeout`, so a caller can fail closed.
   */
  async revokedAmong(claims: readonly JwtPayload[]): Promise<boolean[]> {
    if (!this.redis.isReady()) throw new Error('Redis is not connected');
    const keyed = claims.map((each) => keysOf(this.options.keyPrefix, each));
    const keys = [...new Set(keyed.flatMap(({ subject, tokenId }) => [subject, tokenId]))].filter(
      (key): key is string => key !== undefined,
    );
    const values = await withTimeout(this.readAll(keys), this.options.commandTimeoutMs);
    const toleranceMs = this.toleranceMs();
    return claims.map((each, index) => {
      const { subject, tokenId } = keyed[index];
      return (
        isOlderThan(each, this.options.maxTokenLifetimeMs + toleranceMs) ||
        isRevokedBy(each, this.subjectRevokedAt(subject, values), this.tokenIdRevoked(tokenId, values), toleranceMs)
      );
    });
  }

  /**
   * Refuses the subject's tokens issued at or before this instant, on every node, for
   * `maxTokenLifetime` (plus the clock tolerance). A later login is accepted.
   */
  revokeSubject(subject: string | number, revokedAtMs = Date.now()): Promise<void> {
    const entry = this.subjectRecord(subject, revokedAtMs);
    return entry ? this.record(...entry) : Promise.resolve();
  }

  /**
   * Refuses a token id until the token expires: its `exp` (epoch seconds) when known, otherwise
   * `maxTokenLifetime` from now. An already expired token needs no record.
   */
  revokeTokenId(tokenId: string | number, exp?: number): Promise<void> {
    const entry = this.tokenIdRecord(tokenId, exp, Date.now());
    return entry ? this.record(...entry) : Promise.resolve();
  }

  /**
   * A revocation another node broadcast. That node may not have recorded it (its own Redis connection
   * down): this node refuses the tokens at once, and writes the record too unless Redis already holds
   * one at least as recent.
   */
  revokedElsewhere(
    target: { subject?: string | number; tokenId?: string | number },
    revokedAtMs: number,
    exp?: number,
  ): void {
    // A peer's clock (or a crafted message) may run ahead: a revocation dated later would lock out logins.
    const instant = Math.min(revokedAtMs, Date.now() + this.toleranceMs());
    const entries = [
      target.subject === undefined ? undefined : this.subjectRecord(target.subject, instant),
      target.tokenId === undefined ? undefined : this.tokenIdRecord(target.tokenId, exp, instant),
    ];
    for (const entry of entries) if (entry) this.pending.add(...entry);
    if (this.pending.size === 0) return;
    this.retryWhenReady();
    if (this.redis.isReady()) void this.writePending();
  }

  /** Calls `listener` each time the Redis connection is ready again; returns the unsubscribe. */
  onReconnect(listener: () => void): () => void {
    return this.redis.onReady(listener);
  }

  /** Nest lifecycle hook: stops retrying the revocations not written to Redis yet. */
  onModuleDestroy(): void {
    this.stopRetrying?.();
    this.stopRetrying = undefined;
  }

  private subjectRecord(subject: string | number, revokedAtMs: number): [string, PendingRecord] | undefined {
    const name = identityClaim(subject);
    if (name === undefined) return undefined;
    const expiresAtMs = revokedAtMs + this.options.maxTokenLifetimeMs + this.toleranceMs();
    return [subjectKey(this.options.keyPrefix, name), { revokedAtMs, expiresAtMs }];
  }

  /** Until the token's `exp` (epoch seconds) when known, else `maxTokenLifetime`; nothing for an expired token. */
  private tokenIdRecord(
    tokenId: string | number,
    exp: number | undefined,
    revokedAtMs: number,
  ): [string, PendingRecord] | undefined {
    const name = identityClaim(tokenId);
    const expiresAtMs =
      typeof exp === 'number' && Number.isFinite(exp)
        ? exp * 1000 + this.toleranceMs()
        : revokedAtMs + this.options.maxTokenLifetimeMs + this.toleranceMs();
    if (name === undefined || expiresAtMs <= Date.now()) return undefined;
    return [tokenIdKey(this.options.keyPrefix, name), { revokedAtMs, expiresAtMs }];
  }

  private toleranceMs(): number {
    return (this.moduleOptions?.clockTolerance ?? 0) * 1000;
  }

  private async readAll(keys: string[]): Promise<Map<string, string | null>> {
    const batches: string[][] = [];
    for (let start = 0; start < keys.length; start += MGET_BATCH) batches.push(keys.slice(start, start + MGET_BATCH));
    const replies = await Promise.all(batches.map((batch) => this.redis.getMany(batch)));
    const values = new Map<string, string | null>();
    batches.forEach((batch, index) => batch.forEach((key, at) => values.set(key, replies[index][at])));
    return values;
  }

  /** The later of the stored instant and one this node still has to write. */
  private subjectRevokedAt(key: string | undefined, values: Map<string, string | null>): number | undefined {
    if (key === undefined) return undefined;
    const stored = revokedAtOf(values.get(key));
    const pending = this.pending.get(key)?.revokedAtMs;
    if (stored === undefined) return pending;
    return pending === undefined ? stored : Math.max(stored, pending);
  }

  private tokenIdRevoked(key: string | undefined, values: Map<string, string | null>): boolean {
    return key !== undefined && (values.get(key) != null || this.pending.get(key) !== undefined);
  }

  /** Writes a revocation; on failure keeps it for a retry when the connection is ready again. */
  private async record(key: string, record: PendingRecord): Promise<void> {
    this.pending.add(key, record);
    try {
      await this.write(key, record);
    } catch (error) {
      this.retryWhenReady();
      throw error;
    }
  }

  private async write(key: string, record: PendingRecord): Promise<void> {
    await withTimeout(
      this.redis.setUntil(key, String(record.revokedAtMs), asRedisExpiry(record.expiresAtMs)),
      this.options.commandTimeoutMs,
    );
    this.pending.written(key, record);
  }

  private retryWhenReady(): void {
    this.stopRetrying ??= this.redis.onReady(() => void this.writePending());
  }

  /**
   * Writes what is pending, without overwriting a later revocation another node stored meanwhile.
   * Each record on its own: one that fails stays pending and does not hold back the others.
   */
  private async writePending(): Promise<void> {
    const entries = this.pending.entries();
    let stored: Map<string, string | null>;
    try {
      stored = await withTimeout(this.readAll(entries.map(([key]) => key)), this.options.commandTimeoutMs);
    } catch (error) {
      this.logger.warn(`Pending revocations not written to Redis yet: ${describeError(error)}`);
      return;
    }
    const failures = await Promise.all(entries.map(([key, record]) => this.writeUnlessSuperseded(key, record, stored)));
    const failed = failures.filter((error) => error !== undefined);
    if (failed.length > 0) {
      this.logger.warn(`${failed.length} pending revocation(s) not written to Redis yet: ${describeError(failed[0])}`);
    }
    if (this.pending.size === 0) this.onModuleDestroy();
  }

  /** The error of a failed write, if any. */
  private async writeUnlessSuperseded(
    key: string,
    record: PendingRecord,
    stored: Map<string, string | null>,
  ): Promise<unknown> {
    const storedAt = revokedAtOf(stored.get(key));
    if (storedAt !== undefined && storedAt >= record.revokedAtMs) {
      this.pending.written(key, record);
      return undefined;
    }
    try {
      await this.write(key, record);
      return undefined;
    } catch (error) {
      return error ?? new Error('write failed');
    }
  }
}
