import { Logger, type ExecutionContext } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { JwtSocketGuard } from './jwt-socket.guard';
import { JWT_SOCKET_ERROR_MESSAGES, JwtSocketErrorCode } from './protocol/error-codes';
import { UnauthorizedError } from './protocol/unauthorized-error';
import { createSession, type JwtSocketSession } from './socket/session-state';

type ContextType = 'ws' | 'http' | 'rpc';

/** A plain object standing in for a socket: the guard only reads the session the library stores on it. */
function fakeSocket(): Socket {
  return { id: 'socket-1', nsp: { name: '/chat' } } as unknown as Socket;
}

function socketWithSession(state: Partial<JwtSocketSession> = {}): Socket {
  const socket = fakeSocket();
  Object.assign(createSession(socket), state);
  return socket;
}

/** The three members of ExecutionContext the guard uses; `args` is what Nest passes a ws handler: client, data, ack. */
function fakeContext(socket: Socket, args: unknown[] = [socket, { text: 'hi' }], type: ContextType = 'ws') {
  const switchToWs = jest.fn(() => ({ getClient: () => socket, getData: () => args[1] }));
  const context = {
    getType: () => type,
    switchToWs,
    getArgs: () => args,
  } as unknown as ExecutionContext;
  return { context, switchToWs };
}

/** Runs the guard and returns the WsException it throws; fails the test if it lets the event through. */
function rejectionOf(guard: JwtSocketGuard, context: ExecutionContext): WsException {
  try {
    guard.canActivate(context);
  } catch (error) {
    expect(error).toBeInstanceOf(WsException);
    return error as WsException;
  }
  throw new Error('expected the guard to refuse the event, but it let it through');
}

function expectedPayload(code: JwtSocketErrorCode, message: string = JWT_SOCKET_ERROR_MESSAGES[code]) {
  return { status: 'error', message, data: { type: 'UnauthorizedError', code, message } };
}

let loggedErrors: jest.SpyInstance;
beforeEach(() => {
  loggedErrors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

describe('JwtSocketGuard', () => {
  const guard = new JwtSocketGuard();

  describe('outside a ws context', () => {
    it.each<ContextType>(['http', 'rpc'])('lets a %s context through without looking for a socket', (type) => {
      const ack = jest.fn();
      const { context, switchToWs } = fakeContext(fakeSocket(), [{}, {}, ack], type);
      expect(guard.canActivate(context)).toBe(true);
      expect(switchToWs).not.toHaveBeenCalled();
      expect(ack).not.toHaveBeenCalled();
    });
  });

  describe('a socket the library never saw (no session: no JwtSocketIoAdapter)', () => {
    // Kept first among the no-session tests: the guard logs the misconfiguration once per process.
    it('refuses with authentication_unavailable and logs the misconfiguration once', () => {
      const first = rejectionOf(guard, fakeContext(fakeSocket()).context);
      const second = rejectionOf(guard, fakeContext(fakeSocket()).context);
      for (const exception of [first, second]) {
        expect(exception.getError()).toEqual(expectedPayload(JwtSocketErrorCode.AUTHENTICATION_UNAVAILABLE));
      }
      expect(loggedErrors).toHaveBeenCalledTimes(1);
      expect(String(loggedErrors.mock.calls[0][0])).toContain('/chat');
      expect(String(loggedErrors.mock.calls[0][0])).toContain('JwtSocketIoAdapter');
    });

    it('answers the ack (the last function argument) with the same payload it throws', () => {
      const socket = fakeSocket();
      const ack = jest.fn();
      const exception = rejectionOf(guard, fakeContext(socket, [socket, { text: 'hi' }, ack]).context);
      const payload = expectedPayload(JwtSocketErrorCode.AUTHENTICATION_UNAVAILABLE);
      expect(ack).toHaveBeenCalledTimes(1);
      expect(ack).toHaveBeenCalledWith(payload);
      expect(exception.getError()).toEqual(payload);
      expect(exception.message).toBe(payload.message);
    });
  });

  describe('the ack', () => {
    it('only the last function argument is answered, once', () => {
      const socket = socketWithSession();
      const earlier = jest.fn();
      const ack = jest.fn();
      rejectionOf(guard, fakeContext(socket, [socket, earlier, { text: 'hi' }, ack]).context);
      expect(ack).toHaveBeenCalledTimes(1);
      expect(earlier).not.toHaveBeenCalled();
    });

    it('an event without an ack is refused without calling anything', () => {
      const socket = socketWithSession();
      const exception = rejectionOf(guard, fakeContext(socket, [socket, { text: 'hi' }]).context);
      expect(exception.getError()).toEqual(expectedPayload(JwtSocketErrorCode.CREDENTIALS_REQUIRED));
    });

    it('the client at index 0 is never taken for an ack, even if it is callable', () => {
      const callableClient = Object.assign(jest.fn(), fakeSocket()) as unknown as Socket;
      createSession(callableClient);
      rejectionOf(guard, fakeContext(callableClient, [callableClient]).context);
      expect(callableClient as unknown as jest.Mock).not.toHaveBeenCalled();
    });

    it('is not called when the event is let through', () => {
      const socket = socketWithSession({ authenticated: true, claims: { sub: 'alice' } });
      const ack = jest.fn();
      expect(guard.canActivate(fakeContext(socket, [socket, {}, ack]).context)).toBe(true);
      expect(ack).not.toHaveBeenCalled();
    });
  });

  describe('session states', () => {
    it('a pending session (not authenticated yet) is credentials_required', () => {
      const socket = socketWithSession();
      const ack = jest.fn();
      const exception = rejectionOf(guard, fakeContext(socket, [socket, {}, ack]).context);
      const payload = expectedPayload(JwtSocketErrorCode.CREDENTIALS_REQUIRED);
      expect(exception.getError()).toEqual(payload);
      expect(ack).toHaveBeenCalledWith(payload);
    });

    it('a session whose first authentication is still running is credentials_required', () => {
      const socket = socketWithSession({ verifying: true });
      expect(rejectionOf(guard, fakeContext(socket).context).getError()).toEqual(
        expectedPayload(JwtSocketErrorCode.CREDENTIALS_REQUIRED),
      );
    });

    it('an authenticated session without expiresAt passes', () => {
      const socket = socketWithSession({ authenticated: true, claims: { sub: 'alice' } });
      expect(guard.canActivate(fakeContext(socket).context)).toBe(true);
    });

    it('an authenticated session whose expiresAt is in the future passes', () => {
      const socket = socketWithSession({ authenticated: true, expiresAt: Date.now() + 60_000 });
      expect(guard.canActivate(fakeContext(socket).context)).toBe(true);
    });

    it('an authenticated session being refreshed still passes', () => {
      const socket = socketWithSession({ authenticated: true, verifying: true, expiresAt: Date.now() + 60_000 });
      expect(guard.canActivate(fakeContext(socket).context)).toBe(true);
    });

    it('an expiresAt in the past is token_expired, though the expiry timer has not fired yet', () => {
      const socket = socketWithSession({ authenticated: true, expiresAt: Date.now() - 1 });
      const ack = jest.fn();
      const exception = rejectionOf(guard, fakeContext(socket, [socket, {}, ack]).context);
      const payload = expectedPayload(JwtSocketErrorCode.TOKEN_EXPIRED);
      expect(exception.getError()).toEqual(payload);
      expect(ack).toHaveBeenCalledWith(payload);
    });

    it('expiresAt is exclusive: at that very millisecond the token is expired', () => {
      jest.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
      const socket = socketWithSession({ authenticated: true, expiresAt: 1_700_000_000_000 });
      expect(rejectionOf(guard, fakeContext(socket).context).getError()).toEqual(
        expectedPayload(JwtSocketErrorCode.TOKEN_EXPIRED),
      );
      jest.spyOn(Date, 'now').mockReturnValue(1_699_999_999_999);
      expect(guard.canActivate(fakeContext(socket).context)).toBe(true);
    });

    it('a closing session is refused with the error it was closed with (token_revoked)', () => {
      const socket = socketWithSession({ closing: new UnauthorizedError(JwtSocketErrorCode.TOKEN_REVOKED) });
      const ack = jest.fn();
      const exception = rejectionOf(guard, fakeContext(socket, [socket, {}, ack]).context);
      const payload = expectedPayload(JwtSocketErrorCode.TOKEN_REVOKED);
      expect(exception.getError()).toEqual(payload);
      expect(ack).toHaveBeenCalledWith(payload);
    });

    it('closing wins over a session still marked authenticated and unexpired', () => {
      const socket = socketWithSession({
        authenticated: true,
        expiresAt: Date.now() + 60_000,
        closing: new UnauthorizedError(JwtSocketErrorCode.TOKEN_REVOKED, 'Revoked by an admin'),
      });
      expect(rejectionOf(guard, fakeContext(socket).context).getError()).toEqual(
        expectedPayload(JwtSocketErrorCode.TOKEN_REVOKED, 'Revoked by an admin'),
      );
    });

    it('closing wins over an expired session too', () => {
      const socket = socketWithSession({
        authenticated: true,
        expiresAt: Date.now() - 1000,
        closing: new UnauthorizedError(JwtSocketErrorCode.AUTHENTICATION_REJECTED),
      });
      expect(rejectionOf(guard, fakeContext(socket).context).getError()).toEqual(
        expectedPayload(JwtSocketErrorCode.AUTHENTICATION_REJECTED),
      );
    });
  });

  describe('a subclass', () => {
    class AdminsOnlyGuard extends JwtSocketGuard {
      readonly seen: Socket[] = [];
      protected findRejection(socket: Socket): UnauthorizedError | undefined {
        this.seen.push(socket);
        const rejection = super.findRejection(socket);
        if (rejection) return rejection;
        const role = (socket as unknown as { role?: string }).role;
        return role === 'admin'
          ? undefined
          : new UnauthorizedError(JwtSocketErrorCode.AUTHENTICATION_REJECTED, 'Admins only');
      }
    }

    function authenticatedSocket(role: string): Socket {
      const socket = socketWithSession({ authenticated: true, claims: { sub: 'alice' } });
      return Object.assign(socket, { role });
    }

    it('adds a check by overriding findRejection: its rejection is thrown and sent to the ack', () => {
      const admins = new AdminsOnlyGuard();
      const socket = authenticatedSocket('user');
      const ack = jest.fn();
      const exception = rejectionOf(admins, fakeContext(socket, [socket, {}, ack]).context);
      const payload = expectedPayload(JwtSocketErrorCode.AUTHENTICATION_REJECTED, 'Admins only');
      expect(exception.getError()).toEqual(payload);
      expect(ack).toHaveBeenCalledWith(payload);
      expect(admins.seen).toEqual([socket]);
    });

    it('lets through what both checks accept', () => {
      expect(new AdminsOnlyGuard().canActivate(fakeContext(authenticatedSocket('admin')).context)).toBe(true);
    });

    it('keeps the base checks', () => {
      const socket = Object.assign(socketWithSession({ authenticated: true, expiresAt: Date.now() - 1 }), {
        role: 'admin',
      });
      expect(rejectionOf(new AdminsOnlyGuard(), fakeContext(socket).context).getError()).toEqual(
        expectedPayload(JwtSocketErrorCode.TOKEN_EXPIRED),
      );
    });

    it('is not consulted outside a ws context', () => {
      const admins = new AdminsOnlyGuard();
      expect(admins.canActivate(fakeContext(fakeSocket(), [], 'http').context)).toBe(true);
      expect(admins.seen).toHaveLength(0);
    });
  });
});
