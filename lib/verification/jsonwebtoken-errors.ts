import { JsonWebTokenError, NotBeforeError, TokenExpiredError } from 'jsonwebtoken';
import { JwtSocketErrorCode } from '../protocol/error-codes';
import { UnauthorizedError } from '../protocol/unauthorized-error';

/**
 * jsonwebtoken failures that share the class `JsonWebTokenError` and differ only by message:
 * the message's start → the client-facing code. Each entry is pinned by a test against the
 * installed jsonwebtoken (lib/verification/jsonwebtoken-errors.spec.ts); anything else is
 * `invalid_token` (a signature, algorithm or key failure).
 */
export const JSONWEBTOKEN_MESSAGE_CODES: ReadonlyArray<readonly [prefix: string, code: JwtSocketErrorCode]> = [
  ['jwt audience invalid', JwtSocketErrorCode.INVALID_CLAIMS],
  ['jwt issuer invalid', JwtSocketErrorCode.INVALID_CLAIMS],
  ['jwt subject invalid', JwtSocketErrorCode.INVALID_CLAIMS],
  ['jwt jwtid invalid', JwtSocketErrorCode.INVALID_CLAIMS],
  ['invalid nbf value', JwtSocketErrorCode.INVALID_CLAIMS],
  ['invalid exp value', JwtSocketErrorCode.INVALID_CLAIMS],
  ['iat required', JwtSocketErrorCode.INVALID_CLAIMS],
  // A header or payload that does not decode.
  ['jwt malformed', JwtSocketErrorCode.MALFORMED_TOKEN],
  ['invalid token', JwtSocketErrorCode.MALFORMED_TOKEN],
];

/** By class first, then by the table; the original error stays as `cause` (server side only). */
export function fromJsonWebTokenError(error: unknown): UnauthorizedError {
  const cause = { cause: error };
  if (error instanceof TokenExpiredError)
    return new UnauthorizedError(JwtSocketErrorCode.TOKEN_EXPIRED, undefined, cause);
  if (error instanceof NotBeforeError) {
    return new UnauthorizedError(JwtSocketErrorCode.INVALID_CLAIMS, 'The token is not active yet', cause);
  }
  if (error instanceof JsonWebTokenError) {
    const entry = JSONWEBTOKEN_MESSAGE_CODES.find(([prefix]) => error.message.startsWith(prefix));
    if (entry) return new UnauthorizedError(entry[1], undefined, cause);
  }
  return new UnauthorizedError(JwtSocketErrorCode.INVALID_TOKEN, undefined, cause);
}
