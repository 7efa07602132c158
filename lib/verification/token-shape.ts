import { isJsonObject } from '../util/json-object';
import { decode, type Jwt, type JwtPayload } from 'jsonwebtoken';
import { JwtSocketErrorCode } from '../protocol/error-codes';
import { UnauthorizedError } from '../protocol/unauthorized-error';

/** What a token must look like before and after its signature is checked. */

const BEARER_PREFIX = /^bearer\s+/i;

/** Validates what a client sent as a token and strips an optional `Bearer ` prefix. */
export function normalizeToken(value: unknown, maxLength: number): string {
  if (value === undefined || value === null) {
    throw new UnauthorizedError(JwtSocketErrorCode.CREDENTIALS_REQUIRED);
  }
  if (typeof value !== 'string') {
    throw new UnauthorizedError(JwtSocketErrorCode.CREDENTIALS_BAD_FORMAT, 'The token must be a string');
  }
  if (value.length > maxLength) {
    throw new UnauthorizedError(
      JwtSocketErrorCode.CREDENTIALS_BAD_FORMAT,
      `The token is longer than ${maxLength} characters`,
    );
  }
  const token = value.replace(BEARER_PREFIX, '').trim();
  if (token.length === 0) throw new UnauthorizedError(JwtSocketErrorCode.CREDENTIALS_REQUIRED);
  return token;
}

export function decodeJwt(token: string): Jwt {
  let jwt: Jwt | null;
  try {
    jwt = decode(token, { complete: true });
  } catch {
    jwt = null;
  }
  if (!jwt || typeof jwt.header !== 'object' || jwt.header === null) {
    throw new UnauthorizedError(JwtSocketErrorCode.MALFORMED_TOKEN);
  }
  if (!isJsonObject(jwt.payload)) {
    throw new UnauthorizedError(JwtSocketErrorCode.MALFORMED_TOKEN, 'The token payload is not a JSON object');
  }
  return jwt;
}

/**
 * RFC 7515 §4.1.11: a token whose `crit` header names extensions the recipient does not understand
 * MUST be rejected. jsonwebtoken ignores `crit`, and this library implements no extension (such as
 * RFC 7797 `b64: false`, which changes what the signature covers), so any `crit` is refused.
 */
export function assertNoCriticalExtensions(header: Jwt['header']): void {
  if (Object.prototype.hasOwnProperty.call(header, 'crit')) {
    throw new UnauthorizedError(
      JwtSocketErrorCode.INVALID_TOKEN,
      'The token requires header extensions (crit) that are not supported',
    );
  }
}

/**
 * `sub` and `jti` name rooms and revocations: a string or a finite number. Anything else (an
 * object whose `toString` throws, say) would reach every place that names them.
 */
export function assertIdentityClaims(claims: JwtPayload): void {
  for (const name of ['sub', 'jti'] as const) {
    const value: unknown = claims[name];
    // An empty string is accepted but names nobody (no room, no recovery, no refresh to it).
    const usable = value === undefined || typeof value === 'string' || Number.isSafeInteger(value);
    if (!usable) {
      throw new UnauthorizedError(
        JwtSocketErrorCode.INVALID_CLAIMS,
        `The token claim ${name} must be a string or a safe integer`,
      );
    }
  }
}

export function asClaims(payload: unknown): JwtPayload {
  if (!isJsonObject(payload)) {
    throw new UnauthorizedError(JwtSocketErrorCode.MALFORMED_TOKEN, 'The token payload is not a JSON object');
  }
  return payload as JwtPayload;
}
