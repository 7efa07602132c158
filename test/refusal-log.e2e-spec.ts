import { createHash } from 'node:crypto';
import { JwtSocketModule, JwtSocketRevoker, type JwtSocketModuleOptions } from '../lib';
import { guardedGateway } from './fixtures/core/gateways';
import { startApp, type TestApp } from './support/app';
import { connectClient, connected, nextEvent } from './support/client';
import { SECRET, signToken } from './support/tokens';

/**
 * Operators see every refusal once, at `debug`: its code, its namespace and a label of the token
 * (its `jti`, or a short SHA-256 prefix), never the token itself.
 */

let server: TestApp | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: Partial<JwtSocketModuleOptions> = {}): Promise<TestApp> {
  server = await startApp({
    jwtModule: JwtSocketModule.forRoot({ secret: SECRET, ...options }),
    gateways: [guardedGateway()],
  });
  return server;
}

const refusals = (app: TestApp) => app.logger.lines.filter((line) => line.startsWith('debug Refused socket'));
const shortHash = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 12);

function connectError(url: string, token: string): Promise<string | undefined> {
  return new Promise((resolve) =>
    connectClient(url, { auth: { token } }).once('connect_error', (error: Error & { data?: { code: string } }) =>
      resolve(error.data?.code),
    ),
  );
}

describe('a debug line for each refusal', () => {
  it('logs a refused handshake with its code, namespace and a token hash, not the token', async () => {
    const app = await start();
    const forged = signToken({ sub: 'alice' }, {}, 'another-secret');
    expect(await connectError(app.url, forged)).toBe('invalid_token');
    expect(refusals(app)).toEqual([
      expect.stringMatching(new RegExp(`on namespace "/": invalid_token \\(token sha256:${shortHash(forged)}\\)$`)),
    ]);
    expect(app.logger.lines.join('\n')).not.toContain(forged);
  });

  it('logs an expiry and a revocation once each, naming the verified jti', async () => {
    const app = await start();
    const shortLived = connectClient(app.url, {
      auth: { token: signToken({ sub: 'bob' }, { expiresIn: 1, jwtid: 'short' }) },
    });
    const expired = nextEvent<{ data: { code: string } }>(shortLived, 'unauthorized');
    const alice = await connected(
      connectClient(app.url, { auth: { token: signToken({ sub: 'alice' }, { jwtid: 'a-1' }) } }),
    );
    const revoked = nextEvent<{ data: { code: string } }>(alice, 'unauthorized');
    app.app.get(JwtSocketRevoker).revokeSubject('alice');
    expect((await revoked).data.code).toBe('token_revoked');
    expect((await expired).data.code).toBe('token_expired');
    expect(refusals(app)).toHaveLength(2);
    expect(refusals(app)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/: token_expired \(jti "short"\)$/),
        expect.stringMatching(/: token_revoked \(jti "a-1"\)$/),
      ]),
    );
  });

  it('logs an event-mode timeout as a refusal without a token', async () => {
    const app = await start({ handshake: false, timeout: 50 });
    const socket = connectClient(app.url);
    const refused = nextEvent<{ data: { code: string } }>(socket, 'unauthorized');
    expect((await refused).data.code).toBe('authentication_timeout');
    expect(refusals(app)).toEqual([expect.stringMatching(/on namespace "\/": authentication_timeout \(no token\)$/)]);
  });
});
