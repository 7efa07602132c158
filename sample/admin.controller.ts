import { BadRequestException, Body, Controller, HttpCode, Post } from '@nestjs/common';
import { JwtSocketRevoker } from '../lib';

export interface RevokeRequest {
  subject?: unknown;
  tokenId?: unknown;
}

export interface RevokeResponse {
  /** Sockets closed by the process that served this request; other processes close theirs on their own. */
  revokedHere: number;
}

const MAX_IDENTITY_LENGTH = 128;

/**
 * DEMO ONLY: revokes a user's or a token's sessions, with no authentication, like the demo login that
 * hands any identity to anyone. A real app puts this behind its own admin authorization.
 */
@Controller('admin')
export class AdminController {
  constructor(private readonly revoker: JwtSocketRevoker) {}

  /**
   * Every open socket of the subject (or token id) gets `unauthorized` `token_revoked`, on every node
   * (every worker of `npm run start:cluster`). The demo's subjects are usernames, the same in every
   * tenant: revoking `alice` closes the sockets of every tenant's alice. Revoke a token id to be exact.
   */
  @Post('revoke')
  @HttpCode(200)
  revoke(@Body() body: RevokeRequest | undefined): RevokeResponse {
    const subject = identity(body?.subject);
    const tokenId = identity(body?.tokenId);
    if (subject !== undefined) return { revokedHere: this.revoker.revokeSubject(subject) };
    if (tokenId !== undefined) return { revokedHere: this.revoker.revokeTokenId(tokenId) };
    throw new BadRequestException(
      `send { "subject": "..." } or { "tokenId": "..." }, a non-empty string of at most ${MAX_IDENTITY_LENGTH} characters`,
    );
  }
}

function identity(value: unknown): string | undefined {
  const usable = typeof value === 'string' && value.length > 0 && value.length <= MAX_IDENTITY_LENGTH;
  return usable ? value : undefined;
}
