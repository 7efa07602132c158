import { generateKeyPairSync, KeyObject } from 'node:crypto';
import type { JwtSocketModuleOptions } from './module-options';
import { resolveJwtSocketOptions } from './resolve-options';
import { JwtSocketConfigError } from './config-error';

describe('resolveJwtSocketOptions', () => {
  it('applies every default', () => {
    expect(resolveJwtSocketOptions({ secret: 's' })).toEqual({
      secret: 's',
      handshake: true,
      tokenFromQuery: false,
      timeout: 5000,
      callback: false,
      secretTimeout: 5000,
      maxTokenLength: 16384,
      clockTolerance: 0,
      decodedPropertyName: 'decoded_token',
      userPropertyName: 'user',
      expiredTokenAction: 'disconnect',
      disconnectOnRefreshFailure: false,
      allowSubjectChange: false,
      stripHandshakeToken: true,
      identityRooms: ['sub', 'jti'],
      secretKey: expect.any(KeyObject),
    });
  });

  it('keeps what was given, including falsy values', () => {
    const options: JwtSocketModuleOptions = {
      secret: 's',
      handshake: false,
      tokenFromQuery: true,
      timeout: 0,
      callback: 0,
      secretTimeout: 1,
      maxTokenLength: 100,
      clockTolerance: 0,
      decodedPropertyName: 'claims',
      encodedPropertyName: 'encoded_token',
      userPropertyName: 'account',
      expiredTokenAction: 'reject-events',
      disconnectOnRefreshFailure: true,
      allowSubjectChange: true,
      stripHandshakeToken: false,
      identityRooms: [],
      audience: 'chat',
      issuer: ['a', 'b'],
      maxAge: '1h',
    };
    expect(resolveJwtSocketOptions(options)).toEqual({
      ...options,
      maxAgeSeconds: 3600,
      secretKey: expect.any(KeyObject),
    });
  });

  it('does not modify the options it was given', () => {
    const options: JwtSocketModuleOptions = { secret: 's' };
    resolveJwtSocketOptions(options);
    expect(options).toEqual({ secret: 's' });
  });

  it.each([undefined, null, 'secret'])('refuses %p as options', (options) => {
    expect(() => resolveJwtSocketOptions(options as unknown as JwtSocketModuleOptions)).toThrow(
      'JwtSocketModule: options are required',
    );
  });

  it.each<[string, Partial<JwtSocketModuleOptions>, string]>([
    ['algorithms: ["none"]', { algorithms: ['none' as 'HS256'] }, 'algorithm "none" is not supported'],
    ['an unknown algorithm', { algorithms: ['HS256', 'XX512' as 'HS256'] }, 'algorithm "XX512" is not supported'],
    ['an empty algorithms list', { algorithms: [] }, '`algorithms` must not be empty'],
    ['a negative timeout', { timeout: -1 }, '`timeout` must be a non-negative number'],
    ['a NaN timeout', { timeout: Number.NaN }, '`timeout` must be a non-negative number'],
    ['an infinite timeout', { timeout: Number.POSITIVE_INFINITY }, '`timeout` must be a non-negative number'],
    ['a string timeout', { timeout: '5000' as unknown as number }, '`timeout` must be a non-negative number'],
    ['a zero secretTimeout', { secretTimeout: 0 }, '`secretTimeout` must be a positive number'],
    ['a negative secretTimeout', { secretTimeout: -10 }, '`secretTimeout` must be a positive number'],
    ['a zero maxTokenLength', { maxTokenLength: 0 }, '`maxTokenLength` must be a positive number'],
    ['a negative clockTolerance', { clockTolerance: -1 }, '`clockTolerance` must be a non-negative number'],
    ['a negative callback', { callback: -1 }, '`callback` must be a non-negative number'],
    ['callback: true', { callback: true as unknown as number }, '`callback` must be a non-negative number'],
    [
      'an unknown expiredTokenAction',
      { expiredTokenAction: 'explode' as 'ignore' },
      '`expiredTokenAction` must be one of disconnect, reject-events, ignore',
    ],
    ['an empty decodedPropertyName', { decodedPropertyName: '' }, '`decodedPropertyName` must be a non-empty string'],
    ['an empty userPropertyName', { userPropertyName: '' }, '`userPropertyName` must be a non-empty string'],
    [
      'an onAuthenticated that is not a function',
      { onAuthenticated: 'yes' as unknown as () => true },
      '`onAuthenticated` must be a function',
    ],
  ])('refuses %s', (_label, options, message) => {
    expect(() => resolveJwtSocketOptions({ secret: 's', ...options })).toThrow(message);
  });
});

/** Issue 9, hole 8: an empty requirement reaches jsonwebtoken as "no requirement" and would accept any claim. */
describe('resolveJwtSocketOptions: claim requirements and maxAge that would check nothing', () => {
  it.each<[string, Partial<JwtSocketModuleOptions>, string]>([
    ["audience: ''", { audience: '' }, '`audience`'],
    ['audience: []', { audience: [] }, '`audience`'],
    ["audience: ['']", { audience: [''] }, '`audience`'],
    ["audience: ['chat', '']", { audience: ['chat', ''] }, '`audience`'],
    ["audience: new RegExp('')", { audience: new RegExp('') }, '`audience`'],
    ["issuer: ''", { issuer: '' }, '`issuer`'],
    ['issuer: []', { issuer: [] }, '`issuer`'],
    ["issuer: ['']", { issuer: [''] }, '`issuer`'],
    ["subject: ''", { subject: '' }, '`subject`'],
    ['maxAge: 0', { maxAge: 0 }, '`maxAge`'],
    ['maxAge: -1', { maxAge: -1 }, '`maxAge`'],
    ['maxAge: NaN', { maxAge: Number.NaN }, '`maxAge`'],
    ["maxAge: 'soon'", { maxAge: 'soon' }, '`maxAge`'],
    ["maxAge: ''", { maxAge: '' }, '`maxAge`'],
  ])('refuses %s, naming the option', (_label, options, name) => {
    expect(() => resolveJwtSocketOptions({ secret: 's', ...options })).toThrow(name);
  });

  it.each<[string | number, number]>([
    ['2h', 7200],
    [60, 60],
  ])('accepts maxAge %p (%p seconds)', (maxAge, seconds) => {
    const resolved = resolveJwtSocketOptions({ secret: 's', maxAge });
    expect(resolved.maxAge).toBe(maxAge);
    expect(resolved.maxAgeSeconds).toBe(seconds);
  });

  it('accepts non-empty audiences (strings and RegExps), issuers and subject', () => {
    const options: JwtSocketModuleOptions = {
      secret: 's',
      audience: ['chat', /^api:/],
      issuer: ['a'],
      subject: 'alice',
    };
    expect(resolveJwtSocketOptions(options)).toMatchObject(options);
  });
});

describe('resolveJwtSocketOptions: key material, named and typed, never shown', () => {
  it.each<[string, unknown, RegExp]>([
    ['a number', 12345, /`secret` is not a usable public key or secret: received number\./],
    ['an object', { key: 'x' }, /`secret` is not a usable public key or secret: received an object \(Object\)\./],
    ['an empty string', '', /`secret` is missing or empty: received an empty string\./],
  ])('refuses a secret that is %s, saying what it received', (_label, secret, message) => {
    expect(() => resolveJwtSocketOptions({ secret: secret as string })).toThrow(message);
  });

  it('refuses a private key, as PEM and as a KeyObject, without showing it', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    for (const secret of [pem, privateKey]) {
      let failure: Error | undefined;
      try {
        resolveJwtSocketOptions({ secret });
      } catch (error) {
        failure = error as Error;
      }
      expect(failure).toBeInstanceOf(JwtSocketConfigError);
      expect(failure?.message).toContain('`secret` is a private key. Give the public key');
      expect(failure?.message).not.toContain('PRIVATE KEY');
    }
  });

  it('lists the supported algorithms for an unknown one', () => {
    expect(() => resolveJwtSocketOptions({ secret: 's', algorithms: ['HS999' as 'HS256'] })).toThrow(
      /algorithm "HS999" is not supported\. Supported: HS256, HS384, HS512, RS256/,
    );
  });

  it('throws JwtSocketConfigError, with its code, for every misconfiguration', () => {
    expect(() => resolveJwtSocketOptions({ secret: 's', timeout: -1 })).toThrow(JwtSocketConfigError);
    expect(() => resolveJwtSocketOptions({ secret: 's', timeout: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_JWT_SOCKET_CONFIG' }),
    );
  });
});

describe('resolveJwtSocketOptions: names that would break the socket, timers Node cannot hold', () => {
  it.each<[string, Partial<JwtSocketModuleOptions>, RegExp]>([
    [
      'encodedPropertyName: data',
      { encodedPropertyName: 'data' },
      /`encodedPropertyName` "data" is a socket.io Socket property/,
    ],
    [
      'encodedPropertyName: handshake',
      { encodedPropertyName: 'handshake' },
      /"handshake" is a socket.io Socket property/,
    ],
    [
      'decodedPropertyName equal to userPropertyName',
      { decodedPropertyName: 'me', userPropertyName: 'me' },
      /must differ/,
    ],
    [
      'decodedPropertyName: __proto__',
      { decodedPropertyName: '__proto__' },
      /`decodedPropertyName` must be a non-empty string that is not an Object.prototype member/,
    ],
    ['timeout above 2^31 - 1 ms', { timeout: 3_000_000_000 }, /`timeout` must be at most 2147483647 ms/],
    ['secretTimeout above 2^31 - 1 ms', { secretTimeout: 3_000_000_000 }, /`secretTimeout` must be at most/],
    ['callback above 2^31 - 1 ms', { callback: 3_000_000_000 }, /`callback` must be at most/],
  ])('refuses %s', (_label, options, message) => {
    expect(() => resolveJwtSocketOptions({ secret: 's', ...options })).toThrow(message);
  });

  it('accepts a name of its own for the raw token', () => {
    expect(resolveJwtSocketOptions({ secret: 's', encodedPropertyName: 'encoded_token' }).encodedPropertyName).toBe(
      'encoded_token',
    );
  });
});
