import { JwtSocketModule } from '../lib';
import { guardedGateway } from './fixtures/core/gateways';
import {
  ASYMMETRIC_ALGORITHMS,
  generateKeyPair,
  keyPairsByAlgorithm,
  signHmac,
  signWith,
  type AsymmetricAlgorithm,
} from './fixtures/core/key-pairs';
import { startApp, type TestApp } from './support/app';
import { closeClients, connectClient, connected, emitWithAck, rejectedCode } from './support/client';
import { unsignedToken } from './support/tokens';

const pairs = keyPairsByAlgorithm();
const now = () => Math.floor(Date.now() / 1000);

/** For each key type, a genuine token of another algorithm family (or curve) it must refuse. */
const FOREIGN: Record<AsymmetricAlgorithm, AsymmetricAlgorithm> = {
  RS256: 'ES256',
  RS384: 'EdDSA',
  RS512: 'ES384',
  PS256: 'EdDSA',
  ES256: 'ES384',
  ES384: 'ES256',
  EdDSA: 'RS256',
};

describe.each(ASYMMETRIC_ALGORITHMS)('a static %s public key', (alg) => {
  const pair = pairs[alg];

  describe.each([
    ['PEM', () => pair.publicPem],
    ['KeyObject', () => pair.publicKey],
  ])('given as %s', (_form, secret) => {
    let server: TestApp;
    const connectWith = (token: string) => connectClient(server.url, { auth: { token } });

    beforeAll(async () => {
      server = await startApp({
        jwtModule: JwtSocketModule.forRoot({ secret: secret(), audience: 'api', clockTolerance: 30 }),
        gateways: [guardedGateway()],
      });
    });
    afterEach(() => closeClients());
    afterAll(() => server.close());

    it(`accepts a genuine ${alg} token and hands its claims to the handlers`, async () => {
      const socket = await connected(connectWith(signWith(pair, { sub: 'alice', aud: 'api', role: 'admin' })));
      const me = await emitWithAck<{ sub: string; claims: { role: string } }>(socket, 'whoami');
      expect(me.sub).toBe('alice');
      expect(me.claims.role).toBe('admin');
    });

    it('refuses forgeries: HS256 keyed with the public key, a foreign algorithm, another key, alg none', async () => {
      const claims = { sub: 'mallory', aud: 'api' };
      const connectionsBefore = server.log.connected.length;
      const forgeries = {
        hs256WithPem: signHmac(pair.publicPem, claims),
        hs256WithJwk: signHmac(JSON.stringify(pair.jwk), claims),
        hs512WithPem: signHmac(pair.publicPem, claims, { alg: 'HS512' }),
        foreignAlgorithm: signWith(pairs[FOREIGN[alg]], claims),
        sameAlgorithmOtherKey: signWith(generateKeyPair(alg), claims),
        none: unsignedToken({ alg: 'none', typ: 'JWT' }, { ...claims, exp: now() + 60 }),
      };
      const codes = Object.fromEntries(
        await Promise.all(
          Object.entries(forgeries).map(
            async ([name, token]) => [name, await rejectedCode(connectWith(token))] as const,
          ),
        ),
      );
      expect(codes).toEqual({
        hs256WithPem: 'invalid_token',
        hs256WithJwk: 'invalid_token',
        hs512WithPem: 'invalid_token',
        foreignAlgorithm: 'invalid_token',
        sameAlgorithmOtherKey: 'invalid_token',
        none: 'invalid_token',
      });
      expect(server.log.connected).toHaveLength(connectionsBefore);
      // The process keeps serving.
      await connected(connectWith(signWith(pair, { sub: 'alice', aud: 'api' })));
    });

    it('applies the same claim checks as every other algorithm', async () => {
      const codeOf = async (claims: object) => {
        const socket = connectWith(signWith(pair, claims, { raw: true }));
        const code = await rejectedCode(socket).catch(() => 'connected');
        socket.disconnect();
        return code;
      };
      expect(await codeOf({ sub: 'a', aud: 'api', exp: now() - 60 })).toBe('token_expired');
      expect(await codeOf({ sub: 'a', aud: 'api', exp: now() - 10 })).toBe('connected');
      expect(await codeOf({ sub: 'a', aud: 'api', nbf: now() + 60 })).toBe('invalid_claims');
      expect(await codeOf({ sub: 'a', aud: 'api', nbf: now() + 10 })).toBe('connected');
      expect(await codeOf({ sub: 'a', aud: 'web', exp: now() + 60 })).toBe('invalid_claims');
    });
  });
});
