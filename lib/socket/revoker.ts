import { Injectable } from '@nestjs/common';
import type { Namespace, Socket } from 'socket.io';
import { REVOKE_EVENT } from './revocation-event';
import { UnauthorizedError } from '../protocol/unauthorized-error';
import { JwtSocketErrorCode } from '../protocol/error-codes';
import { identityClaim } from './identity-rooms';
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
 */
@Injectable()
export class JwtSocketRevoker {
  constructor(
    private readonly servers: JwtSocketServers,
    private readonly sessions: JwtSocketSessions,
    private readonly inFlight: AuthenticationsInFlight,
  ) {
    servers.onServerProtected((server) =>
      server.sockets.on(REVOKE_EVENT, (message: unknown) => this.revokeLocally(toRevocationTarget(message))),
    );
  }

  revokeSubject(subject: string | number): number {
    return this.revoke({ subject });
  }

  revokeTokenId(tokenId: string | number): number {
    return this.revoke({ tokenId });
  }

  /** Disconnects the matching sockets here, then asks the other nodes to do the same. */
  private revoke(target: RevocationTarget): number {
    const local = this.revokeLocally(target);
    const [server] = this.servers.managedServers();
    if (server && supportsServerSideEmit(server.sockets)) server.sockets.serverSideEmit(REVOKE_EVENT, target);
    return local;
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
    (subject !== undefined && identityClaim(session.claims?.sub) === subject) ||
    (tokenId !== undefined && identityClaim(session.claims?.jti) === tokenId)
  );
}
