import {
  ASYMMETRIC_ALGORITHMS,
  generateKeyPair,
  keyPairsByAlgorithm,
  signHmac,
  signWith,
} from '../../test/fixtures/core/key-pairs';
import { SECRET } from '../../test/support/tokens';
import { TokenVerifier } from './token-verifier';
import { isUnauthorizedError } from '../protocol/unauthorized-error';
import { resolveJwtSocketOptions } from '../options/resolve-options';
import { OptionsSecretProvider } from './options-secret-provider';
import type { JwtSocketHandshake, JwtSocketModuleOptions } from '../options/module-options';

const pairs = keyPairsByAlgorithm();
const ALGORITHMS = ['HS256', ...ASYMMETRIC_ALGORITHMS] as const;
type TestAlgorithm = (typeof ALGORITHMS)[number];
const now = () => Math.floor(Date.now() / 1000);

function tokenFor(alg: TestAlgorithm, claims: Record<string, unknown>): string {
  if (alg === 'HS256') return signHmac(SECRET, claims, { raw: true });
  return signWith(pairs[alg], claims, { raw: true });
}

function authenticatorFor(alg: TestAlgorithm, options: Partial<JwtSocketModuleOptions>): TokenVerifier {
  const resolved = resolveJwtSocketOptions({ secret: alg === 'HS256' ? SECRET : pairs[alg].publicPem, ...options });
  return new TokenVerifier(resolved, new OptionsSecretProvider(resolved));
}

async function outcome(alg: TestAlgorithm, claims: Record<string, unknown>, options: Partial<JwtSocketModuleOptions>) {
  try {
    const verified = await authenticatorFor(alg, options).verify(tokenFor(alg, claims), {} as JwtSocketHandshake);
    return `ok:${String(verified.claims.sub)}`;
  } catch (error) {
    if (isUnauthorizedError(error)) return error.data.code;
    throw error;
  }
}

/** Each case: the claims signed, the options verified with, and what every algorithm must answer. */
const CASES: Array<[string, () => Record<string, unknown>, Partial<JwtSocketModuleOptions>, string]> = [
  ['valid claims', () => ({ sub: 'alice', iat: now(), exp: now() + 60 }), {}, 'ok:alice'],
  ['no exp at all', () => ({ sub: 'alice' }), {}, 'ok:alice'],
  ['exp passed', () => ({ sub: 'alice', exp: now() - 10 }), {}, 'token_expired'],
  ['exp passed within clockTolerance', () => ({ sub: 'alice', exp: now() - 10 }), { clockTolerance: 30 }, 'ok:alice'],
  ['exp not a number', () => ({ sub: 'alice', exp: 'tomorrow' }), {}, 'invalid_claims'],
  ['nbf in the future', () => ({ sub: 'alice', nbf: now() + 60 }), {}, 'invalid_claims'],
  ['nbf within clockTolerance', () => ({ sub: 'alice', nbf: now() + 10 }), { clockTolerance: 30 }, 'ok:alice'],
  ['aud matches one of several', () => ({ sub: 'alice', aud: 'api' }), { audience: ['web', /^ap/] }, 'ok:alice'],
  ['aud mismatch', () => ({ sub: 'alice', aud: 'other' }), { audience: 'api' }, 'invalid_claims'],
  [
    'iss matches',
    () => ({ sub: 'alice', iss: 'https://idp.example/' }),
    { issuer: 'https://idp.example/' },
    'ok:alice',
  ],
  [
    'iss mismatch',
    () => ({ sub: 'alice', iss: 'https://evil.example/' }),
    { issuer: 'https://idp.example/' },
    'invalid_claims',
  ],
  ['sub mismatch', () => ({ sub: 'bob' }), { subject: 'alice' }, 'invalid_claims'],
  ['maxAge respected', () => ({ sub: 'alice', iat: now() - 30 }), { maxAge: 60 }, 'ok:alice'],
  ['maxAge exceeded', () => ({ sub: 'alice', iat: now() - 120 }), { maxAge: '1m' }, 'token_expired'],
  [
    'maxAge exceeded within clockTolerance',
    () => ({ sub: 'alice', iat: now() - 70 }),
    { maxAge: 60, clockTolerance: 30 },
    'ok:alice',
  ],
  ['maxAge without iat', () => ({ sub: 'alice' }), { maxAge: 60 }, 'invalid_claims'],
];

describe('claim checks are identical for every algorithm, EdDSA included', () => {
  it.each(CASES)('%s', async (_name, claims, options, expected) => {
    const payload = claims();
    const outcomes = Object.fromEntries(
      await Promise.all(ALGORITHMS.map(async (alg) => [alg, await outcome(alg, payload, options)] as const)),
    );
    expect(outcomes).toEqual(Object.fromEntries(ALGORITHMS.map((alg) => [alg, expected])));
  });
});

describe('tampered tokens get the same code for every algorithm', () => {
  const TAMPERINGS: Array<[string, (token: string) => string, string]> = [
    ['signature removed', (token) => token.slice(0, token.lastIndexOf('.') + 1), 'invalid_token'],
    ['signature swapped for junk', (token) => `${token.slice(0, token.lastIndexOf('.') + 1)}AAAA`, 'invalid_token'],
    [
      'signature not base64url',
      (token) => `${token.slice(0, token.lastIndexOf('.') + 1)}not*base64`,
      'malformed_token',
    ],
    [
      'payload changed after signing',
      (token) => {
        const [header, , signature] = token.split('.');
        return `${header}.${Buffer.from(JSON.stringify({ sub: 'admin' })).toString('base64url')}.${signature}`;
      },
      'invalid_token',
    ],
  ];

  it.each(TAMPERINGS)('%s', async (_name, tamper, expected) => {
    const outcomes: Record<string, string> = {};
    for (const alg of ALGORITHMS) {
      const authenticator = authenticatorFor(alg, {});
      outcomes[alg] = await authenticator
        .verify(tamper(tokenFor(alg, { sub: 'alice' })), {} as JwtSocketHandshake)
        .then(
          () => 'ok',
          (error: unknown) => (isUnauthorizedError(error) ? error.data.code : `unexpected ${String(error)}`),
        );
    }
    expect(outcomes).toEqual(Object.fromEntries(ALGORITHMS.map((alg) => [alg, expected])));
  });
});

describe('EdDSA signature verification', () => {
  const pair = pairs.EdDSA;
  const authenticator = authenticatorFor('EdDSA', {});
  const codeOf = (token: string) =>
    authenticator.verify(token, {} as JwtSocketHandshake).then(
      () => 'ok',
      (error: unknown) => (isUnauthorizedError(error) ? error.data.code : `unexpected ${String(error)}`),
    );

  it('accepts a genuine Ed25519 token', async () => {
    expect(await codeOf(signWith(pair, { sub: 'alice' }))).toBe('ok');
  });

  it('refuses a token signed by another Ed25519 key', async () => {
    const other = generateKeyPair('EdDSA');
    expect(await codeOf(signWith(other, { sub: 'alice' }))).toBe('invalid_token');
  });

  it('refuses EdDSA tokens when the key is not an Edwards key, whatever the pinned algorithms say', async () => {
    const rsa = resolveJwtSocketOptions({ secret: pairs.RS256.publicPem });
    const rsaAuthenticator = new TokenVerifier(rsa, new OptionsSecretProvider(rsa));
    await expect(rsaAuthenticator.verify(signWith(pair), {} as JwtSocketHandshake)).rejects.toMatchObject({
      data: { code: 'invalid_token' },
    });
  });
});
