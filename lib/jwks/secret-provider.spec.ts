import { KeyObject } from 'node:crypto';
import { generateKeyPair } from '../../test/fixtures/core/key-pairs';
import { JwksSecretProvider } from './secret-provider';
import { resolveJwtSocketOptions } from '../options/resolve-options';
import type { JwtSocketHandshake, SecretContext } from '../options/module-options';

const ed = generateKeyPair('EdDSA', 'ed');
const context = (iss: unknown): SecretContext => ({
  header: { alg: 'EdDSA', kid: 'ed' },
  payload: { iss } as SecretContext['payload'],
  handshake: {} as JwtSocketHandshake,
});

describe('JwksSecretProvider with issuers', () => {
  const provider = new JwksSecretProvider(
    resolveJwtSocketOptions({
      issuers: {
        'https://static.example/': { key: ed.publicPem },
        'https://idp.example/': { jwksUri: 'https://idp.example/jwks.json' },
      },
    }),
  );
  afterAll(() => provider.onModuleDestroy());

  it('parses a static PEM once and answers the same pinned key object, synchronously', () => {
    const first = provider.getSecret(context('https://static.example/'));
    const second = provider.getSecret(context('https://static.example/'));
    expect(second).toBe(first);
    expect(first).toMatchObject({ algorithms: ['EdDSA'] });
    expect((first as { key: unknown }).key).toBeInstanceOf(KeyObject);
  });

  it.each([
    ['an unlisted issuer', 'https://evil.example/'],
    ['a listed issuer with another trailing slash', 'https://static.example'],
    ['no issuer', undefined],
    ['a non-string issuer', ['https://static.example/']],
    ['an object issuer that String() cannot print', JSON.parse('{"toString": 1}')],
  ])('refuses %s synchronously with untrusted_issuer', (_name, iss) => {
    expect(() => provider.getSecret(context(iss))).toThrow(
      expect.objectContaining({ data: expect.objectContaining({ code: 'untrusted_issuer' }) }),
    );
  });
});
