/**
 * Property-based tests (fast-check) over everything a client controls, each property against ONE real
 * Nest app with real socket.io-client connections. Cases per run (numRuns):
 *   handshake auth object 600 + handshake sources (auth / Authorization / query) 800
 *   + event-mode authenticate payload 800 + token strings, HMAC secret 3000
 *   + token strings, kid-chosen RS256/ES256/EdDSA/HS256 keys 2500  = 7700 cases.
 * Connections are reused where the protocol allows: token strings go as in-band refreshes on one
 * authenticated socket; handshake and event-mode cases need a fresh connection each.
 * Invariants, for every case: the server answers (a valid control client connects after each
 * property), no unhandled rejection or uncaught exception, no unexpected-error log line, every
 * refusal is `{ type: 'UnauthorizedError', code, message }` with a JwtSocketErrorCode, and a token is
 * accepted only if it is an unmodified genuine signature of a trusted key.
 */
import type { DynamicModule } from '@nestjs/common';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { JwtSocketModule, type JwtSocketModuleOptions, type SecretAnswer } from '../lib';
import { connectAndAuthenticate } from './fixtures/core/clients';
import {
  eventModeOutcome,
  expectationOf,
  expectationOfTokenSlot,
  expectOutcome,
  handshakeOutcome,
  kidMapProvider,
  overTheWire,
  refreshOutcome,
  OutcomeTally,
  REFUSE,
  type Expectation,
} from './fixtures/fuzz/probes';
import { tokenCaseArbitrary, type FuzzSigner, type TokenCase, type TokenUniverse } from './fixtures/fuzz/tokens';
import { guardedGateway } from './fixtures/core/gateways';
import { generateKeyPair } from './fixtures/core/key-pairs';
import { watchProcessErrors, type ProcessErrorWatch } from './fixtures/secrets/process-errors';
import { startApp, type TestApp } from './support/app';
import { connectClient, connected, emitWithAck } from './support/client';
import { SECRET, signToken } from './support/tokens';

jest.setTimeout(120_000);

const DEFAULT_MAX_TOKEN_LENGTH = 16384;
const SMALL_MAX_TOKEN_LENGTH = 4096;

const HS256: FuzzSigner = { alg: 'HS256', signingKey: SECRET };
/** An HMAC secret verifies HS256/384/512: an HS384 token from the same secret is genuine too. */
const HS384: FuzzSigner = { alg: 'HS384', signingKey: SECRET };
const FORGER: FuzzSigner = { alg: 'HS256', signingKey: 'a-secret-the-server-has-never-heard-of-0123' };

const hmacUniverse = (maxPad: number): TokenUniverse => ({ trusted: [HS256, HS384], forger: FORGER, maxPad });

let processErrors: ProcessErrorWatch;
beforeAll(() => {
  processErrors = watchProcessErrors();
});
afterAll(() => processErrors.stop());

/**
 * Starts one app, runs `body`, then checks the server survived: a control client authenticates and
 * is served, nothing was left unhandled, nothing was logged as an unexpected failure, no key leaked.
 */
async function withApp(
  jwtModule: DynamicModule,
  body: (server: TestApp) => Promise<void>,
  { handshake = true, controlToken = signToken({ sub: 'control' }) } = {},
): Promise<void> {
  const server = await startApp({ jwtModule, gateways: [guardedGateway()] });
  try {
    await body(server);
    const control = handshake
      ? await connected(connectClient(server.url, { auth: { token: controlToken } }))
      : await connectAndAuthenticate(server.url, controlToken);
    expect(await emitWithAck(control, 'ping')).toBe('pong');
    expect(processErrors.errors).toEqual([]);
    expect(server.logger.lines.filter((line) => line.startsWith('error'))).toEqual([]);
    expect(server.logger.lines.join('\n')).not.toContain(SECRET);
  } finally {
    await server.close();
  }
}

const hmacModule = (options: JwtSocketModuleOptions = {}) => JwtSocketModule.forRoot({ secret: SECRET, ...options });

/** Runs the property; the run must have produced both acceptances and refusals (else it proved nothing). */
async function assertProperty<T>(
  arbitrary: fc.Arbitrary<T>,
  numRuns: number,
  check: (value: T, tally: OutcomeTally) => Promise<void>,
): Promise<void> {
  const tally = new OutcomeTally();
  await fc.assert(
    fc.asyncProperty(arbitrary, (value) => check(value, tally)),
    { numRuns },
  );
  tally.expectAcceptedAndRefused();
}

// Node's HTTP client refuses, before sending, a header value with a character outside
// TAB, 0x20-0x7E and 0x80-0xFF (ERR_INVALID_CHAR): such values cannot reach a server at all.
const isSendableHeaderValue = (value: string) => !/[^\t\x20-\x7e\x80-\xff]/.test(value);
// encodeURIComponent throws on a lone surrogate: socket.io-client cannot put such a string in a URL.
function isUrlEncodable(value: string): boolean {
  try {
    encodeURIComponent(value);
    return true;
  } catch {
    return false;
  }
}

interface HeaderCase {
  value: string;
  expectation: Expectation;
  how: string;
}

/** `<scheme><blank><token>` with a generated token, or random text (unicode or latin1 bytes). */
function authorizationHeaderArbitrary(tokens: fc.Arbitrary<TokenCase>): fc.Arbitrary<HeaderCase> {
  const schemeAndToken = fc
    .record({
      scheme: fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'Token', 'Bearer:', 'Bear'),
      separator: fc.constantFrom(' ', '  ', '\t'),
      tokenCase: tokens,
    })
    .map(({ scheme, separator, tokenCase }) => ({
      value: `${scheme}${separator}${tokenCase.token}`,
      expectation:
        scheme.toLowerCase() === 'bearer'
          ? expectationOf(tokenCase, DEFAULT_MAX_TOKEN_LENGTH)
          : { accept: false as const, code: 'credentials_bad_format' },
      how: `header ${scheme} ${tokenCase.how}`,
    }));
  const randomText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  );
  return fc
    .oneof(
      { weight: 4, arbitrary: schemeAndToken },
      { weight: 2, arbitrary: randomText.map((value) => ({ value, expectation: REFUSE, how: 'header random' })) },
    )
    .filter(({ value }) => isSendableHeaderValue(value));
}

describe('fuzz: the handshake', () => {
  it('any handshake `auth` object: a token of any type, or none (600 cases)', async () => {
    await withApp(hmacModule(), async (server) => {
      const tokens = tokenCaseArbitrary(hmacUniverse(3000), { wrap: true });
      const tokenSlot = fc.option(
        fc.oneof(
          fc
            .anything({ withTypedArray: true, stringUnit: 'binary', maxDepth: 3 })
            .map((value) => ({ value, tokenCase: undefined })),
          tokens.map((tokenCase) => ({
            value: tokenCase.token as unknown,
            tokenCase: tokenCase as TokenCase | undefined,
          })),
        ),
        { nil: undefined },
      );
      const authArbitrary = fc.record({
        base: fc.object({ withTypedArray: true, maxDepth: 2, maxKeys: 5 }),
        slot: tokenSlot,
      });

      await assertProperty(authArbitrary, 600, async ({ base, slot }, tally) => {
        const auth: Record<string, unknown> = slot === undefined ? base : { ...base, token: slot.value };
        const wireToken = (overTheWire(auth) as Record<string, unknown>).token;
        const expectation = expectationOfTokenSlot(wireToken, slot?.tokenCase, DEFAULT_MAX_TOKEN_LENGTH);
        expectOutcome(
          await handshakeOutcome(server.url, { auth }),
          expectation,
          `auth ${slot?.tokenCase?.how ?? typeof wireToken}`,
          tally,
        );
      });
    });
  });

  it('auth.token, Authorization and ?token= together: random values, precedence respected (800 cases)', async () => {
    await withApp(hmacModule({ tokenFromQuery: true }), async (server) => {
      const universe = hmacUniverse(2000); // Tokens stay far below Node's 16 kB limit on request headers.
      const wrapped = tokenCaseArbitrary(universe, { wrap: true });
      const bare = tokenCaseArbitrary(universe, { wrap: false });
      const sources = fc.record({
        // Each source is absent half of the time, so each one decides some cases.
        auth: fc.option(wrapped, { nil: undefined, freq: 2 }),
        header: fc.option(authorizationHeaderArbitrary(bare), { nil: undefined, freq: 2 }),
        query: fc.option(
          wrapped.filter(({ token }) => isUrlEncodable(token)),
          { nil: undefined, freq: 2 },
        ),
        // `sid` would make engine.io look up a session; EIO/transport are overwritten by the client.
        extraQuery: fc.dictionary(
          fc.stringMatching(/^[a-z]{1,8}$/).filter((key) => !['sid', 'token'].includes(key)),
          fc.string({ unit: 'binary', maxLength: 30 }).filter(isUrlEncodable),
          { maxKeys: 3 },
        ),
      });

      await assertProperty(sources, 800, async ({ auth, header, query, extraQuery }, tally) => {
        // The documented order: auth.token, then Authorization, then ?token=.
        const expectation: Expectation = auth
          ? expectationOf(auth, DEFAULT_MAX_TOKEN_LENGTH)
          : header
            ? header.expectation
            : query
              ? expectationOf(query, DEFAULT_MAX_TOKEN_LENGTH)
              : { accept: false, code: 'credentials_required' };
        const outcome = await handshakeOutcome(server.url, {
          ...(auth ? { auth: { token: auth.token } } : {}),
          ...(header ? { extraHeaders: { authorization: header.value } } : {}),
          query: query ? { ...extraQuery, token: query.token } : extraQuery,
        });
        expectOutcome(outcome, expectation, `auth=${auth?.how} header=${header?.how} query=${query?.how}`, tally);
      });
    });
  });
});

describe('fuzz: event mode', () => {
  it('any `authenticate` payload, each on a fresh socket (800 cases)', async () => {
    await withApp(
      hmacModule({ handshake: false }),
      async (server) => {
        const tokens = tokenCaseArbitrary(hmacUniverse(3000), { wrap: true });
        const payloads = fc.oneof(
          fc
            .anything({ withTypedArray: true, stringUnit: 'binary', maxDepth: 3 })
            .map((payload) => ({ payload, tokenCase: undefined })),
          fc
            .record({ extra: fc.object({ maxDepth: 1, maxKeys: 3 }), tokenCase: tokens })
            .map(({ extra, tokenCase }) => ({
              payload: { ...extra, token: tokenCase.token } as unknown,
              tokenCase: tokenCase as TokenCase | undefined,
            })),
        );

        await assertProperty(payloads, 800, async ({ payload, tokenCase }, tally) => {
          const wire = overTheWire(payload);
          const isObject = typeof wire === 'object' && wire !== null && !Array.isArray(wire);
          const expectation: Expectation = isObject
            ? expectationOfTokenSlot((wire as Record<string, unknown>).token, tokenCase, DEFAULT_MAX_TOKEN_LENGTH)
            : { accept: false, code: 'credentials_bad_format' };
          expectOutcome(
            await eventModeOutcome(server.url, payload),
            expectation,
            `authenticate ${tokenCase?.how ?? typeof wire}`,
            tally,
          );
        });
      },
      { handshake: false },
    );
  });
});

/** Sends each generated token as an in-band refresh on one authenticated socket (allowSubjectChange on). */
async function fuzzTokensByRefresh(
  server: TestApp,
  initialToken: string,
  universe: TokenUniverse,
  numRuns: number,
): Promise<void> {
  const socket: Socket = await connected(connectClient(server.url, { auth: { token: initialToken } }));
  await assertProperty(tokenCaseArbitrary(universe, { wrap: true }), numRuns, async (tokenCase, tally) => {
    expectOutcome(
      await refreshOutcome(socket, { token: tokenCase.token }),
      expectationOf(tokenCase, SMALL_MAX_TOKEN_LENGTH),
      tokenCase.how,
      tally,
    );
  });
  // The socket that received every one of them is still served.
  expect(await emitWithAck(socket, 'ping')).toBe('pong');
}

describe('fuzz: token strings (near-valid, mutated, huge, deeply nested, unicode)', () => {
  const refreshOptions = { allowSubjectChange: true, maxTokenLength: SMALL_MAX_TOKEN_LENGTH };

  it('against an HMAC secret (3000 cases)', async () => {
    await withApp(hmacModule(refreshOptions), async (server) => {
      await fuzzTokensByRefresh(server, signToken({ sub: 'fuzzer' }), hmacUniverse(3400), 3000);
    });
  });

  it('against keys chosen by kid: RS256, ES256, EdDSA and HS256 (2500 cases)', async () => {
    const rsa = generateKeyPair('RS256', 'rsa');
    const ec = generateKeyPair('ES256', 'ec');
    const ed = generateKeyPair('EdDSA', 'ed');
    const keys = new Map<string, SecretAnswer>([
      ['rsa', { key: rsa.publicKey, algorithms: ['RS256'] }],
      ['ec', ec.publicKey], // A plain key: its algorithms follow from its type (ES256 only).
      ['ed', { key: ed.publicPem, algorithms: ['EdDSA'] }],
      ['hmac', SECRET],
    ]);
    const { provider } = kidMapProvider(keys);
    const asSigner = (pair: typeof rsa): FuzzSigner => ({
      alg: pair.alg as FuzzSigner['alg'],
      signingKey: pair.privateKey,
      kid: pair.kid,
      publicPem: pair.publicPem,
    });
    const universe: TokenUniverse = {
      trusted: [asSigner(rsa), asSigner(ec), asSigner(ed), { ...HS256, kid: 'hmac' }],
      forger: { alg: 'RS256', signingKey: generateKeyPair('RS256', 'rsa').privateKey },
      maxPad: 3400,
    };
    const hmacKidToken = (sub: string) => signToken({ sub }, { keyid: 'hmac' });
    await withApp(
      JwtSocketModule.forRoot({ secretProvider: provider, ...refreshOptions }),
      (server) => fuzzTokensByRefresh(server, hmacKidToken('fuzzer'), universe, 2500),
      { controlToken: hmacKidToken('control') },
    );
  });
});
