import { generateKeyPairSync } from 'node:crypto';
import { generateKeyPair } from '../../test/fixtures/core/key-pairs';
import { jwkToEntry, parseJwks } from './jwk';

const rsa = generateKeyPair('RS256', 'rsa-1');
const p256 = generateKeyPair('ES256', 'ec-1');
const p384 = generateKeyPair('ES384', 'ec-2');
const ed25519 = generateKeyPair('EdDSA', 'ed-1');
const withoutAlg = ({ alg: _alg, ...jwk }: Record<string, unknown>) => jwk;

describe('jwkToEntry pins the algorithms from the JWK, never from a token', () => {
  it('pins the JWK `alg` alone when present', () => {
    expect(jwkToEntry(rsa.jwk)).toMatchObject({ kid: 'rsa-1', verificationKey: { algorithms: ['RS256'] } });
    expect(jwkToEntry({ ...rsa.jwk, alg: 'PS256' }).verificationKey.algorithms).toEqual(['PS256']);
    expect(jwkToEntry(ed25519.jwk).verificationKey.algorithms).toEqual(['EdDSA']);
  });

  it('derives the algorithms from kty/crv when `alg` is absent', () => {
    expect(jwkToEntry(withoutAlg(rsa.jwk)).verificationKey.algorithms).toEqual([
      'RS256',
      'RS384',
      'RS512',
      'PS256',
      'PS384',
      'PS512',
    ]);
    expect(jwkToEntry(withoutAlg(p256.jwk)).verificationKey.algorithms).toEqual(['ES256']);
    expect(jwkToEntry(withoutAlg(p384.jwk)).verificationKey.algorithms).toEqual(['ES384']);
    expect(jwkToEntry(withoutAlg(ed25519.jwk)).verificationKey.algorithms).toEqual(['EdDSA']);
  });

  it('builds a public KeyObject of the right type', () => {
    const { key } = jwkToEntry(p256.jwk).verificationKey;
    expect(key).toMatchObject({ type: 'public', asymmetricKeyType: 'ec' });
  });

  it.each([
    ['a symmetric key', { kty: 'oct', k: 'c2VjcmV0', kid: 'x', alg: 'HS256' }, /symmetric/],
    ['an encryption key', { ...rsa.jwk, use: 'enc' }, /"use" is "enc"/],
    ['key_ops without verify', { ...rsa.jwk, key_ops: ['encrypt'] }, /key_ops/],
    ['an HMAC alg on an RSA key', { ...rsa.jwk, alg: 'HS256' }, /"alg" "HS256" is not supported/],
    ['an ES384 alg on a P-256 key', { ...p256.jwk, alg: 'ES384' }, /"alg" "ES384" is not supported/],
    ['an Edwards curve declared as EC', { ...ed25519.jwk, kty: 'EC' }, /curve "Ed25519" is not supported for kty "EC"/],
    ['an ECDH curve', { kty: 'OKP', crv: 'X25519', x: 'AAAA' }, /curve "X25519"/],
    ['an unknown kty', { kty: 'XYZ' }, /kty "XYZ" is not supported/],
    ['a broken RSA modulus', { ...rsa.jwk, n: 42 }, /not a valid RSA key/],
    ['a non-string kid', { ...rsa.jwk, kid: 7 }, /"kid" is not a string/],
    ['not an object', 'a string', /not a JSON object/],
  ])('refuses %s', (_name, jwk, reason) => {
    expect(() => jwkToEntry(jwk)).toThrow(reason);
  });

  it('refuses a JWK carrying private key material, and says so without echoing it', () => {
    const privateJwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    let message = '';
    try {
      jwkToEntry({ ...privateJwk, kid: 'leaked' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('it holds private key material');
    expect(message).not.toContain(String(privateJwk.d));
  });
});

describe('parseJwks', () => {
  it('keeps the usable keys and reports each skipped one by kid', () => {
    const skipped: string[] = [];
    const entries = parseJwks({ keys: [rsa.jwk, { kty: 'oct', kid: 'shared', k: 'AA' }, p256.jwk] }, (kid, reason) =>
      skipped.push(`${String(kid)}: ${reason}`),
    );
    expect(entries.map((entry) => entry.kid)).toEqual(['rsa-1', 'ec-1']);
    expect(skipped).toEqual(['shared: symmetric keys (kty "oct") are never accepted from a key set']);
  });

  it.each([
    ['null', null],
    ['an object without keys', {}],
    ['keys not an array', { keys: 'none' }],
    ['a bare array of JWKs', [rsa.jwk]],
  ])('throws on a document that is not a key set: %s', (_name, document) => {
    expect(() => parseJwks(document, () => undefined)).toThrow(/not a JSON Web Key Set/);
  });
});
