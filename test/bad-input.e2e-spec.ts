import { generateKeyPairSync } from 'node:crypto';
import { JwtSocketModule, type JwtSocketModuleOptions } from '../lib';
import { guardedGateway } from './fixtures/core/gateways';
import { watchProcessErrors, type ProcessErrorWatch } from './fixtures/secrets/process-errors';
import { forgeHs256, nowSeconds, rawToken, signWith } from './fixtures/secrets/tokens';
import { startApp, type TestApp } from './support/app';
import { connectClient, connected, connectOutcome, emitWithAck, type ConnectErrorLike } from './support/client';
import { SECRET, signToken, unsignedToken } from './support/tokens';

const { publicKey: RSA_PUBLIC_PEM, privateKey: RSA_PRIVATE_PEM } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
/** A line of the PEM body: enough to recognise key material in a message or a log line. */
const RSA_PUBLIC_PEM_LINE = RSA_PUBLIC_PEM.split('\n')[1];
const KEY_MATERIAL = [SECRET, RSA_PUBLIC_PEM_LINE];

let server: TestApp;
let processErrors: ProcessErrorWatch;

beforeAll(() => {
  processErrors = watchProcessErrors();
});
afterAll(() => processErrors.stop());

afterEach(async () => {
  await server.close();
  expect(processErrors.errors).toEqual([]);
  for (const secret of KEY_MATERIAL) expect(server.logger.lines.join('\n')).not.toContain(secret);
});

async function startWith(options: JwtSocketModuleOptions, gatewayOptions = {}): Promise<TestApp> {
  return startApp({
    jwtModule: JwtSocketModule.forRoot({ secret: SECRET, ...options }),
    gateways: [guardedGateway(gatewayOptions)],
  });
}

/** Connects with `auth.token = token`; expects a refusal with `code` and a message free of key material. */
async function expectRefused(token: unknown, code: string): Promise<void> {
  const outcome = await connectOutcome(connectClient(server.url, { auth: { token } }));
  expect(outcome).not.toBe('connected');
  const error = outcome as ConnectErrorLike;
  expect(error.data).toEqual({ type: 'UnauthorizedError', code, message: error.message });
  for (const secret of KEY_MATERIAL) expect(JSON.stringify(error)).not.toContain(secret);
  expect(server.log.connected).toHaveLength(0);
}

/** A valid client still connects and is served after the bad one. */
async function expectStillServing(validToken: string = signToken({ sub: 'alice' })): Promise<void> {
  const socket = await connected(connectClient(server.url, { auth: { token: validToken } }));
  expect(await emitWithAck(socket, 'ping')).toBe('pong');
  expect(server.log.connected).toEqual([{ namespace: '/', sub: 'alice' }]);
}

async function expectAccepted(token: string): Promise<void> {
  const socket = await connected(connectClient(server.url, { auth: { token } }));
  expect(await emitWithAck<{ sub: string }>(socket, 'whoami')).toMatchObject({ sub: 'alice' });
}

const validHeader = { alg: 'HS256', typ: 'JWT' };
const alicePayload = () => ({ sub: 'alice', iat: nowSeconds(), exp: nowSeconds() + 3600 });

describe('bad input in the handshake (HS256 secret)', () => {
  beforeEach(async () => {
    server = await startWith({});
  });

  it.each<[string, unknown, string]>([
    ['a number', 123, 'credentials_bad_format'],
    ['an object', { jwt: 'x' }, 'credentials_bad_format'],
    ['an array', ['a.b.c'], 'credentials_bad_format'],
    ['a boolean', true, 'credentials_bad_format'],
    ['null', null, 'credentials_required'],
    ['an empty string', '', 'credentials_required'],
    ['"Bearer " alone', 'Bearer ', 'credentials_required'],
    ['one character longer than maxTokenLength', 'a'.repeat(16385), 'credentials_bad_format'],
    ['two segments', 'abc.def', 'malformed_token'],
    ['four segments', 'abc.def.ghi.jkl', 'malformed_token'],
    ['characters outside base64url', '%%%.***.###', 'malformed_token'],
    ['a header that is not JSON', rawToken('{"alg":"HS256"', '{"sub":"alice"}', 'c2ln'), 'malformed_token'],
    ['a header that is a JSON string', rawToken('"HS256"', '{"sub":"alice"}', 'c2ln'), 'malformed_token'],
    ['a payload that is not JSON', rawToken('{"alg":"HS256"}', 'sub=alice', 'c2ln'), 'malformed_token'],
  ])('refuses %s and keeps serving', async (_label, token, code) => {
    await expectRefused(token, code);
    await expectStillServing();
  });

  describe.each(['none', 'None', 'NONE', 'nOnE'])('alg "%s"', (alg) => {
    it('is refused without a signature', async () => {
      await expectRefused(unsignedToken({ alg, typ: 'JWT' }, alicePayload()), 'invalid_token');
      await expectStillServing();
    });

    it('is refused with an HMAC signature made with the real secret', async () => {
      await expectRefused(forgeHs256({ alg, typ: 'JWT' }, alicePayload(), SECRET), 'invalid_token');
      await expectStillServing();
    });
  });

  it('refuses a token signed with another secret (invalid_token)', async () => {
    await expectRefused(signToken({ sub: 'alice' }, {}, 'not-the-server-secret'), 'invalid_token');
    await expectStillServing();
  });

  it('refuses a token whose signature was tampered with (invalid_token)', async () => {
    const [header, , signature] = signToken({ sub: 'alice' }).split('.');
    const payload = Buffer.from(JSON.stringify({ sub: 'admin', exp: nowSeconds() + 60 })).toString('base64url');
    await expectRefused(`${header}.${payload}.${signature}`, 'invalid_token');
    await expectStillServing();
  });

  it('refuses an expired token (token_expired)', async () => {
    await expectRefused(signWith({ sub: 'alice', exp: nowSeconds() - 60 }, SECRET), 'token_expired');
    await expectStillServing();
  });

  it('refuses a token whose nbf is in the future (invalid_claims)', async () => {
    await expectRefused(signWith({ sub: 'alice', nbf: nowSeconds() + 3600 }, SECRET), 'invalid_claims');
    await expectStillServing();
  });

  it('accepts HS384 with the secret: an HMAC key pins the HMAC algorithms', async () => {
    await expectAccepted(signWith(alicePayload(), SECRET, { algorithm: 'HS384' }));
  });
});

describe('a 1 MB token with maxHttpBufferSize raised', () => {
  beforeEach(async () => {
    server = await startWith({}, { maxHttpBufferSize: 4e6 });
  });

  it('is refused with credentials_bad_format and the server keeps serving', async () => {
    await expectRefused('a'.repeat(1024 * 1024), 'credentials_bad_format');
    await expectStillServing();
  });
});

describe('an RS256 public key (algorithm confusion)', () => {
  const rs256Token = () => signWith(alicePayload(), RSA_PRIVATE_PEM, { algorithm: 'RS256' });
  const hs256WithPublicPem = () => forgeHs256(validHeader, alicePayload(), RSA_PUBLIC_PEM);

  it('with algorithms: ["RS256"] refuses HS256 signed with the public key PEM', async () => {
    server = await startWith({ secret: RSA_PUBLIC_PEM, algorithms: ['RS256'] });
    await expectRefused(hs256WithPublicPem(), 'invalid_token');
    await expectStillServing(rs256Token());
  });

  it('with algorithms derived from the key refuses HS256 signed with the public key PEM', async () => {
    server = await startWith({ secret: RSA_PUBLIC_PEM });
    await expectRefused(hs256WithPublicPem(), 'invalid_token');
    await expectStillServing(rs256Token());
  });

  it('refuses an RS256 token signed by another key pair', async () => {
    server = await startWith({ secret: RSA_PUBLIC_PEM, algorithms: ['RS256'] });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expectRefused(signWith(alicePayload(), privateKey, { algorithm: 'RS256' }), 'invalid_token');
    await expectStillServing(rs256Token());
  });
});

describe('audience and issuer', () => {
  beforeEach(async () => {
    server = await startWith({ audience: 'chat-api', issuer: 'auth.example' });
  });
  const claims = (extra: object) => ({ sub: 'alice', exp: nowSeconds() + 3600, ...extra });

  it.each<[string, object]>([
    ['a wrong audience', { aud: 'billing-api', iss: 'auth.example' }],
    ['a wrong issuer', { aud: 'chat-api', iss: 'evil.example' }],
    ['no audience', { iss: 'auth.example' }],
    ['no issuer', { aud: 'chat-api' }],
  ])('refuses %s with invalid_claims', async (_label, extra) => {
    await expectRefused(signWith(claims(extra), SECRET), 'invalid_claims');
    await expectStillServing(signWith(claims({ aud: 'chat-api', iss: 'auth.example' }), SECRET));
  });
});

describe('clockTolerance', () => {
  beforeEach(async () => {
    server = await startWith({ clockTolerance: 30 });
  });

  it('accepts a token that expired within the tolerance', async () => {
    await expectAccepted(signWith({ sub: 'alice', exp: nowSeconds() - 5 }, SECRET));
  });

  it('accepts a token whose nbf is within the tolerance', async () => {
    await expectAccepted(signWith({ sub: 'alice', nbf: nowSeconds() + 5 }, SECRET));
  });

  it('refuses a token that expired beyond the tolerance', async () => {
    await expectRefused(signWith({ sub: 'alice', exp: nowSeconds() - 120 }, SECRET), 'token_expired');
    await expectStillServing();
  });
});

describe('maxAge', () => {
  beforeEach(async () => {
    server = await startWith({ maxAge: '10m' });
  });

  it('refuses a token issued longer ago than maxAge, even if exp is ahead (token_expired)', async () => {
    const old = signWith({ sub: 'alice', iat: nowSeconds() - 3600, exp: nowSeconds() + 3600 }, SECRET);
    await expectRefused(old, 'token_expired');
    await expectStillServing();
  });

  it('refuses a token without iat (invalid_claims)', async () => {
    await expectRefused(signWith({ sub: 'alice' }, SECRET, { noTimestamp: true }), 'invalid_claims');
    await expectStillServing();
  });

  it('accepts a fresh token', async () => {
    await expectAccepted(signWith({ sub: 'alice', iat: nowSeconds() - 60 }, SECRET));
  });
});
