import { Injectable } from '@nestjs/common';
import { JwtSocketSessions } from './jwt-socket.sessions';

/**
 * Disconnects sockets whose tokens you revoke, on every namespace the library protects and, through
 * the socket.io adapter, on every node of the cluster. Each socket receives `unauthorized` with
 * `token_revoked` first. The count is this node's; other nodes act on their own, without waiting.
 */
@Injectable()
export class JwtSocketRevoker {
  constructor(private readonly sessions: JwtSocketSessions) {}

  revokeSubject(subject: string | number): number {
    return this.sessions.revoke({ subject });
  }

  revokeTokenId(tokenId: string | number): number {
    return this.sessions.revoke({ tokenId });
  }
}
