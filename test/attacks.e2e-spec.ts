/**
 * A catalogue of known JWT attacks, each a named case against a real app, each followed by a valid
 * client that must still be served. Codes observed (and pinned here):
 * - alg none / None / NONE / nOnE, with or without a signature: invalid_token (before any key lookup).
 * - HS256/384/512 signed with the RS256 public key (PEM, JWK JSON, DER): invalid_token.
 * - kid path traversal / injection strings: handed to the SecretProvider unchanged, never used as a
 *   path; the map lookup misses: secret_unavailable. Logs hold at most 64 characters of a kid, escaped.
 * - crit naming any extension (RFC 7515 §4.1.11 MUST reject): invalid_token. jsonwebtoken ignores
 *   `crit`; the library refuses it since it implements no extension.
 * - jwk / jku / x5u / x5c carrying the attacker's key: ignored, invalid_token (unknown_kid with JWKS),
 *   and the attacker's server gets zero requests.
 * - Duplicate header/claim names: JSON.parse keeps the last one (allowed by RFC 7515 §5.2); a token
 *   the real key signed stays valid, `{"alg":"HS256","alg":"none"}` is refused (invalid_token).
 * - Blanks around a token are trimmed (accepted); a second token appended: malformed_token.
 * - `typ` is not interpreted: any value is accepted on a genuine token.
 * - 1000 claims: accepted; a payload beyond maxTokenLength: credentials_bad_format.
 * - exp: string/null/true/array/object -> invalid_claims; 0/negative/-1e308 -> token_expired;
 *   float, 1e21 and 1e308 -> accepted (the expiry timer hops in steps a Node timer can hold).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { JwtSocketModule, type JwtSocketModuleOptions } from '../lib';
import { selfSignedCertificate } from './fixtures/fuzz/attacker-cert';
import { kidMapProvider } from './fixtures/fuzz/probes';
import { encodeSegment, signatureOf, signJson, type FuzzSigner } from './fixtures/fuzz/tokens';
import { guardedGateway } from './fixtures/core/gateways';
import { generateKeyPair } from './fixtures/core/key-pairs';
import { watchProcessErrors, type ProcessErrorWatch } from './fixtures/secrets/process-errors';
import { startApp, type TestApp } from './support/app';
import { connectClient, connected, connectOutcome, emitWithAck, type ConnectErrorLike } from './support/client';
import { startJwksServer, type JwksServer } from './support/jwks-server';
import { SECRET } from './support/tokens';

const nowSeconds = () => Math.floor(Date.now() / 1000);
const HS256: FuzzSigner = { alg: 'HS256', signingKey: SECRET };
const HS_HEADER = '{"alg":"HS256","typ":"JWT"}';
const alice = (extra: object = {}) => JSON.stringify({ sub: 'alice', exp: nowSeconds() + 3600, ...extra });

const serverKey = generateKeyPair('RS256', 'server-key');
const attackerKey = generateKeyPair('RS256', 'attacker-key');
const RS256: FuzzSigner = { alg: 'RS256', signingKey: serverKey.privateKey };

let processErrors: ProcessErrorWatch;
beforeAll(() => {
  processErrors = watchProcessErrors();
});
afterAll(() => processErrors.stop());
afterEach(() => expect(processErrors.errors).toEqual([]));

async function refusal(server: TestApp, token: unknown): Promise<ConnectErrorLike> {
  const outcome = await connectOutcome(connectClient(server.url, { auth: { token } }));
  if (outcome === 'connected') throw new Error('expected a refusal, but the token was ACCEPTED');
  expect(outcome.data).toEqual({ type: 'UnauthorizedError', code: expect.any(String), message: outcome.message });
  return outcome;
}

async function expectRefused(server: TestApp, token: unknown, code: string): Promise<ConnectErrorLike> {
  const error = await refusal(server, token);
  expect(error.data?.code).toBe(code);
  return error;
}

/** Connects with `token` and returns the claims the gateway sees. */
async function expectAccepted(server: TestApp, token: string): Promise<Record<string, unknown>> {
  const socket = await connected(connectClient(server.url, { auth: { token } }));
  return (await emitWithAck<{ claims: Record<string, unknown> }>(socket, 'whoami')).claims;
}

async function expectStillServing(server: TestApp, token: string): Promise<void> {
  expect((await expectAccepted(server, token)).sub).toBe('alice');
}

function startWith(options: Parameters<typeof JwtSocketModule.forRoot>[0]): Promise<TestApp> {
  return startApp({ jwtModule: JwtSocketModule.forRoot(options), gateways: [guardedGateway()] });
}

/** A token with `headerJson`, `payloadJson` and a signature given as is (base64url text). */
const withSignature = (headerJson: string, payloadJson: string, signature: string) =>
  `${encodeSegment(headerJson)}.${encodeSegment(payloadJson)}.${signature}`;

const NONE_CASINGS = ['none', 'None', 'NONE', 'nOnE'];

describe('against an HS256 secret', () => {
  let server: TestApp;
  const valid = () => signJson(HS256, HS_HEADER, alice());

  beforeAll(async () => {
    server = await startWith({ secret: SECRET });
  });
  afterAll(() => server.close());
  afterEach(async () => {
    await expectStillServing(server, valid());
    expect(server.logger.lines.join('\n')).not.toContain(SECRET);
  });

  describe.each(NONE_CASINGS)('alg "%s"', (alg) => {
    const header = JSON.stringify({ alg, typ: 'JWT' });
    const signingInput = `${encodeSegment(header)}.${encodeSegment(alice())}`;
    it.each<[string, string]>([
      ['an empty signature', ''],
      ['an arbitrary signature', encodeSegment('signature')],
      ['an HMAC of the real secret', signatureOf('HS256', SECRET, signingInput).toString('base64url')],
    ])('with %s: invalid_token', async (_label, signature) => {
      await expectRefused(server, `${signingInput}.${signature}`, 'invalid_token');
    });
  });

  it.each<[string, string]>([
    ['no alg at all', '{"typ":"JWT"}'],
    ['an empty alg', '{"alg":""}'],
    ['alg only inside a "__proto__" member', '{"__proto__":{"alg":"HS256"}}'],
  ])('%s, signed with the real secret: invalid_token', async (_label, header) => {
    await expectRefused(server, signJson(HS256, header, alice()), 'invalid_token');
  });

  describe('crit (RFC 7515 §4.1.11: an extension the recipient does not understand MUST be rejected)', () => {
    it.each<[string, string]>([
      ['an unknown extension', '{"alg":"HS256","typ":"JWT","crit":["exp-ext"],"exp-ext":true}'],
      ['RFC 7797 b64:false (unencoded payload)', '{"alg":"HS256","crit":["b64"],"b64":false}'],
      ['an empty list', '{"alg":"HS256","crit":[]}'],
      ['a value that is not a list', '{"alg":"HS256","crit":"exp-ext"}'],
    ])('%s, signed with the real secret: invalid_token', async (_label, header) => {
      const error = await expectRefused(server, signJson(HS256, header, alice()), 'invalid_token');
      expect(error.message).toBe('The token requires header extensions (crit) that are not supported');
    });
  });

  describe('duplicate JSON member names (JSON.parse keeps the last)', () => {
    it('{"alg":"HS256","alg":"none"} unsigned: invalid_token', async () => {
      await expectRefused(server, withSignature('{"alg":"HS256","alg":"none"}', alice(), ''), 'invalid_token');
    });

    it('{"alg":"HS256","alg":"none"} with an HMAC of the real secret: invalid_token', async () => {
      await expectRefused(server, signJson(HS256, '{"alg":"HS256","alg":"none"}', alice()), 'invalid_token');
    });

    it('{"alg":"none","alg":"HS256"} signed with the real secret: accepted (the key did sign it)', async () => {
      expect((await expectAccepted(server, signJson(HS256, '{"alg":"none","alg":"HS256"}', alice()))).sub).toBe(
        'alice',
      );
    });

    it('a duplicate sub claim signed with the real secret: the last one is the subject', async () => {
      const payload = `{"sub":"alice","sub":"admin","exp":${nowSeconds() + 3600}}`;
      expect((await expectAccepted(server, signJson(HS256, HS_HEADER, payload))).sub).toBe('admin');
    });

    it('a duplicate sub claim with a signature of the first-only payload: invalid_token', async () => {
      const signed = signJson(HS256, HS_HEADER, alice()).split('.')[2];
      const payload = `{"sub":"alice","exp":${nowSeconds() + 3600},"sub":"admin"}`;
      await expectRefused(server, withSignature(HS_HEADER, payload, signed), 'invalid_token');
    });
  });

  describe('whitespace and concatenated tokens', () => {
    it.each<[string, (token: string) => string]>([
      ['leading blanks', (token) => `  \t${token}`],
      ['trailing blanks and a newline', (token) => `${token} \n`],
      ['a Bearer prefix', (token) => `Bearer ${token}`],
    ])('%s: stripped by the server, accepted', async (_label, wrap) => {
      expect((await expectAccepted(server, wrap(valid()))).sub).toBe('alice');
    });

    it.each<[string, string]>([
      ['a second token after a dot', '.'],
      ['a second token after a space', ' '],
      ['a second token after a newline', '\n'],
      ['a second token glued on', ''],
      ['a second token after a comma', ','],
    ])('%s: malformed_token', async (_label, separator) => {
      await expectRefused(
        server,
        `${valid()}${separator}${signJson(HS256, HS_HEADER, alice({ sub: 'admin' }))}`,
        'malformed_token',
      );
    });

    it('an empty fourth segment: malformed_token', async () => {
      await expectRefused(server, `${valid()}.`, 'malformed_token');
    });
  });

  it.each<[string, unknown]>([
    ['"JWT"', 'JWT'],
    ['"jwt"', 'jwt'],
    ['"at+jwt"', 'at+jwt'],
    ['"application/jwt"', 'application/jwt'],
    ['"JOSE+JSON"', 'JOSE+JSON'],
    ['a number', 7],
    ['an object', { nested: true }],
    ['absent', undefined],
  ])('typ %s on a genuine token is not interpreted: accepted', async (_label, typ) => {
    const header = JSON.stringify({ alg: 'HS256', typ });
    expect((await expectAccepted(server, signJson(HS256, header, alice()))).sub).toBe('alice');
  });

  describe('many claims', () => {
    const manyClaims = (count: number) =>
      alice(Object.fromEntries(Array.from({ length: count }, (_, index) => [`c${index}`, index])));

    it('1000 claims within maxTokenLength: accepted with every claim', async () => {
      const claims = await expectAccepted(server, signJson(HS256, HS_HEADER, manyClaims(1000)));
      expect(Object.keys(claims)).toHaveLength(1002);
      expect(claims.c999).toBe(999);
    });

    it('3000 claims, beyond maxTokenLength: credentials_bad_format before any decoding', async () => {
      const token = signJson(HS256, HS_HEADER, manyClaims(3000));
      expect(token.length).toBeGreaterThan(16384);
      await expectRefused(server, token, 'credentials_bad_format');
    });
  });

  describe('exp of every type', () => {
    it.each<[string, string, string]>([
      ['a numeric string', '"9999999999"', 'invalid_claims'],
      ['the string "1e308"', '"1e308"', 'invalid_claims'],
      ['null', 'null', 'invalid_claims'],
      ['true', 'true', 'invalid_claims'],
      ['an array', `[${nowSeconds() + 3600}]`, 'invalid_claims'],
      ['an object', '{"$gt":0}', 'invalid_claims'],
      ['0', '0', 'token_expired'],
      ['-1', '-1', 'token_expired'],
      ['-1e308', '-1e308', 'token_expired'],
    ])('exp as %s (%s): %s', async (_label, exp, code) => {
      await expectRefused(server, signJson(HS256, HS_HEADER, `{"sub":"alice","exp":${exp}}`), code);
    });

    it.each<[string, number]>([
      ['a float', nowSeconds() + 3600.5],
      ['1e21', 1e21],
      ['1e308', 1e308],
    ])('exp as %s: accepted, the socket stays served', async (_label, exp) => {
      const socket = await connected(
        connectClient(server.url, { auth: { token: signJson(HS256, HS_HEADER, `{"sub":"alice","exp":${exp}}`) } }),
      );
      expect((await emitWithAck<{ claims: { exp: number } }>(socket, 'whoami')).claims.exp).toBe(exp);
      expect(await emitWithAck(socket, 'ping')).toBe('pong');
    });

    it('nbf as a string: invalid_claims', async () => {
      await expectRefused(server, signJson(HS256, HS_HEADER, alice({ nbf: '0' })), 'invalid_claims');
    });
  });

  it('__proto__ and constructor claims in a genuine token pollute no prototype', async () => {
    const payload = `{"sub":"alice","exp":${nowSeconds() + 3600},"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}`;
    const claims = await expectAccepted(server, signJson(HS256, HS_HEADER, payload));
    expect(claims.__proto__).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
  });
});

describe.each<[string, JwtSocketModuleOptions]>([
  ['an RS256 public key with algorithms: ["RS256"]', { secret: serverKey.publicPem, algorithms: ['RS256'] }],
  ['an RS256 public key, algorithms derived from the key', { secret: serverKey.publicPem }],
])('against %s', (_label, options) => {
  let server: TestApp;
  let attackerSite: JwksServer;
  const valid = () => signJson(RS256, '{"alg":"RS256","typ":"JWT"}', alice());

  beforeAll(async () => {
    server = await startWith(options);
    attackerSite = await startJwksServer();
    attackerSite.route('/jwks.json', [attackerKey.jwk]);
  });
  afterAll(async () => {
    await server.close();
    await attackerSite.close();
  });
  afterEach(async () => {
    await expectStillServing(server, valid());
    expect(attackerSite.totalHits).toBe(0);
  });

  describe('algorithm confusion: an HMAC keyed with the public key', () => {
    const publicKeyForms: Array<[string, string | Buffer]> = [
      ['the PEM', serverKey.publicPem],
      ['the PEM without its final newline', serverKey.publicPem.trim()],
      ['the JWK JSON string', JSON.stringify(serverKey.jwk)],
      ['the SPKI DER bytes', serverKey.publicKey.export({ type: 'spki', format: 'der' })],
      ['the PKCS#1 DER bytes', serverKey.publicKey.export({ type: 'pkcs1', format: 'der' })],
    ];
    const cases = publicKeyForms.flatMap(([form, key]) =>
      ['HS256', 'HS384', 'HS512'].map((alg) => [alg, form, key] as const),
    );

    it.each(cases)('%s with %s: invalid_token', async (alg, _form, key) => {
      const header = JSON.stringify({ alg, typ: 'JWT' });
      const input = `${encodeSegment(header)}.${encodeSegment(alice())}`;
      await expectRefused(server, `${input}.${signatureOf(alg, key, input).toString('base64url')}`, 'invalid_token');
    });
  });

  it.each(NONE_CASINGS)('alg "%s" with an empty signature: invalid_token', async (alg) => {
    await expectRefused(server, withSignature(JSON.stringify({ alg }), alice(), ''), 'invalid_token');
  });

  describe("key material embedded in the header, signed with the attacker's own key", () => {
    const attacker: FuzzSigner = { alg: 'RS256', signingKey: attackerKey.privateKey };
    const certificate = () => selfSignedCertificate(attackerKey.publicKey, attackerKey.privateKey).toString('base64');

    it.each<[string, () => object]>([
      ['jwk (the attacker public key)', () => ({ jwk: attackerKey.jwk })],
      ['jku (a key set URL on the attacker server)', () => ({ jku: `${attackerSite.url}/jwks.json` })],
      ['x5u (a certificate URL on the attacker server)', () => ({ x5u: `${attackerSite.url}/cert.pem` })],
      ['x5c (a self-signed certificate of the attacker key)', () => ({ x5c: [certificate()] })],
      [
        'all of them at once',
        () => ({
          jwk: attackerKey.jwk,
          jku: `${attackerSite.url}/jwks.json`,
          x5u: `${attackerSite.url}/x`,
          x5c: [certificate()],
        }),
      ],
    ])('%s: ignored, invalid_token, no request to the attacker', async (_label, embedded) => {
      const header = JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: attackerKey.kid, ...embedded() });
      await expectRefused(server, signJson(attacker, header, alice({ sub: 'mallory' })), 'invalid_token');
    });
  });
});

describe('against a JWKS identity provider: jku / x5u / jwk never replace the configured key set', () => {
  const published = generateKeyPair('RS256', 'k1');
  let server: TestApp;
  let identityProvider: JwksServer;
  let attackerSite: JwksServer;
  const attacker: FuzzSigner = { alg: 'RS256', signingKey: attackerKey.privateKey };

  beforeAll(async () => {
    identityProvider = await startJwksServer();
    const route = identityProvider.route('/.well-known/jwks.json', [published.jwk]);
    attackerSite = await startJwksServer();
    attackerSite.route('/jwks.json', [attackerKey.jwk, { ...attackerKey.jwk, kid: 'k1' }]);
    server = await startWith({ jwks: { jwksUri: route.url } });
  });
  afterAll(async () => {
    await server.close();
    await identityProvider.close();
    await attackerSite.close();
  });
  afterEach(async () => {
    const valid = signJson({ alg: 'RS256', signingKey: published.privateKey }, '{"alg":"RS256","kid":"k1"}', alice());
    await expectStillServing(server, valid);
    expect(attackerSite.totalHits).toBe(0);
  });

  it.each<[string, string, () => object]>([
    [
      'the attacker kid and a jku to its key set',
      'unknown_kid',
      () => ({ kid: attackerKey.kid, jku: `${attackerSite.url}/jwks.json` }),
    ],
    [
      'the attacker kid and an x5u',
      'unknown_kid',
      () => ({ kid: attackerKey.kid, x5u: `${attackerSite.url}/cert.pem` }),
    ],
    ['the attacker kid and its jwk', 'unknown_kid', () => ({ kid: attackerKey.kid, jwk: attackerKey.jwk })],
    [
      'the published kid and a jku to a key set reusing that kid',
      'invalid_token',
      () => ({ kid: 'k1', jku: `${attackerSite.url}/jwks.json` }),
    ],
    [
      'the published kid and the attacker jwk under that kid',
      'invalid_token',
      () => ({ kid: 'k1', jwk: { ...attackerKey.jwk, kid: 'k1' } }),
    ],
  ])('%s: %s, no request to the attacker', async (_label, code, embedded) => {
    const header = JSON.stringify({ alg: 'RS256', typ: 'JWT', ...embedded() });
    await expectRefused(server, signJson(attacker, header, alice({ sub: 'mallory' })), code);
  });
});

describe('kid injection through a custom SecretProvider (a map lookup)', () => {
  const LEGIT_SECRET = 'the-legit-kid-secret-0123456789abcdef';
  const ATTACKER_SECRET = 'attacker-controlled-secret-0123456789';
  const { provider, kidsSeen } = kidMapProvider(new Map([['legit', LEGIT_SECRET]]));
  const legit: FuzzSigner = { alg: 'HS256', signingKey: LEGIT_SECRET };
  let server: TestApp;
  let attackerDir: string;
  let attackerKeyFile: string;

  beforeAll(async () => {
    // If any code used a kid as a path, this file's content would verify the attacker's tokens.
    attackerDir = mkdtempSync(join(tmpdir(), 'jwt-kid-'));
    attackerKeyFile = join(attackerDir, 'attacker.key');
    writeFileSync(attackerKeyFile, ATTACKER_SECRET);
    server = await startWith({ secretProvider: provider });
  });
  afterAll(async () => {
    await server.close();
    rmSync(attackerDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await expectStillServing(server, signJson(legit, '{"alg":"HS256","kid":"legit"}', alice()));
    const logged = server.logger.lines;
    expect(logged.join('\n')).not.toContain(LEGIT_SECRET);
    // A kid reaches the logs cut to 64 characters and JSON-escaped: no flooding, no forged log lines.
    for (const line of logged) expect(line.length).toBeLessThan(400);
    expect(logged.some((line) => line.includes('\n') || line.includes('\u0000'))).toBe(false);
  });

  const attackerToken = (kid: unknown) =>
    signJson(
      { alg: 'HS256', signingKey: ATTACKER_SECRET },
      JSON.stringify({ alg: 'HS256', kid }),
      alice({ sub: 'mallory' }),
    );

  it.each<[string, () => string]>([
    ['../../etc/passwd', () => '../../etc/passwd'],
    ['/dev/null', () => '/dev/null'],
    ["' OR 1=1 --", () => "' OR 1=1 --"],
    ['$(id)', () => '$(id)'],
    ['a NUL character', () => '\u0000'],
    ['legit followed by NUL and a path', () => 'legit\u0000/../../etc/passwd'],
    ['a CRLF and a forged log line', () => '\r\n[error] admin logged in'],
    ['a 10 kB kid', () => 'k'.repeat(10 * 1024)],
    ['the absolute path of a file holding the attacker secret', () => attackerKeyFile],
    ['a ../ path from the working directory to that file', () => relative(process.cwd(), attackerKeyFile)],
    ['a file: URL of that file', () => `file://${attackerKeyFile}`],
  ])('kid %s: given to the provider unchanged, secret_unavailable', async (_label, kid) => {
    const seenBefore = kidsSeen.length;
    await expectRefused(server, attackerToken(kid()), 'secret_unavailable');
    expect(kidsSeen.slice(seenBefore)).toEqual([kid()]);
  });

  it.each<[string, unknown]>([
    ['an object', { $ne: null }],
    ['an array', ['legit']],
    ['a number', 42],
  ])('a kid that is %s: given to the provider unchanged, secret_unavailable', async (_label, kid) => {
    const seenBefore = kidsSeen.length;
    await expectRefused(server, attackerToken(kid), 'secret_unavailable');
    expect(kidsSeen.slice(seenBefore)).toEqual([kid]);
  });

  it('the legit kid on a token signed by the attacker: invalid_token', async () => {
    await expectRefused(server, attackerToken('legit'), 'invalid_token');
  });

  it.each(NONE_CASINGS)('alg "%s" with the legit kid: invalid_token without asking the provider', async (alg) => {
    const seenBefore = kidsSeen.length;
    await expectRefused(server, withSignature(JSON.stringify({ alg, kid: 'legit' }), alice(), ''), 'invalid_token');
    expect(kidsSeen.length).toBe(seenBefore);
  });
});
