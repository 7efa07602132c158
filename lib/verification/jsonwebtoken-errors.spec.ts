import { createHmac, generateKeyPairSync } from 'node:crypto';
import { JsonWebTokenError, sign, verify, type SignOptions, type VerifyOptions } from 'jsonwebtoken';
import { JwtSocketErrorCode } from '../protocol/error-codes';
import { fromJsonWebTokenError, JSONWEBTOKEN_MESSAGE_CODES } from './jsonwebtoken-errors';

const SECRET = 'a-secret-for-the-error-table-long-enough';
const now = () => Math.floor(Date.now() / 1000);

/** What the installed jsonwebtoken throws for `token` verified with `options`. */
function failureOf(token: string, options: VerifyOptions = {}): Error {
  try {
    verify(token, SECRET, { algorithms: ['HS256'], ...options });
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected jsonwebtoken to refuse the token');
}

const signed = (payload: object, options: SignOptions = {}) =>
  sign(payload, SECRET, { algorithm: 'HS256', ...options });
const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const raw = (header: object, payload: object) => `${part(header)}.${part(payload)}.sig`;
/** Signed by hand: jsonwebtoken's `sign` refuses the claim types these cases need. */
const handSigned = (payload: object) => {
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}`;
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
};

/** One real failure per table entry, so a jsonwebtoken upgrade that rewords a message fails here. */
const CASES: Record<string, () => Error> = {
  'jwt audience invalid': () => failureOf(signed({ aud: 'other' }), { audience: 'chat' }),
  'jwt issuer invalid': () => failureOf(signed({ iss: 'other' }), { issuer: 'idp' }),
  'jwt subject invalid': () => failureOf(signed({ sub: 'bob' }), { subject: 'alice' }),
  'jwt jwtid invalid': () => failureOf(signed({ jti: 'a' }), { jwtid: 'b' }),
  'invalid nbf value': () => failureOf(handSigned({ nbf: 'soon' })),
  'invalid exp value': () => failureOf(handSigned({ exp: 'later' })),
  'iat required': () => failureOf(signed({ sub: 'alice' }, { noTimestamp: true }), { maxAge: 60 }),
  'jwt malformed': () => failureOf('not-a-jwt'),
  'invalid token': () => failureOf(raw({ alg: 'HS256' }, { sub: 'a' }).replace(/^[^.]+/, 'e30x')),
};

describe('jsonwebtoken failures to client codes', () => {
  it('has a pinning case for every table entry', () => {
    expect(Object.keys(CASES).sort()).toEqual(JSONWEBTOKEN_MESSAGE_CODES.map(([prefix]) => prefix).sort());
  });

  it.each(JSONWEBTOKEN_MESSAGE_CODES.map(([prefix, code]) => [prefix, code] as const))(
    '"%s" is still what jsonwebtoken says, and maps to %s',
    (prefix, code) => {
      const failure = CASES[prefix]();
      expect(failure).toBeInstanceOf(JsonWebTokenError);
      expect(failure.message.startsWith(prefix)).toBe(true);
      const mapped = fromJsonWebTokenError(failure);
      expect(mapped.code).toBe(code);
      expect(mapped.cause).toBe(failure);
      expect(JSON.stringify(mapped.toJSON())).not.toContain(failure.message);
    },
  );

  it('maps by class first: expired, not yet active', () => {
    expect(fromJsonWebTokenError(failureOf(signed({ exp: now() - 10 }))).code).toBe(JwtSocketErrorCode.TOKEN_EXPIRED);
    expect(fromJsonWebTokenError(failureOf(signed({ nbf: now() + 600 }))).code).toBe(JwtSocketErrorCode.INVALID_CLAIMS);
  });

  it('calls anything else invalid_token: a bad signature, another algorithm', () => {
    expect(fromJsonWebTokenError(failureOf(sign({ sub: 'a' }, 'another-secret-long-enough-for-hs256'))).code).toBe(
      JwtSocketErrorCode.INVALID_TOKEN,
    );
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(fromJsonWebTokenError(failureOf(sign({ sub: 'a' }, privateKey, { algorithm: 'ES256' }))).code).toBe(
      JwtSocketErrorCode.INVALID_TOKEN,
    );
    expect(fromJsonWebTokenError(new Error('anything')).code).toBe(JwtSocketErrorCode.INVALID_TOKEN);
  });
});
