import { Logger } from '@nestjs/common';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { sign, type JwtPayload, type SignOptions } from 'jsonwebtoken';
import { SECRET, unsignedToken } from '../../test/support/tokens';
import { resolveJwtSocketOptions } from '../options/resolve-options';
import { UnauthorizedError } from '../protocol/unauthorized-error';
import { JwtSocketErrorCode } from '../protocol/error-codes';
import { OptionsSecretProvider } from './options-secret-provider';
import { RevocationCheck } from './revocation-check';
import { SecretProvider } from './secret-provider';
import type { TokenIdentity } from './token-identity';
import { TokenVerifier } from './token-verifier';
import type {
  JwtSocketHandshake,
  JwtSocketModuleOptions,
  SecretAnswer,
  SecretContext,
} from '../options/module-options';

/** No socket anywhere: the verifier only reads the handshake it is handed (and passes it to the SecretProvider). */
const HANDSHAKE = { headers: {}, auth: {}, query: {} } as unknown as JwtSocketHandshake;
const now = () => Math.floor(Date.now() / 1000);

function hs256(payload: object | string, options: SignOptions = {}, secret: string = SECRET): string {
  return sign(payload, secret, { algorithm: 'HS256', ...options });
}

/** A correctly HS256-signed token over whatever header and payload bytes, e.g. a payload that is not an object. */
function signedRaw(header: object, payloadJson: string, secret: string = SECRET): string {
  const signingInput = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(payloadJson).toString('base64url')}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

/** The default provider over `options.secret`: a static key, the verifier's hot path. */
function staticVerifier(options: Partial<JwtSocketModuleOptions> = {}, revocationCheck?: RevocationCheck) {
  const resolved = resolveJwtSocketOptions({ secret: SECRET, ...options });
  return new TokenVerifier(resolved, new OptionsSecretProvider(resolved), revocationCheck);
}

/** A per-token SecretProvider (no static key): the key-lookup path. */
class FnSecretProvider extends SecretProvider {
  readonly calls: SecretContext[] = [];
  constructor(private readonly answer: (context: SecretContext) => SecretAnswer | Promise<SecretAnswer>) {
    super();
  }
  getSecret(context: SecretContext): SecretAnswer | Promise<SecretAnswer> {
    this.calls.push(context);
    return this.answer(context);
  }
}

function providerVerifier(
  provider: SecretProvider,
  options: Partial<JwtSocketModuleOptions> = {},
  revocationCheck?: RevocationCheck,
) {
  // `secret` is required by the options check; the provider passed here is the one the verifier uses.
  const resolved = resolveJwtSocketOptions({ secret: SECRET, ...options });
  return new TokenVerifier(resolved, provider, revocationCheck);
}

class FnRevocationCheck extends RevocationCheck {
  readonly calls: JwtPayload[] = [];
  constructor(private readonly answer: (claims: JwtPayload) => boolean | Promise<boolean>) {
    super();
  }
  isRevoked(claims: JwtPayload): boolean | Promise<boolean> {
    this.calls.push(claims);
    return this.answer(claims);
  }
}

/** The code of the `UnauthorizedError` a verification rejects with; anything else fails the test. */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(UnauthorizedError);
    const unauthorized = error as UnauthorizedError;
    expect(unauthorized.data.code).toBe(unauthorized.code);
    return unauthorized.code;
  }
  throw new Error('expected the verification to be refused, but it succeeded');
}

/** Both ways the verifier gets its key, for checks that must not depend on it. */
const PATHS: Array<[string, (options?: Partial<JwtSocketModuleOptions>) => TokenVerifier]> = [
  ['static key', (options) => staticVerifier(options)],
  ['SecretProvider', (options) => providerVerifier(new FnSecretProvider(() => SECRET), options)],
];

let warn: jest.SpyInstance;
let debug: jest.SpyInstance;
beforeEach(() => {
  warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

describe('TokenVerifier: valid tokens', () => {
  it.each(PATHS)('%s: returns the token, its claims and expiresAt = (exp + clockTolerance) * 1000', async (_, make) => {
    const exp = now() + 600;
    const token = hs256({ sub: 'alice', role: 'admin', exp });
    const verified = await make({ clockTolerance: 7 }).verify(token, HANDSHAKE);
    expect(verified.token).toBe(token);
    expect(verified.claims).toMatchObject({ sub: 'alice', role: 'admin', exp });
    expect(verified.expiresAt).toBe((exp + 7) * 1000);
  });

  it('strips a Bearer prefix and surrounding blanks', async () => {
    const token = hs256({ sub: 'alice' });
    const verified = await staticVerifier().verify(`Bearer ${token} `, HANDSHAKE);
    expect(verified.token).toBe(token);
  });

  it('a token without exp (and no maxAge) has no expiresAt', async () => {
    const verified = await staticVerifier().verify(hs256({ sub: 'alice' }, { noTimestamp: true }), HANDSHAKE);
    expect(verified.expiresAt).toBeUndefined();
  });

  it('expiresAt is iat + maxAge when that comes before exp', async () => {
    const iat = now();
    const token = hs256({ sub: 'alice', iat, exp: iat + 3600 });
    const verified = await staticVerifier({ maxAge: 60, clockTolerance: 2 }).verify(token, HANDSHAKE);
    expect(verified.expiresAt).toBe((iat + 60 + 2) * 1000);
  });

  it('expiresAt is exp when that comes before iat + maxAge', async () => {
    const iat = now();
    const token = hs256({ sub: 'alice', iat, exp: iat + 30 });
    const verified = await staticVerifier({ maxAge: '1h', clockTolerance: 2 }).verify(token, HANDSHAKE);
    expect(verified.expiresAt).toBe((iat + 30 + 2) * 1000);
  });

  it('expiresAt is iat + maxAge for a token without exp', async () => {
    const iat = now();
    const verified = await staticVerifier({ maxAge: 120 }).verify(hs256({ sub: 'alice', iat }), HANDSHAKE);
    expect(verified.expiresAt).toBe((iat + 120) * 1000);
  });

  it.each(PATHS)('%s: accepts a numeric sub and jti', async (_, make) => {
    const verified = await make().verify(hs256({ sub: 42, jti: 7 }), HANDSHAKE);
    expect(verified.claims).toMatchObject({ sub: 42, jti: 7 });
  });

  it.each(PATHS)('%s: accepts matching aud, iss and sub', async (_, make) => {
    const token = hs256({ sub: 'alice', aud: 'api', iss: 'https://idp.example/' });
    const verifier = make({ audience: 'api', issuer: 'https://idp.example/', subject: 'alice' });
    await expect(verifier.verify(token, HANDSHAKE)).resolves.toMatchObject({ claims: { sub: 'alice' } });
  });
});

describe('TokenVerifier: signature and algorithm', () => {
  it.each(PATHS)('%s: a token signed with another secret is invalid_token', async (_, make) => {
    const token = hs256({ sub: 'alice' }, {}, 'another-secret-that-is-also-long-enough');
    expect(await codeOf(make().verify(token, HANDSHAKE))).toBe(JwtSocketErrorCode.INVALID_TOKEN);
  });

  it.each(PATHS)('%s: alg none is invalid_token', async (_, make) => {
    const token = unsignedToken({ alg: 'none', typ: 'JWT' }, { sub: 'alice' });
    expect(await codeOf(make().verify(token, HANDSHAKE))).toBe(JwtSocketErrorCode.INVALID_TOKEN);
  });

  it.each(PATHS)('%s: alg None (any case) is invalid_token', async (_, make) => {
    const token = unsignedToken({ alg: 'None', typ: 'JWT' }, { sub: 'alice' });
    expect(await codeOf(make().verify(token, HANDSHAKE))).toBe(JwtSocketErrorCode.INVALID_TOKEN);
  });

  it.each(PATHS)('%s: an algorithm outside options.algorithms is invalid_token', async (_, make) => {
    const token = hs256({ sub: 'alice' }, { algorithm: 'HS512' });
    expect(await codeOf(make({ algorithms: ['HS256'] }).verify(token, HANDSHAKE))).toBe(
      JwtSocketErrorCode.INVALID_TOKEN,
    );
  });

  it('the SecretProvider is not asked for a token whose algorithm is not pinned', async () => {
    const provider = new FnSecretProvider(() => SECRET);
    const token = hs256({ sub: 'alice' }, { algorithm: 'HS512' });
    await codeOf(providerVerifier(provider, { algorithms: ['HS256'] }).verify(token, HANDSHAKE));
    expect(provider.calls).toHaveLength(0);
  });

  it.each(PATHS)('%s: a crit header is invalid_token, even with a valid signature', async (_, make) => {
    const token = signedRaw({ alg: 'HS256', typ: 'JWT', crit: ['b64'], b64: false }, JSON.stringify({ sub: 'alice' }));
    expect(await codeOf(make().verify(token, HANDSHAKE))).toBe(JwtSocketErrorCode.INVALID_TOKEN);
  });

  const ODD_HEADERS: Array<[string, object]> = [
    ['no alg', { typ: 'JWT' }],
    ['a numeric alg', { alg: 256, typ: 'JWT' }],
    ['an unknown alg', { alg: 'XS256', typ: 'JWT' }],
    ['a header that is an array', []],
  ];
  for (const [pathName, make] of PATHS) {
    it.each(ODD_HEADERS)(`${pathName}: a header with %s is refused as invalid_token`, async (_, header) => {
      const token = signedRaw(header, JSON.stringify({ sub: 'alice' }));
      expect(await codeOf(make().verify(token, HANDSHAKE))).toBe(JwtSocketErrorCode.INVALID_TOKEN);
    });
  }

  it('an HS256 token signed with the RSA public key a SecretProvider returns is invalid_token (key confusion)', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const verifier = providerVerifier(new FnSecretProvider(() => publicPem));
    const token = signedRaw({ alg: 'HS256', typ: 'JWT' }, JSON.stringify({ sub: 'admin' }), publicPem);
    expect(await codeOf(verifier.verify(token, HANDSHAKE))).toBe(JwtSocketErrorCode.INVALID_TOKEN);
  });

  it.each(PATHS)('%s: a payload changed after signing is invalid_token', async (_, make) => {
    const [header, , signature] = hs256({ sub: 'alice' }).split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'admin' })).toString('base64url')}.${signature}`;
    expect(await codeOf(make().verify(forged, HANDSHAKE))).toBe(JwtSocketErrorCode.INVALID_TOKEN);
  });
});

describe('TokenVerifier: claims', () => {
  it.each(PATHS)('%s: exp passed is token_expired', async (_, make) => {
    const token = hs256({ sub: 'alice', exp: now() - 10 });
    expect(await codeOf(make().verify(token, HANDSHAKE))).toBe(JwtSocketErrorCode.TOKEN_EXPIRED);
  });

  it('exp passed within clockTolerance is accepted', async () => {
    const token = hs256({ sub: 'alice', exp: now() - 10 });
    await expect(staticVerifier({ clockTolerance: 60 }).verify(token, HANDSHAKE)).resolves.toBeDefined();
  });

  it.each(PATHS)('%s: iat + maxAge passed is token_expired', async (_, make) => {
    const token = hs256({ sub: 'alice', iat: now() - 120 });
    expect(await codeOf(make({ maxAge: 60 }).verify(token, HANDSHAKE))).toBe(JwtSocketErrorCode.TOKEN_EXPIRED);
  });

  it.each(PATHS)('%s: nbf in the future is invalid_claims', async (_, make) => {
    const token = hs256({ sub: 'alice', nbf: now() + 600 });
    expect(await codeOf(make().verify(token, HANDSHAKE))).toBe(JwtSocketErrorCode.INVALID_CLAIMS);
  });

  const MISMATCHES: Array<[string, object, Partial<JwtSocketModuleOptions>]> = [
    ['aud', { sub: 'alice', aud: 'other' }, { audience: 'api' }],
    ['aud missing', { sub: 'alice' }, { audience: 'api' }],
    ['iss', { sub: 'alice', iss: 'https://evil.example/' }, { issuer: 'https://idp.example/' }],
    ['sub', { sub: 'bob' }, { subject: 'alice' }],
  ];
  for (const [pathName, make] of PATHS) {
    it.each(MISMATCHES)(`${pathName}: %s mismatch is invalid_claims`, async (_, claims, options) => {
      expect(await codeOf(make(options).verify(hs256(claims), HANDSHAKE))).toBe(JwtSocketErrorCode.INVALID_CLAIMS);
    });
  }

  const BAD_IDENTITIES: Array<[string, object]> = [
    ['sub as an object', { sub: { toString: 'x' } }],
    ['sub as an array', { sub: ['alice'] }],
    ['sub as a boolean', { sub: true }],
    ['jti as an object', { sub: 'alice', jti: { id: 1 } }],
    ['jti as an array', { sub: 'alice', jti: [1] }],
    ['jti as a boolean', { sub: 'alice', jti: false }],
  ];
  for (const [pathName, make] of PATHS) {
    it.each(BAD_IDENTITIES)(`${pathName}: %s is invalid_claims`, async (_, claims) => {
      // jsonwebtoken's sign() refuses a non-string sub itself, so the token is signed by hand.
      const token = signedRaw({ alg: 'HS256', typ: 'JWT' }, JSON.stringify(claims));
      expect(await codeOf(make().verify(token, HANDSHAKE))).toBe(JwtSocketErrorCode.INVALID_CLAIMS);
    });
  }

  it('a non-finite number as sub is invalid_claims', async () => {
    // 1e999 parses to Infinity.
    const token = signedRaw({ alg: 'HS256', typ: 'JWT' }, '{"sub":1e999}');
    expect(await codeOf(staticVerifier().verify(token, HANDSHAKE))).toBe(JwtSocketErrorCode.INVALID_CLAIMS);
  });
});

describe('TokenVerifier: malformed tokens', () => {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const MALFORMED: Array<[string, () => string]> = [
    ['one segment', () => 'abc'],
    ['two segments', () => hs256({ sub: 'alice' }).split('.').slice(0, 2).join('.')],
    ['four segments', () => `${hs256({ sub: 'alice' })}.extra`],
    ['header not base64url JSON', () => `%%%.${hs256({ sub: 'alice' }).split('.').slice(1).join('.')}`],
    ['payload not base64url JSON', () => `${header}.!!not-base64!!.sig`],
    ['payload is a JSON array (signed)', () => signedRaw({ alg: 'HS256', typ: 'JWT' }, '["alice"]')],
    ['payload is a JSON string (signed)', () => signedRaw({ alg: 'HS256', typ: 'JWT' }, '"alice"')],
    ['payload is a JSON number (signed)', () => signedRaw({ alg: 'HS256', typ: 'JWT' }, '42')],
    ['payload is JSON null (signed)', () => signedRaw({ alg: 'HS256', typ: 'JWT' }, 'null')],
    ['payload is not JSON at all (signed)', () => signedRaw({ alg: 'HS256', typ: 'JWT' }, 'hello')],
    ['payload is a string signed by jsonwebtoken', () => hs256('hello')],
  ];
  for (const [pathName, make] of PATHS) {
    it.each(MALFORMED)(`${pathName}: %s is malformed_token`, async (_, token) => {
      expect(await codeOf(make().verify(token(), HANDSHAKE))).toBe(JwtSocketErrorCode.MALFORMED_TOKEN);
    });
  }
});

describe('TokenVerifier: what the client sent', () => {
  it.each([
    ['a number', 42],
    ['an object', { token: 'x' }],
    ['an array', ['a.b.c']],
    ['a boolean', true],
  ])('%s is credentials_bad_format', async (_, value) => {
    expect(await codeOf(staticVerifier().verify(value, HANDSHAKE))).toBe(JwtSocketErrorCode.CREDENTIALS_BAD_FORMAT);
  });

  it('a token longer than maxTokenLength is credentials_bad_format, before any key lookup', async () => {
    const provider = new FnSecretProvider(() => SECRET);
    const verifier = providerVerifier(provider, { maxTokenLength: 64 });
    expect(await codeOf(verifier.verify('a'.repeat(65), HANDSHAKE))).toBe(JwtSocketErrorCode.CREDENTIALS_BAD_FORMAT);
    expect(provider.calls).toHaveLength(0);
  });

  it('a token of exactly maxTokenLength is not refused for its length', async () => {
    const token = hs256({ sub: 'alice' });
    await expect(staticVerifier({ maxTokenLength: token.length }).verify(token, HANDSHAKE)).resolves.toBeDefined();
  });

  it.each([
    ['an empty string', ''],
    ['blanks', '   '],
    ['a bare Bearer prefix', 'Bearer '],
    ['undefined', undefined],
    ['null', null],
  ])('%s is credentials_required', async (_, value) => {
    expect(await codeOf(staticVerifier().verify(value, HANDSHAKE))).toBe(JwtSocketErrorCode.CREDENTIALS_REQUIRED);
  });
});

describe('TokenVerifier: the SecretProvider', () => {
  it('is given the decoded header, the unverified payload and the handshake as passed', async () => {
    const provider = new FnSecretProvider(() => SECRET);
    const handshake = { headers: { 'x-tenant': 'acme' }, auth: {}, query: {} } as unknown as JwtSocketHandshake;
    await providerVerifier(provider).verify(hs256({ sub: 'alice' }, { keyid: 'k1' }), handshake);
    expect(provider.calls).toHaveLength(1);
    expect(provider.calls[0].header).toMatchObject({ alg: 'HS256', kid: 'k1' });
    expect(provider.calls[0].payload).toMatchObject({ sub: 'alice' });
    expect(provider.calls[0].handshake).toBe(handshake);
  });

  it('may answer asynchronously', async () => {
    const provider = new FnSecretProvider(() => Promise.resolve(SECRET));
    await expect(providerVerifier(provider).verify(hs256({ sub: 'alice' }), HANDSHAKE)).resolves.toMatchObject({
      claims: { sub: 'alice' },
    });
  });

  const FAILURES: Array<[string, () => SecretAnswer | Promise<SecretAnswer>]> = [
    [
      'throws',
      () => {
        throw new Error('vault down');
      },
    ],
    ['rejects', () => Promise.reject(new Error('vault down'))],
    ['returns undefined', () => undefined],
    ['resolves undefined', () => Promise.resolve(undefined)],
    ['returns an empty string', () => ''],
    ['returns an empty Buffer', () => Buffer.alloc(0)],
  ];
  it.each(FAILURES)('a provider that %s is secret_unavailable', async (_, answer) => {
    const verifier = providerVerifier(new FnSecretProvider(answer));
    expect(await codeOf(verifier.verify(hs256({ sub: 'alice' }), HANDSHAKE))).toBe(
      JwtSocketErrorCode.SECRET_UNAVAILABLE,
    );
    expect(warn).toHaveBeenCalled();
  });

  it('the log line of a failure carries the error message, never the key material', async () => {
    const verifier = providerVerifier(new FnSecretProvider(() => Promise.reject(new Error('vault down'))));
    await codeOf(verifier.verify(hs256({ sub: 'alice' }, { keyid: 'k1' }), HANDSHAKE));
    expect(warn.mock.calls.flat().join(' ')).toContain('vault down');
    expect(warn.mock.calls.flat().join(' ')).toContain('"k1"');
  });

  it('a provider that never answers is secret_unavailable after secretTimeout', async () => {
    const verifier = providerVerifier(new FnSecretProvider(() => new Promise<SecretAnswer>(() => undefined)), {
      secretTimeout: 30,
    });
    const started = Date.now();
    expect(await codeOf(verifier.verify(hs256({ sub: 'alice' }), HANDSHAKE))).toBe(
      JwtSocketErrorCode.SECRET_UNAVAILABLE,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('an UnauthorizedError thrown by the provider keeps its code', async () => {
    const verifier = providerVerifier(
      new FnSecretProvider(() => Promise.reject(new UnauthorizedError(JwtSocketErrorCode.UNTRUSTED_ISSUER))),
    );
    expect(await codeOf(verifier.verify(hs256({ sub: 'alice' }), HANDSHAKE))).toBe(JwtSocketErrorCode.UNTRUSTED_ISSUER);
  });

  it('{ key, algorithms: [HS256] } refuses an HS512 token with invalid_token', async () => {
    const verifier = providerVerifier(new FnSecretProvider(() => ({ key: SECRET, algorithms: ['HS256'] })));
    const token = hs256({ sub: 'alice' }, { algorithm: 'HS512' });
    expect(await codeOf(verifier.verify(token, HANDSHAKE))).toBe(JwtSocketErrorCode.INVALID_TOKEN);
  });

  it('{ key, algorithms: [HS256] } accepts an HS256 token', async () => {
    const verifier = providerVerifier(new FnSecretProvider(() => ({ key: SECRET, algorithms: ['HS256'] })));
    await expect(verifier.verify(hs256({ sub: 'alice' }), HANDSHAKE)).resolves.toMatchObject({
      claims: { sub: 'alice' },
    });
  });

  it('{ key: empty, algorithms } is secret_unavailable', async () => {
    const verifier = providerVerifier(new FnSecretProvider(() => ({ key: '', algorithms: ['HS256'] })));
    expect(await codeOf(verifier.verify(hs256({ sub: 'alice' }), HANDSHAKE))).toBe(
      JwtSocketErrorCode.SECRET_UNAVAILABLE,
    );
  });
});

describe('TokenVerifier: the RevocationCheck', () => {
  it('is given the verified claims and lets a token it does not revoke through', async () => {
    const check = new FnRevocationCheck(() => false);
    const verified = await staticVerifier({}, check).verify(hs256({ sub: 'alice', jti: 'j1' }), HANDSHAKE);
    expect(verified.claims.sub).toBe('alice');
    expect(check.calls).toEqual([expect.objectContaining({ sub: 'alice', jti: 'j1' })]);
  });

  it('is not asked about a token that fails verification', async () => {
    const check = new FnRevocationCheck(() => false);
    await codeOf(staticVerifier({}, check).verify(hs256({ sub: 'alice', exp: now() - 10 }), HANDSHAKE));
    expect(check.calls).toHaveLength(0);
  });

  it.each<[string, () => boolean | Promise<boolean>]>([
    ['returns true', () => true],
    ['resolves true', () => Promise.resolve(true)],
    [
      'throws',
      () => {
        throw new Error('redis down');
      },
    ],
    ['rejects', () => Promise.reject(new Error('redis down'))],
  ])('a check that %s is token_revoked', async (_, answer) => {
    const verifier = staticVerifier({}, new FnRevocationCheck(answer));
    expect(await codeOf(verifier.verify(hs256({ sub: 'alice' }), HANDSHAKE))).toBe(JwtSocketErrorCode.TOKEN_REVOKED);
  });

  it('only true revokes: a truthy non-boolean answer lets the token through', async () => {
    const verifier = staticVerifier({}, new FnRevocationCheck(() => 'yes' as unknown as boolean));
    await expect(verifier.verify(hs256({ sub: 'alice' }), HANDSHAKE)).resolves.toBeDefined();
  });

  it('a check that never answers is token_revoked after secretTimeout (fails closed)', async () => {
    const verifier = staticVerifier({ secretTimeout: 30 }, new FnRevocationCheck(() => new Promise(() => undefined)));
    const started = Date.now();
    expect(await codeOf(verifier.verify(hs256({ sub: 'alice' }), HANDSHAKE))).toBe(JwtSocketErrorCode.TOKEN_REVOKED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('also applies on the SecretProvider path', async () => {
    const verifier = providerVerifier(new FnSecretProvider(() => SECRET), {}, new FnRevocationCheck(() => true));
    expect(await codeOf(verifier.verify(hs256({ sub: 'alice' }), HANDSHAKE))).toBe(JwtSocketErrorCode.TOKEN_REVOKED);
  });
});

describe('TokenVerifier: the identity filled in on decode', () => {
  it('static key: is filled in synchronously, before verify settles or the revocation check answers', async () => {
    const identity: TokenIdentity = {};
    let answerRevocation!: (revoked: boolean) => void;
    const check = new FnRevocationCheck(() => new Promise<boolean>((resolve) => (answerRevocation = resolve)));
    const pending = staticVerifier({}, check).verify(hs256({ sub: 'alice', jti: 'j1' }), HANDSHAKE, identity);
    // No await yet: the identity is already known.
    expect(identity).toEqual({ subject: 'alice', tokenId: 'j1' });
    answerRevocation(false);
    await expect(pending).resolves.toMatchObject({ claims: { sub: 'alice' } });
    expect(identity).toEqual({ subject: 'alice', tokenId: 'j1' });
  });

  it('SecretProvider: is filled in synchronously from the (unverified) payload, before the key lookup answers', async () => {
    const identity: TokenIdentity = {};
    let answerKey!: (key: SecretAnswer) => void;
    const provider = new FnSecretProvider(() => new Promise<SecretAnswer>((resolve) => (answerKey = resolve)));
    const pending = providerVerifier(provider).verify(hs256({ sub: 'alice' }), HANDSHAKE, identity);
    expect(identity).toEqual({ subject: 'alice', tokenId: undefined });
    answerKey(SECRET);
    await expect(pending).resolves.toMatchObject({ claims: { sub: 'alice' } });
  });

  it('SecretProvider: is filled in before the payload is verified, even for a token that is then refused', async () => {
    const identity: TokenIdentity = {};
    const verifier = providerVerifier(new FnSecretProvider(() => SECRET));
    const token = hs256({ sub: 'mallory' }, {}, 'another-secret-that-is-also-long-enough');
    expect(await codeOf(verifier.verify(token, HANDSHAKE, identity))).toBe(JwtSocketErrorCode.INVALID_TOKEN);
    expect(identity.subject).toBe('mallory');
  });

  it('stays empty for a token that does not decode', async () => {
    const identity: TokenIdentity = {};
    for (const make of PATHS.map(([, each]) => each)) {
      await codeOf(make().verify('not-a-jwt', HANDSHAKE, identity));
    }
    expect(identity).toEqual({});
  });
});

describe('TokenVerifier: construction and logging', () => {
  it('refuses options.algorithms that do not fit a static key, at bootstrap', () => {
    // Whether the options check or the constructor says so is an implementation detail: one of them must.
    expect(() => {
      const resolved = resolveJwtSocketOptions({ secret: SECRET, algorithms: ['RS256'] });
      return new TokenVerifier(resolved, new OptionsSecretProvider(resolved));
    }).toThrow(/cannot verify RS256/);
  });

  it('an algorithm that does not match the provider key is logged at debug level only (any client can trigger it)', async () => {
    const verifier = providerVerifier(new FnSecretProvider(() => ({ key: SECRET, algorithms: ['HS256'] })));
    await codeOf(verifier.verify(hs256({ sub: 'alice' }, { algorithm: 'HS384' }), HANDSHAKE));
    expect(debug).toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
  });
});
