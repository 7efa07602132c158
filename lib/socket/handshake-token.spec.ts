import type { JwtSocketHandshake } from '../options/module-options';
import { UnauthorizedError } from '../protocol/unauthorized-error';
import { normalizeToken } from '../verification/token-shape';
import { extractHandshakeToken, stripTokenFromHandshake } from './handshake-token';

function handshake(parts: {
  auth?: Record<string, unknown>;
  authorization?: string;
  query?: Record<string, string>;
  url?: string;
}): JwtSocketHandshake {
  const headers: Record<string, string> = { host: 'localhost' };
  if (parts.authorization !== undefined) headers.authorization = parts.authorization;
  return {
    auth: parts.auth ?? {},
    headers,
    query: parts.query ?? {},
    url: parts.url ?? '/socket.io/?EIO=4&transport=websocket',
  } as unknown as JwtSocketHandshake;
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof UnauthorizedError) return error.code;
    throw error;
  }
  return undefined;
}

describe('extractHandshakeToken', () => {
  it('returns auth.token as sent, unchecked', () => {
    expect(extractHandshakeToken(handshake({ auth: { token: 'a.b.c' } }), false)).toBe('a.b.c');
    expect(extractHandshakeToken(handshake({ auth: { token: 42 } }), false)).toBe(42);
    expect(extractHandshakeToken(handshake({ auth: { token: null } }), false)).toBeNull();
  });

  it('reads the Authorization header with a Bearer scheme in any case', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      expect(extractHandshakeToken(handshake({ authorization: `${scheme} a.b.c` }), false)).toBe('a.b.c');
    }
  });

  it.each(['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', 'a.b.c', ''])(
    'refuses the Authorization header %j with credentials_bad_format',
    (authorization) => {
      expect(codeOf(() => extractHandshakeToken(handshake({ authorization }), false))).toBe('credentials_bad_format');
    },
  );

  it('prefers auth.token over the header and the header over the query', () => {
    const all = handshake({
      auth: { token: 'from-auth' },
      authorization: 'Bearer from-header',
      query: { token: 'from-query' },
    });
    expect(extractHandshakeToken(all, true)).toBe('from-auth');
    const headerAndQuery = handshake({ authorization: 'Bearer from-header', query: { token: 'from-query' } });
    expect(extractHandshakeToken(headerAndQuery, true)).toBe('from-header');
  });

  it('reads ?token= only when fromQuery is set', () => {
    const queryOnly = handshake({ query: { token: 'from-query' } });
    expect(extractHandshakeToken(queryOnly, false)).toBeUndefined();
    expect(extractHandshakeToken(queryOnly, true)).toBe('from-query');
  });

  it('returns undefined when nothing was sent', () => {
    expect(extractHandshakeToken(handshake({}), true)).toBeUndefined();
  });
});

describe('normalizeToken', () => {
  it('returns a raw token unchanged and strips a Bearer prefix in any case', () => {
    expect(normalizeToken('a.b.c', 100)).toBe('a.b.c');
    expect(normalizeToken('Bearer a.b.c', 100)).toBe('a.b.c');
    expect(normalizeToken('bearer   a.b.c ', 100)).toBe('a.b.c');
    expect(normalizeToken('BEARER a.b.c', 100)).toBe('a.b.c');
  });

  it.each<[string, unknown, string]>([
    ['undefined', undefined, 'credentials_required'],
    ['null', null, 'credentials_required'],
    ['an empty string', '', 'credentials_required'],
    ['blanks', '   ', 'credentials_required'],
    ['"Bearer " alone', 'Bearer ', 'credentials_required'],
    ['a number', 123, 'credentials_bad_format'],
    ['an object', { token: 'a.b.c' }, 'credentials_bad_format'],
    ['an array', ['a.b.c'], 'credentials_bad_format'],
    ['a boolean', false, 'credentials_bad_format'],
  ])('refuses %s with %s', (_label, value, code) => {
    expect(codeOf(() => normalizeToken(value, 100))).toBe(code);
  });

  it('refuses a token longer than maxLength and accepts one of exactly maxLength', () => {
    expect(codeOf(() => normalizeToken('a'.repeat(11), 10))).toBe('credentials_bad_format');
    expect(normalizeToken('a'.repeat(10), 10)).toBe('a'.repeat(10));
  });
});

describe('stripTokenFromHandshake', () => {
  it('removes auth.token and keeps the other auth fields', () => {
    const value = handshake({ auth: { token: 'secret-token', client: 'web' } });
    stripTokenFromHandshake(value);
    expect(value.auth).toEqual({ client: 'web' });
  });

  it('removes the Authorization header and keeps the other headers', () => {
    const value = handshake({ authorization: 'Bearer secret-token' });
    stripTokenFromHandshake(value);
    expect(value.headers).toEqual({ host: 'localhost' });
  });

  it('removes ?token= from the query and from the url', () => {
    const value = handshake({
      query: { token: 'secret-token', room: 'lobby' },
      url: '/socket.io/?token=secret-token&room=lobby&EIO=4',
    });
    stripTokenFromHandshake(value);
    expect(value.query).toEqual({ room: 'lobby' });
    expect(value.url).toBe('/socket.io/?room=lobby&EIO=4');
  });

  it('drops the "?" when token was the only query parameter', () => {
    const value = handshake({ query: { token: 'secret-token' }, url: '/socket.io/?token=secret-token' });
    stripTokenFromHandshake(value);
    expect(value.url).toBe('/socket.io/');
  });

  it('leaves a handshake without a token as it was', () => {
    const value = handshake({ auth: { client: 'web' }, query: { room: 'lobby' }, url: '/socket.io/?room=lobby' });
    const before = JSON.stringify(value);
    stripTokenFromHandshake(value);
    expect(JSON.stringify(value)).toBe(before);
  });
});
