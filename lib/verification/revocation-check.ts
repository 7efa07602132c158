import type { JwtPayload } from 'jsonwebtoken';

/**
 * Optional denylist consulted after the signature is verified: at connect, at refresh, and for
 * sockets restored by connection-state recovery. Provide it with
 * `JwtSocketModule.forRoot({ revocationCheck: MyDenylist, ... })`. A check that throws or does
 * not answer within `secretTimeout` refuses the token (fails closed).
 */
export abstract class RevocationCheck {
  /** `true` refuses the token with `token_revoked`; called with its verified claims. */
  abstract isRevoked(claims: JwtPayload): boolean | Promise<boolean>;
}
