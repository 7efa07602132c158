import { describeError, quote } from '../verification/log-safe';
import { Logger, type LoggerService } from '@nestjs/common';
import { UnauthorizedError } from '../protocol/unauthorized-error';
import { JwtSocketErrorCode } from '../protocol/error-codes';
import { parseJwks, type JwkEntry } from './jwk';
import { fetchJwks } from './fetch';
import { resolveJwksOptions, type JwksOptions, type ResolvedJwksOptions } from './options';
import type { VerificationKey } from '../verification/verification-key';

/**
 * The keys of one JWKS endpoint, fetched lazily and cached.
 *
 * - A cached key answers synchronously, with the same `VerificationKey` object every time.
 * - An unknown `kid` refetches the set at most once per `cooldown`; every lookup waiting meanwhile
 *   shares the one fetch in flight, so a flood of random kids costs the identity provider one request.
 * - Failed fetches obey the same cooldown; the last good keys keep serving (stale-if-error).
 * - After `cacheMaxAge` the set is fetched again on the next lookup, so rotated keys come and go
 *   without a restart.
 *
 * Reuse it in your own SecretProvider: `new JwksKeySet({ jwksUri }).getKey(header.kid, header.alg)`.
 */
export class JwksKeySet {
  private readonly settings: ResolvedJwksOptions;
  /** The URL without credentials or query, for logs. */
  private readonly label: string;
  private readonly shutdown = new AbortController();
  private entries: readonly JwkEntry[] = [];
  private byKid = new Map<string, JwkEntry[]>();
  private fetchedAt?: number;
  private lastAttemptAt?: number;
  private lastAttemptFailed = false;
  private inFlight?: Promise<void>;

  constructor(
    options: JwksOptions,
    private readonly logger: LoggerService = new Logger('JwtSocketJwks'),
    private readonly now: () => number = Date.now,
  ) {
    this.settings = resolveJwksOptions(options);
    const url = new URL(this.settings.jwksUri);
    this.label = `${url.origin}${url.pathname}`;
  }

  /** The key for a token's `kid` and `alg`, or an `UnauthorizedError` (`unknown_kid`, `jwks_unavailable`, `invalid_token`). */
  getKey(kid: unknown, alg: unknown): VerificationKey | Promise<VerificationKey> {
    if (kid !== undefined && typeof kid !== 'string') {
      throw new UnauthorizedError(JwtSocketErrorCode.MALFORMED_TOKEN, 'The token kid is not a string');
    }
    if (this.isFresh()) {
      const cached = this.find(kid, alg);
      if (cached) return cached;
    }
    // Only the lookup that starts a fetch may log at warn level: one line per fetch, whatever the burst.
    if (this.inFlight) return this.findAfter(this.inFlight, kid, alg, false);
    if (this.mayFetch()) return this.findAfter(this.refresh(), kid, alg, true);
    return this.findOrRefuse(kid, alg, false);
  }

  /** Aborts a fetch in flight; lookups waiting for it answer `jwks_unavailable`. */
  close(): void {
    this.shutdown.abort();
  }

  private isFresh(): boolean {
    return this.fetchedAt !== undefined && this.now() - this.fetchedAt < this.settings.cacheMaxAge;
  }

  /** Once per cooldown; a cache that expired after a good fetch may refresh at once. */
  private mayFetch(): boolean {
    if (this.lastAttemptAt === undefined) return true;
    if (this.now() - this.lastAttemptAt >= this.settings.cooldown) return true;
    return !this.lastAttemptFailed && !this.isFresh();
  }

  private async findAfter(fetching: Promise<void>, kid: string | undefined, alg: unknown, startedFetch: boolean) {
    await fetching;
    return this.findOrRefuse(kid, alg, startedFetch);
  }

  private findOrRefuse(kid: string | undefined, alg: unknown, startedFetch: boolean): VerificationKey {
    const found = this.find(kid, alg);
    if (found) return found;
    if (this.fetchedAt === undefined || this.lastAttemptFailed) {
      throw new UnauthorizedError(JwtSocketErrorCode.JWKS_UNAVAILABLE);
    }
    const description = `JWKS ${this.label}: unknown kid ${kid === undefined ? '(none)' : quote(kid)}`;
    // Fetches happen at most once per cooldown, so the warn line cannot flood the logs; the others could.
    if (startedFetch) this.logger.warn(`${description} after a refetch`);
    else this.logger.debug?.(`${description} (not refetched: cooling down or already fetching)`);
    throw new UnauthorizedError(JwtSocketErrorCode.UNKNOWN_KID);
  }

  /**
   * The key published under `kid` that may verify `alg`. A token without `kid` gets the set's only
   * key for its `alg`. A known kid whose keys do not fit the `alg` is an algorithm mismatch.
   */
  private find(kid: string | undefined, alg: unknown): VerificationKey | undefined {
    const candidates = kid === undefined ? this.entries : this.byKid.get(kid);
    if (!candidates || candidates.length === 0) return undefined;
    let match: VerificationKey | undefined;
    for (const { verificationKey } of candidates) {
      if (!verificationKey.algorithms.includes(alg as VerificationKey['algorithms'][number])) continue;
      if (kid !== undefined) return verificationKey;
      if (match) {
        throw new UnauthorizedError(JwtSocketErrorCode.UNKNOWN_KID, 'The token has no kid and several keys match');
      }
      match = verificationKey;
    }
    if (match || kid === undefined) return match;
    this.logger.debug?.(`JWKS ${this.label}: token alg ${quote(alg)} does not match the key of kid ${quote(kid)}`);
    throw new UnauthorizedError(JwtSocketErrorCode.INVALID_TOKEN, 'The token algorithm does not match its key');
  }

  private refresh(): Promise<void> {
    this.lastAttemptAt = this.now();
    const fetching = this.load().finally(() => {
      this.inFlight = undefined;
    });
    this.inFlight = fetching;
    return fetching;
  }

  /** Never rejects: the outcome is read from the state by the lookups that waited. */
  private async load(): Promise<void> {
    try {
      const document = await fetchJwks(this.settings.jwksUri, this.settings.timeout, this.shutdown.signal);
      const entries = parseJwks(document, (kid, reason) =>
        this.logger.warn(`JWKS ${this.label}: skipped key kid=${quote(kid)}: ${reason}`),
      );
      this.install(entries);
      this.fetchedAt = this.now();
      this.lastAttemptFailed = false;
    } catch (error) {
      this.lastAttemptFailed = true;
      const keeping = this.entries.length > 0 ? `; keeping the ${this.entries.length} cached keys` : '';
      this.logger.warn(`JWKS ${this.label} unavailable: ${describeError(error)}${keeping}`);
    }
  }

  private install(entries: JwkEntry[]): void {
    const byKid = new Map<string, JwkEntry[]>();
    for (const entry of entries) {
      if (entry.kid === undefined) continue;
      const sameKid = byKid.get(entry.kid);
      if (sameKid) sameKid.push(entry);
      else byKid.set(entry.kid, [entry]);
    }
    this.entries = entries;
    this.byKid = byKid;
  }
}
