import { sign, type SignOptions } from 'jsonwebtoken';

export const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';

export function signToken(
  payload: object = { sub: 'alice' },
  options: SignOptions = {},
  secret: string = SECRET,
): string {
  return sign(payload, secret, { algorithm: 'HS256', expiresIn: '1h', ...options });
}

/** A JWT with whatever header and payload, and no signature, e.g. `alg: none`. */
export function unsignedToken(header: object, payload: object): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  return `${encode(header)}.${encode(payload)}.`;
}
