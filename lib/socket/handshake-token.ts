import { isJsonObject } from '../util/json-object';
import { UnauthorizedError } from '../protocol/unauthorized-error';
import { JwtSocketErrorCode } from '../protocol/error-codes';
import type { JwtSocketHandshake } from '../options/module-options';

const AUTHORIZATION_HEADER = /^(\S+)\s+(\S+)\s*$/;

/**
 * Reads the token from, in order: `auth.token`, the `Authorization` header, and `?token=` when
 * `fromQuery` is set. Returns what was sent, unchecked: `normalizeToken` validates it.
 */
export function extractHandshakeToken(handshake: JwtSocketHandshake, fromQuery: boolean): unknown {
  const auth = handshake.auth as Record<string, unknown> | undefined;
  if (auth && auth.token !== undefined) return auth.token;

  const header = handshake.headers?.authorization;
  if (header !== undefined) return tokenFromAuthorizationHeader(header);

  if (fromQuery && handshake.query?.token !== undefined) return handshake.query.token;
  return undefined;
}

function tokenFromAuthorizationHeader(header: unknown): string {
  const match = typeof header === 'string' ? AUTHORIZATION_HEADER.exec(header) : null;
  if (!match || match[1].toLowerCase() !== 'bearer') {
    throw new UnauthorizedError(JwtSocketErrorCode.CREDENTIALS_BAD_FORMAT, 'Format is Authorization: Bearer [token]');
  }
  return match[2];
}

/** A copy of the handshake without the token, since `fetchSockets()` ships the handshake to every node. */
export function stripTokenFromHandshake(socketHandshake: JwtSocketHandshake): void {
  const handshake = socketHandshake;
  if (handshake.auth && 'token' in handshake.auth) {
    const { token: _token, ...auth } = handshake.auth as Record<string, unknown>;
    handshake.auth = auth;
  }
  if (handshake.headers?.authorization !== undefined) {
    const { authorization: _authorization, ...headers } = handshake.headers;
    handshake.headers = headers;
  }
  if (handshake.query && 'token' in handshake.query) {
    const { token: _token, ...query } = handshake.query;
    handshake.query = query;
    handshake.url = withoutTokenParameter(handshake.url);
  }
}

function withoutTokenParameter(url: string): string {
  if (!url) return url;
  const [path, search = ''] = url.split('?', 2);
  const params = new URLSearchParams(search);
  params.delete('token');
  const rest = params.toString();
  return rest ? `${path}?${rest}` : path;
}

/** The token of an `authenticate { token }` message (event mode and in-band refresh). */
export function tokenOfAuthenticatePayload(payload: unknown): unknown {
  if (!isJsonObject(payload)) {
    throw new UnauthorizedError(JwtSocketErrorCode.CREDENTIALS_BAD_FORMAT, 'authenticate expects { token }');
  }
  return (payload as { token?: unknown }).token;
}
