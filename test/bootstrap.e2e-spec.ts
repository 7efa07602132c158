import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { generateKeyPairSync } from 'node:crypto';
import { JwtSocketIoAdapter, JwtSocketModule, type JwtSocketModuleOptions } from '../lib';
import { BareGateway } from './fixtures/secrets/gateways';
import { CapturingLogger } from './support/app';
import { SECRET } from './support/tokens';

const RSA_PUBLIC_PEM = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
}).publicKey;

let app: INestApplication | undefined;
let logger: CapturingLogger;

beforeEach(() => {
  logger = new CapturingLogger();
});

afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Creates and starts an app the way main.ts does; rejects where a real bootstrap would fail. */
async function bootstrap(jwtModule?: DynamicModule): Promise<void> {
  @Module({ imports: jwtModule ? [jwtModule] : [], providers: [BareGateway] })
  class BootstrapModule {}

  // abortOnError: false makes Nest reject instead of exiting the process.
  app = await NestFactory.create(BootstrapModule, { logger, abortOnError: false });
  app.useWebSocketAdapter(new JwtSocketIoAdapter(app));
  await app.listen(0, '127.0.0.1');
}

function bootstrapWith(options: JwtSocketModuleOptions): Promise<void> {
  return bootstrap(JwtSocketModule.forRoot(options));
}

describe('bootstrap validation', () => {
  it('starts with a valid configuration (control)', async () => {
    await expect(bootstrapWith({ secret: SECRET })).resolves.toBeUndefined();
  });

  it('starts with an RSA public key PEM and RS256 (control)', async () => {
    await expect(bootstrapWith({ secret: RSA_PUBLIC_PEM, algorithms: ['RS256'] })).resolves.toBeUndefined();
  });

  it.each<[string, JwtSocketModuleOptions, RegExp]>([
    ['no secret and no secretProvider', {}, /`secret` is missing or empty.*secretProvider/],
    ["secret: ''", { secret: '' }, /`secret` is missing or empty/],
    ['an empty Buffer secret', { secret: Buffer.alloc(0) }, /`secret` is missing or empty/],
    ["algorithms: ['none']", { secret: SECRET, algorithms: ['none' as 'HS256'] }, /algorithm "none" is not supported/],
    [
      'an unknown algorithm',
      { secret: SECRET, algorithms: ['HS999' as 'HS256'] },
      /algorithm "HS999" is not supported/,
    ],
    ['an empty algorithms list', { secret: SECRET, algorithms: [] }, /`algorithms` must not be empty/],
    [
      "an RSA public key PEM with algorithms ['HS256']",
      { secret: RSA_PUBLIC_PEM, algorithms: ['HS256'] },
      /key \(rsa\) cannot verify HS256/,
    ],
    [
      "an HMAC secret with algorithms ['RS256']",
      { secret: SECRET, algorithms: ['RS256'] },
      /key \(secret\) cannot verify RS256/,
    ],
    ['a negative timeout', { secret: SECRET, timeout: -1 }, /`timeout` must be a non-negative number/],
    ['a zero secretTimeout', { secret: SECRET, secretTimeout: 0 }, /`secretTimeout` must be a positive number/],
    [
      'a negative clockTolerance',
      { secret: SECRET, clockTolerance: -5 },
      /`clockTolerance` must be a non-negative number/,
    ],
    [
      'a bad expiredTokenAction',
      { secret: SECRET, expiredTokenAction: 'explode' as 'ignore' },
      /`expiredTokenAction` must be one of disconnect, reject-events, ignore/,
    ],
  ])('fails with a clear message for %s', async (_label, options, message) => {
    await expect(bootstrapWith(options)).rejects.toThrow(message);
  });

  it('does not print the secret when the configuration is rejected', async () => {
    await expect(bootstrapWith({ secret: SECRET, algorithms: ['RS256'] })).rejects.toThrow();
    expect(logger.lines.join('\n')).not.toContain(SECRET);
  });

  it('says JwtSocketModule is not imported when JwtSocketIoAdapter is used without it', async () => {
    await expect(bootstrap()).rejects.toThrow(/JwtSocketModule is not imported/);
  });
});
