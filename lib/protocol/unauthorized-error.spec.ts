import { JWT_SOCKET_ERROR_MESSAGES, JwtSocketErrorCode } from './error-codes';
import { isUnauthorizedError, UnauthorizedError } from './unauthorized-error';

describe('UnauthorizedError', () => {
  it('carries its code, the default message and the wire data', () => {
    const error = new UnauthorizedError(JwtSocketErrorCode.TOKEN_EXPIRED);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('UnauthorizedError');
    expect(error.code).toBe('token_expired');
    expect(error.message).toBe(JWT_SOCKET_ERROR_MESSAGES.token_expired);
    expect(error.data).toEqual({ type: 'UnauthorizedError', code: 'token_expired', message: 'The token has expired' });
  });

  it('uses a custom message in both message and data', () => {
    const error = new UnauthorizedError(JwtSocketErrorCode.INVALID_TOKEN, 'Unknown tenant');
    expect(error.message).toBe('Unknown tenant');
    expect(error.data.message).toBe('Unknown tenant');
  });

  it('serializes to { message, data } as the predecessors sent it', () => {
    const error = new UnauthorizedError(JwtSocketErrorCode.CREDENTIALS_REQUIRED);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      message: 'No authorization token was found',
      data: { type: 'UnauthorizedError', code: 'credentials_required', message: 'No authorization token was found' },
    });
  });

  it('has a default message for every code', () => {
    for (const code of Object.values(JwtSocketErrorCode)) {
      expect(new UnauthorizedError(code).message).toEqual(expect.any(String));
      expect(new UnauthorizedError(code).message.length).toBeGreaterThan(0);
    }
  });
});

describe('isUnauthorizedError', () => {
  it('recognises an UnauthorizedError', () => {
    expect(isUnauthorizedError(new UnauthorizedError(JwtSocketErrorCode.INVALID_TOKEN))).toBe(true);
  });

  it("recognises a client's connect_error carrying one", () => {
    const connectError = Object.assign(new Error('The token has expired'), {
      data: { type: 'UnauthorizedError', code: 'token_expired', message: 'The token has expired' },
    });
    expect(isUnauthorizedError(connectError)).toBe(true);
  });

  it('recognises the payload of unauthorized (after a JSON round trip)', () => {
    const payload = JSON.parse(JSON.stringify(new UnauthorizedError(JwtSocketErrorCode.TOKEN_REVOKED)));
    expect(isUnauthorizedError(payload)).toBe(true);
  });

  it("recognises a guard's exception payload", () => {
    const exception = { status: 'error', ...new UnauthorizedError(JwtSocketErrorCode.CREDENTIALS_REQUIRED).toJSON() };
    expect(isUnauthorizedError(exception)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'UnauthorizedError'],
    ['a number', 401],
    ['a plain Error', new Error('xhr poll error')],
    ['a transport connect_error', Object.assign(new Error('websocket error'), { type: 'TransportError' })],
    ['an object without data', { message: 'nope' }],
    ['data null', { data: null }],
    ['data of another type', { data: { type: 'ForbiddenError', code: 'x' } }],
    ['data without a code', { data: { type: 'UnauthorizedError' } }],
    ['data with a numeric code', { data: { type: 'UnauthorizedError', code: 401 } }],
    ['an array', [{ data: { type: 'UnauthorizedError', code: 'x' } }]],
  ])('rejects %s', (_label, value) => {
    expect(isUnauthorizedError(value)).toBe(false);
  });
});
