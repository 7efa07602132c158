import ms from 'ms';
import { describeReceived, JwtSocketConfigError } from '../options/config-error';

/** ms 2 returns undefined for a string it cannot read; its typings say otherwise. */
const parseTimespanMs = ms as unknown as (value: string) => number | undefined;

export const DEFAULT_SWEEP_INTERVAL_MS = 30_000;
export const DEFAULT_REVOCATION_KEY_PREFIX = 'nestjs-socketio-jwt:denylist:';
export const DEFAULT_REVOCATION_COMMAND_TIMEOUT_MS = 5000;

/** The second argument of `RedisRevocationStore`. */
export interface RedisRevocationStoreOptions {
  /**
   * Required: the longest time your server accepts a token after its `iat` (seconds, or a timespan
   * such as `'1h'`). A subject's revocation is kept this long, plus `clockTolerance`; so is a token
   * id's when the token's `exp` is unknown. The store refuses a token whose `iat` is older than that,
   * since a record that could have revoked it may be gone.
   */
  maxTokenLifetime: number | string;
  /** How often every open authenticated socket of the node is re-checked against the store, in ms. Default 30000. */
  sweepInterval?: number;
  /** Prefix of the store's Redis keys. Default `'nestjs-socketio-jwt:denylist:'`. */
  keyPrefix?: string;
  /** Upper bound on recording a revocation and on one sweep's read, in ms. Default 5000. */
  commandTimeout?: number;
}

export interface ResolvedRevocationStoreOptions {
  maxTokenLifetimeMs: number;
  sweepIntervalMs: number;
  keyPrefix: string;
  commandTimeoutMs: number;
}

const REDIS_METHODS = ['setUntil', 'getMany', 'isReady', 'onReady'] as const;

/** Checks the store's arguments once, at bootstrap, with errors that name the option (never its value). */
export function resolveRevocationStoreOptions(redis: unknown, options: unknown): ResolvedRevocationStoreOptions {
  assertRevocationRedis(redis);
  if (typeof options !== 'object' || options === null) {
    throw storeError(`its options must be an object with \`maxTokenLifetime\`; received ${describeReceived(options)}`);
  }
  const { maxTokenLifetime, sweepInterval, keyPrefix, commandTimeout } = options as RedisRevocationStoreOptions;
  return {
    maxTokenLifetimeMs: lifetimeMs(maxTokenLifetime),
    sweepIntervalMs: positiveMs('sweepInterval', sweepInterval ?? DEFAULT_SWEEP_INTERVAL_MS),
    keyPrefix: nonEmptyPrefix(keyPrefix ?? DEFAULT_REVOCATION_KEY_PREFIX),
    commandTimeoutMs: positiveMs('commandTimeout', commandTimeout ?? DEFAULT_REVOCATION_COMMAND_TIMEOUT_MS),
  };
}

function assertRevocationRedis(redis: unknown): void {
  const missing = REDIS_METHODS.filter(
    (method) => typeof (redis as Record<string, unknown> | null | undefined)?.[method] !== 'function',
  );
  if (missing.length > 0) {
    throw storeError(
      `its first argument must be a RevocationRedis (wrap your client with fromNodeRedis(client) or fromIoredis(client)); received ${describeReceived(redis)} without ${missing.join(', ')}`,
    );
  }
}

function lifetimeMs(value: unknown): number {
  const fromString = typeof value === 'string' && value.trim() !== '' ? parseTimespanMs(value) : undefined;
  const milliseconds = typeof value === 'number' ? value * 1000 : fromString;
  if (typeof milliseconds !== 'number' || !Number.isFinite(milliseconds) || milliseconds <= 0) {
    throw storeError(
      `\`maxTokenLifetime\` is required: the longest time your server accepts a token after its \`iat\`, as a positive number of seconds or a timespan such as "1h"; received ${describeReceived(value)}`,
    );
  }
  return milliseconds;
}

function positiveMs(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    const received = typeof value === 'number' ? String(value) : describeReceived(value);
    throw storeError(`\`${name}\` must be a positive number of milliseconds; received ${received}`);
  }
  return value;
}

function nonEmptyPrefix(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw storeError(`\`keyPrefix\` must be a non-empty string; received ${describeReceived(value)}`);
  }
  return value;
}

function storeError(detail: string): JwtSocketConfigError {
  return new JwtSocketConfigError(`RedisRevocationStore: ${detail}`);
}
