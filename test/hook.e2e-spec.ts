import { JwtSocketModule, type OnAuthenticatedHook } from '../lib';
import { BOTH_MODES, type AuthMode } from './fixtures/core/clients';
import { HOOK_FAILURE_MESSAGE, subjectDrivenHook, syncSubjectDrivenHook } from './fixtures/core/hooks';
import { guardedGateway } from './fixtures/core/gateways';
import { startApp, type TestApp } from './support/app';
import { emitWithAck } from './support/client';
import { SECRET, signToken } from './support/tokens';

interface WhoAmI {
  sub: string;
  data: { user?: unknown; decoded_token?: { sub: string } };
}

describe.each(BOTH_MODES)('onAuthenticated hook in $name mode', (mode: AuthMode) => {
  let server: TestApp;

  async function start(onAuthenticated: OnAuthenticatedHook): Promise<void> {
    server = await startApp({
      jwtModule: JwtSocketModule.forRoot({ secret: SECRET, handshake: mode.handshake, onAuthenticated }),
      gateways: [guardedGateway()],
    });
  }

  async function expectServed(sub: string): Promise<WhoAmI> {
    const socket = await mode.open(server.url, signToken({ sub }));
    const me = await emitWithAck<WhoAmI>(socket, 'whoami');
    expect(me.sub).toBe(sub);
    return me;
  }

  afterEach(async () => {
    const errors = server.logger.lines.filter((line) => line.startsWith('error'));
    await server.close();
    expect(errors).toEqual([]);
  });

  describe('an async hook', () => {
    beforeEach(() => start(subjectDrivenHook));

    it('refuses the socket with authentication_rejected when it returns false', async () => {
      expect(await mode.refusedCode(server.url, signToken({ sub: 'refused' }))).toBe('authentication_rejected');
      expect(server.log.connected).toEqual([]);
      await expectServed('alice');
    });

    it('refuses with authentication_rejected when it throws, logs a warning and keeps serving', async () => {
      expect(await mode.refusedCode(server.url, signToken({ sub: 'throws' }))).toBe('authentication_rejected');
      expect(server.logger.lines).toContainEqual(expect.stringMatching(new RegExp(`^warn .*${HOOK_FAILURE_MESSAGE}`)));
      expect(server.logger.lines.join('\n')).not.toContain(SECRET);
      await expectServed('alice');
    });

    it('passes the code and message of an UnauthorizedError it throws', async () => {
      expect(await mode.refused(server.url, signToken({ sub: 'bad-claims' }))).toEqual({
        type: 'UnauthorizedError',
        code: 'invalid_claims',
        message: 'x',
      });
      await expectServed('alice');
    });

    it('stores the user it returns in socket.data.user, visible to handlers', async () => {
      const me = await expectServed('alice');
      expect(me.data.user).toEqual({ id: 'alice', roles: ['reader'] });
      expect(me.data.decoded_token?.sub).toBe('alice');
    });

    it('waits for a user it resolves later', async () => {
      const me = await expectServed('slow');
      expect(me.data.user).toEqual({ id: 'slow', source: 'async' });
    });
  });

  describe('a synchronous hook', () => {
    beforeEach(() => start(syncSubjectDrivenHook));

    it('refuses on false, on a throw, and stores the user it returns', async () => {
      expect(await mode.refusedCode(server.url, signToken({ sub: 'refused' }))).toBe('authentication_rejected');
      expect(await mode.refusedCode(server.url, signToken({ sub: 'throws' }))).toBe('authentication_rejected');
      const me = await expectServed('alice');
      expect(me.data.user).toEqual({ id: 'alice', source: 'sync' });
    });
  });
});
