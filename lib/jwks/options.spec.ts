import { generateKeyPair } from '../../test/fixtures/core/key-pairs';
import { JwksSecretProvider } from './secret-provider';
import { resolveJwtSocketOptions } from '../options/resolve-options';
import type { JwtSocketModuleOptions } from '../options/module-options';

const URI = 'https://idp.example/.well-known/jwks.json';
const ec = generateKeyPair('ES256');

/** Everything bootstrap runs on the options: the resolver, then the provider's constructor. */
function bootstrap(options: JwtSocketModuleOptions): void {
  new JwksSecretProvider(resolveJwtSocketOptions(options));
}

describe('jwks / issuers configuration fails loudly at bootstrap', () => {
  it.each<[string, JwtSocketModuleOptions]>([
    ['jwks', { jwks: { jwksUri: URI } }],
    [
      'jwks with every tuning option',
      { jwks: { jwksUri: 'http://127.0.0.1:9/jwks', cooldown: 0, cacheMaxAge: 1, timeout: 100 } },
    ],
    [
      'issuers with a JWKS and a static key',
      { issuers: { 'https://a/': { jwksUri: URI }, 'https://b/': { key: ec.publicPem } } },
    ],
    [
      'a static key narrowed by algorithms',
      { issuers: { 'https://b/': { key: ec.publicKey, algorithms: ['ES256'] } } },
    ],
  ])('accepts %s (control)', (_name, options) => {
    expect(() => bootstrap(options)).not.toThrow();
  });

  it.each<[string, JwtSocketModuleOptions, RegExp]>([
    [
      'jwks and issuers together',
      { jwks: { jwksUri: URI }, issuers: { a: { jwksUri: URI } } },
      /either `jwks`.*or `issuers`/,
    ],
    ['secret with jwks', { secret: 'x', jwks: { jwksUri: URI } }, /`secret` cannot be combined/],
    ['secret with issuers', { secret: 'x', issuers: { a: { jwksUri: URI } } }, /`secret` cannot be combined/],
    [
      'a jwksUri that is not a URL',
      { jwks: { jwksUri: 'idp.example/jwks' } },
      /`jwks.jwksUri` must be an absolute http\(s\) URL/,
    ],
    [
      'a non-http jwksUri',
      { jwks: { jwksUri: 'file:///etc/jwks.json' } },
      /`jwks.jwksUri` must be an absolute http\(s\) URL/,
    ],
    ['a missing jwksUri', { jwks: {} as never }, /`jwks.jwksUri` must be an absolute/],
    ['a negative cooldown', { jwks: { jwksUri: URI, cooldown: -1 } }, /`jwks.cooldown` must be a non-negative/],
    ['a non-numeric cacheMaxAge', { jwks: { jwksUri: URI, cacheMaxAge: '10m' as never } }, /`jwks.cacheMaxAge`/],
    ['a timeout of 0', { jwks: { jwksUri: URI, timeout: 0 } }, /`jwks.timeout` \(0 ms\) must be positive/],
    [
      'a timeout not below secretTimeout',
      { jwks: { jwksUri: URI, timeout: 5000 } },
      /below `secretTimeout` \(5000 ms\)/,
    ],
    [
      'the default timeout above a short secretTimeout',
      { jwks: { jwksUri: URI }, secretTimeout: 1000 },
      /\(3000 ms\) must be positive and below/,
    ],
    ['an empty issuers map', { issuers: {} }, /`issuers` must list at least one issuer/],
    ['issuers as an array', { issuers: [] as never }, /`issuers` must be an object/],
    ['an empty issuer name', { issuers: { '': { jwksUri: URI } } }, /issuer name in `issuers` is empty/],
    [
      'an issuer with neither jwksUri nor key',
      { issuers: { a: {} as never } },
      /`issuers\["a"\]` needs exactly one of/,
    ],
    [
      'an issuer with both',
      { issuers: { a: { jwksUri: URI, key: 'k' } as never } },
      /`issuers\["a"\]` needs exactly one of/,
    ],
    [
      'an issuer with a bad URL',
      { issuers: { a: { jwksUri: 'nope' } } },
      /`issuers\["a"\].jwksUri` must be an absolute/,
    ],
    [
      'an issuer with an empty key',
      { issuers: { a: { key: '' } } },
      /`issuers\["a"\].key` is missing or empty: received an empty string/,
    ],
    [
      'an issuer whose key fits none of its algorithms',
      { issuers: { a: { key: ec.publicPem, algorithms: ['RS256'] } } },
      /cannot verify any allowed algorithm/,
    ],
    [
      'an issuer whose key fits none of options.algorithms',
      { issuers: { a: { key: ec.publicPem } }, algorithms: ['RS256'] },
      /cannot verify any allowed algorithm/,
    ],
    [
      'an issuer with an unknown algorithm',
      { issuers: { a: { key: ec.publicPem, algorithms: ['ES999' as never] } } },
      /"ES999" is not supported/,
    ],
  ])('refuses %s', (_name, options, message) => {
    expect(() => bootstrap(options)).toThrow(message);
  });

  it('does not echo a malformed URL, which may hold credentials', () => {
    expect(() => bootstrap({ jwks: { jwksUri: 'https://user:s3cret@' } })).toThrow(/^((?!s3cret).)*$/);
  });
});
