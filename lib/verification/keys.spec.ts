import { createSecretKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { assertAlgorithmsAllowed, assertAlgorithmsFitKey } from '../options/check-keys';
import { algorithmsForKey, isUsableSecret, toKeyObject } from './keys';

const rsa = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

describe('toKeyObject', () => {
  it('turns a string into a secret KeyObject with the same bytes', () => {
    const key = toKeyObject('my-hmac-secret');
    expect(key.type).toBe('secret');
    expect(key.export().toString('utf8')).toBe('my-hmac-secret');
  });

  it('caches string secrets: the same string gives the same KeyObject', () => {
    const secret = `cached-secret-${Math.random()}`;
    expect(toKeyObject(secret)).toBe(toKeyObject(secret));
    expect(toKeyObject(secret)).not.toBe(toKeyObject(`${secret}-other`));
  });

  it('turns a Buffer into a secret KeyObject', () => {
    const key = toKeyObject(Buffer.from([1, 2, 3, 4]));
    expect(key.type).toBe('secret');
    expect([...key.export()]).toEqual([1, 2, 3, 4]);
  });

  it('turns a PEM public key (string or Buffer, leading blanks allowed) into a public KeyObject', () => {
    for (const pem of [rsa.publicKey, `\n  ${rsa.publicKey}`, Buffer.from(rsa.publicKey)]) {
      const key = toKeyObject(pem);
      expect(key.type).toBe('public');
      expect(key.asymmetricKeyType).toBe('rsa');
    }
  });

  it('never keeps a private key: a private PEM becomes its public key', () => {
    expect(toKeyObject(rsa.privateKey).type).toBe('public');
  });

  it('returns a KeyObject unchanged', () => {
    const key = createSecretKey(Buffer.from('x'));
    expect(toKeyObject(key)).toBe(key);
  });

  it('throws on a PEM it cannot parse', () => {
    expect(() => toKeyObject('-----BEGIN PUBLIC KEY-----\nnot-a-key\n-----END PUBLIC KEY-----')).toThrow();
  });
});

describe('isUsableSecret', () => {
  it.each<[string, unknown, boolean]>([
    ['a non-empty string', 's', true],
    ['an empty string', '', false],
    ['a non-empty Buffer', Buffer.from('s'), true],
    ['an empty Buffer', Buffer.alloc(0), false],
    ['a secret KeyObject', createSecretKey(Buffer.from('s')), true],
    ['a public KeyObject', ec.publicKey, true],
    ['a private KeyObject', ec.privateKey, false],
    ['undefined', undefined, false],
    ['null', null, false],
    ['a number', 42, false],
    ['an object', { key: 's' }, false],
  ])('%s -> %s', (_label, value, usable) => {
    expect(isUsableSecret(value)).toBe(usable);
  });
});

describe('algorithmsForKey', () => {
  it('gives HMAC algorithms for a secret key', () => {
    expect(algorithmsForKey(toKeyObject('s'))).toEqual(['HS256', 'HS384', 'HS512']);
  });

  it('gives RSA and RSA-PSS algorithms for an RSA key', () => {
    expect(algorithmsForKey(toKeyObject(rsa.publicKey))).toEqual([
      'RS256',
      'RS384',
      'RS512',
      'PS256',
      'PS384',
      'PS512',
    ]);
  });

  it('gives only RSA-PSS algorithms for an RSA-PSS key', () => {
    const { publicKey } = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
    expect(algorithmsForKey(publicKey)).toEqual(['PS256', 'PS384', 'PS512']);
  });

  it.each([
    ['P-256', 'ES256'],
    ['P-384', 'ES384'],
    ['P-521', 'ES512'],
  ])('gives the one ECDSA algorithm of curve %s', (namedCurve, algorithm) => {
    expect(algorithmsForKey(generateKeyPairSync('ec', { namedCurve }).publicKey)).toEqual([algorithm]);
  });

  it('gives nothing for an EC curve no JWT algorithm uses', () => {
    expect(algorithmsForKey(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey)).toEqual([]);
  });

  it('gives EdDSA for an Ed25519 key', () => {
    expect(algorithmsForKey(generateKeyPairSync('ed25519').publicKey)).toEqual(['EdDSA']);
  });

  it('gives nothing for a key type that cannot sign', () => {
    expect(algorithmsForKey(generateKeyPairSync('x25519').publicKey as KeyObject)).toEqual([]);
  });
});

describe('assertAlgorithmsAllowed', () => {
  it('accepts known algorithms', () => {
    expect(() => assertAlgorithmsAllowed(['HS256', 'RS512', 'PS256', 'ES384', 'EdDSA'])).not.toThrow();
  });

  it.each([['none'], ['None'], ['HS999'], ['hs256']])('refuses %s', (algorithm) => {
    expect(() => assertAlgorithmsAllowed(['HS256', algorithm])).toThrow(`algorithm "${algorithm}" is not supported`);
  });

  it('refuses an empty list', () => {
    expect(() => assertAlgorithmsAllowed([])).toThrow('`algorithms` must not be empty');
  });
});

describe('assertAlgorithmsFitKey', () => {
  it('accepts a list with at least one algorithm the key can verify', () => {
    expect(() => assertAlgorithmsFitKey(['HS256', 'RS256'], toKeyObject(rsa.publicKey))).not.toThrow();
  });

  it('refuses HS256 for an RSA key and RS256 for a secret', () => {
    expect(() => assertAlgorithmsFitKey(['HS256'], toKeyObject(rsa.publicKey))).toThrow(
      'key (rsa) cannot verify HS256',
    );
    expect(() => assertAlgorithmsFitKey(['RS256'], toKeyObject('s'))).toThrow('key (secret) cannot verify RS256');
  });
});
