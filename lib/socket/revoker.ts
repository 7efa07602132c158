import { Injectable, Logger, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Namespace, Socket } from 'socket.io';
import { REVOKE_EVENT } from './revocation-event';
import { OpenSocketSweep } from '../revocation-store/open-socket-sweep';
import { RedisRevocationStore } from '../revocation-store/redis-revocation-store';
import { describeError } from '../verification/log-safe';
import { RevocationCheck } from '../verification/revocation-check';
import { UnauthorizedError } from '../protocol/unauthorized-error';
import { JwtSocketErrorCode } from '../protocol/error-codes';
import { identityClaim } from '../verification/token-identity';
import { sessionOf } from './session-state';
import { AuthenticationsInFlight } from './authentications-in-flight';
import { JwtSocketServers } from './server-registry';
import { JwtSocketSessions } from './session-lifecycle';

/** Who to disconnect: every socket of a subject (`sub`), of a token id (`jti`), or both. */
export interface RevocationTarget {
  subject?: string | number;
  tokenId?: string | number;
}

/** socket.io's in-memory adapters only warn on `serverSideEmit`: a single node has no one to tell. */
const SINGLE_NODE_ADAPTERS = new Set(['Adapter', 'SessionAwareAdapter']);

/**
 * Disconnects sockets whose tokens you revoke, on every namespace the library protects and, through
 * the socket.io adapter, on every node of the cluster. Each socket receives `unauthorized` with
 * `token_revoked` first. The count is this node's; other nodes act on their own, without waiting.
 *
 * With a `RedisRevocationStore` as the module's `revocationCheck`, every revocation is also recorded
 * there (nodes that missed the broadcast, or start later, learn it from Redis), and this node
 * re-checks its open sockets against the store periodically and when its Redis connection is back.
 */
@Injectable()
export class JwtSocketRevoker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly store?: RedisRevocationStore;
  private readonly sweep?: OpenSocketSweep;
  private readonly logger = new Logger('JwtSocket');

  constructor(
    private readonly servers: JwtSocketServers,
    private readonly sessions: JwtSocketSessions,
    private readonly inFlight: AuthenticationsInFlight,
    @Optional() revocationCheck?: RevocationCheck,
  ) {
    servers.onServerProtected((server) =>
      server.sockets.on(REVOKE_EVENT, (message: unknown) => this.revokedElsewhere(message)),
    );
    if (revocationCheck instanceof RedisRevocationStore) {
      this.store = revocationCheck;
      this.sweep = new OpenSocketSweep(
        revocationCheck,
        () => this.openSockets(),
        (socket) => this.sessions.revokeSocket(socket, new UnauthorizedError(JwtSocketErrorCode.TOKEN_REVOKED)),
      );
    }
  }

  /** Nest lifecycle hook: starts the sweep of open sockets, when a revocation store is set. */
  onApplicationBootstrap(): void {
    this.sweep?.start();
  }

  /** Nest lifecycle hook: stops the sweep. */
  onModuleDestroy(): void {
    this.sweep?.stop();
  }

  /**
   * Disconnects the subject's sockets and returns this node's count at once. With a store, the
   * revocation is recorded in the background (retried when Redis is back, a warning logged meanwhile).
   */
  revokeSubject(subject: string | number): number {
    const count = this.revoke({ subject }, Date.now());
    this.recordInBackground(this.store?.revokeSubject(subject));
    return count;
  }

  /** As `revokeSubject`, for a token id; `exp` (epoch seconds) bounds the record, else an open socket's token tells it. */
  revokeTokenId(tokenId: string | number, exp?: number): number {
    const expiry = exp ?? this.localExpiry(tokenId);
    const count = this.revoke({ tokenId }, Date.now(), expiry);
    this.recordInBackground(this.store?.revokeTokenId(tokenId, expiry));
    return count;
  }

  /**
   * `revokeSubject`, resolving once the store has recorded it; rejects if Redis did not take it within
   * the store's `commandTimeout` (the sockets are closed anyway, and the record is retried when Redis is back).
   */
  async revokeSubjectDurably(subject: string | number): Promise<number> {
    const count = this.revoke({ subject }, Date.now());
    await this.store?.revokeSubject(subject);
    return count;
  }

  /** `revokeTokenId`, resolving once the store has recorded it (see `revokeSubjectDurably`). */
  async revokeTokenIdDurably(tokenId: string | number, exp?: number): Promise<number> {
    const expiry = exp ?? this.localExpiry(tokenId);
    const count = this.revoke({ tokenId }, Date.now(), expiry);
    await this.store?.revokeTokenId(tokenId, expiry);
    return count;
  }

  /** Re-checks this node's open sockets against the store now (what the periodic sweep does); resolves to the count disconnected. */
  recheckOpenSockets(): Promise<number> {
    return this.sweep?.run() ?? Promise.resolve(0);
  }

  /**
   * Disconnects the matching sockets here, then asks the other nodes to do the same. The instant and
   * the token's `exp` travel along, so a node with a store can record what this node may not have.
   */
  private revoke(target: RevocationTarget, revokedAtMs: number, exp?: number): number {
    const local = this.revokeLocally(target);
    const [server] = this.servers.managedServers();
    if (server && supportsServerSideEmit(server.sockets)) {
      server.sockets.serverSideEmit(REVOKE_EVENT, { ...target, revokedAtMs, exp });
    }
    return local;
  }

  /** A revocation from another node (or `@socket.io/redis-emitter`): applied here, and kept in the store if any. */
  private revokedElsewhere(message: unknown): void {
    const target = toRevocationTarget(message);
    const { revokedAtMs, exp } = (typeof message === 'object' && message !== null ? message : {}) as {
      revokedAtMs?: unknown;
      exp?: unknown;
    };
    const tokenExpiry = isFiniteNumber(exp)
      ? exp
      : target.tokenId === undefined
        ? undefined
        : this.localExpiry(target.tokenId);
    this.revokeLocally(target);
    this.store?.revokedElsewhere(target, isFiniteNumber(revokedAtMs) ? revokedAtMs : Date.now(), tokenExpiry);
  }

  /**
   * Open sockets, found through their sessions (the one source of truth for their claims, whatever
   * rooms they were moved in or out of), and authentications still running: each socket counted once.
   */
  private revokeLocally(target: RevocationTarget): number {
    const subject = identityClaim(target.subject);
    const tokenId = identityClaim(target.tokenId);
    if (subject === undefined && tokenId === undefined) return 0;
    const revoked = new Set<Socket>(this.inFlight.revoke(subject, tokenId));
    const error = new UnauthorizedError(JwtSocketErrorCode.TOKEN_REVOKED);
    for (const namespace of this.servers.namespaces()) {
      for (const socket of namespace.sockets.values()) {
        if (!holdsIdentity(socket, subject, tokenId)) continue;
        this.sessions.revokeSocket(socket, error);
        revoked.add(socket);
      }
    }
    return revoked.size;
  }

  private recordInBackground(recording: Promise<void> | undefined): void {
    recording?.catch((error: unknown) =>
      this.logger.warn(
        `A revocation could not be recorded in Redis yet; it is retried when the connection is ready: ${describeError(error)}`,
      ),
    );
  }

  private *openSockets(): Iterable<Socket> {
    for (const namespace of this.servers.namespaces()) yield* namespace.sockets.values();
  }

  /** The latest `exp` among this node's open sockets holding the token id, if any. */
  private localExpiry(tokenId: string | number): number | undefined {
    const name = identityClaim(tokenId);
    if (!this.store || name === undefined) return undefined;
    let latest: number | undefined;
    for (const socket of this.openSockets()) {
      const claims = sessionOf(socket)?.claims;
      if (identityClaim(claims?.jti) !== name || typeof claims?.exp !== 'number') continue;
      latest = Math.max(latest ?? claims.exp, claims.exp);
    }
    return latest;
  }
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function supportsServerSideEmit(namespace: Namespace): boolean {
  return !SINGLE_NODE_ADAPTERS.has(namespace.adapter.constructor.name);
}

/** A revocation from another node (or `@socket.io/redis-emitter`): only a string or number counts. */
function toRevocationTarget(message: unknown): RevocationTarget {
  const { subject, tokenId } = (typeof message === 'object' && message !== null ? message : {}) as RevocationTarget;
  const target: RevocationTarget = {};
  if (typeof subject === 'string' || typeof subject === 'number') target.subject = subject;
  if (typeof tokenId === 'string' || typeof tokenId === 'number') target.tokenId = tokenId;
  return target;
}

/** An authenticated socket whose current token names the subject or the token id. */
function holdsIdentity(socket: Socket, subject: string | undefined, tokenId: string | undefined): boolean {
  const session = sessionOf(socket);
  if (!session?.authenticated) return false;
  return (
    (subject !== undefined && session.subject === subject) ||
    (tokenId !== undefined && identityClaim(session.claims?.jti) === tokenId)
  );
}
