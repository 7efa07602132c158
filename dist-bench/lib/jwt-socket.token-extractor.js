"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.extractHandshakeToken = extractHandshakeToken;
exports.normalizeToken = normalizeToken;
exports.stripTokenFromHandshake = stripTokenFromHandshake;
const jwt_socket_error_1 = require("./jwt-socket.error");
const jwt_socket_error_codes_1 = require("./jwt-socket.error-codes");
const BEARER_PREFIX = /^bearer\s+/i;
const AUTHORIZATION_HEADER = /^(\S+)\s+(\S+)\s*$/;
/**
 * Reads the token from, in order: `auth.token`, the `Authorization` header, and `?token=` when
 * `fromQuery` is set. Returns what was sent, unchecked: `normalizeToken` validates it.
 */
function extractHandshakeToken(handshake, fromQuery) {
    const auth = handshake.auth;
    if (auth && auth.token !== undefined)
        return auth.token;
    const header = handshake.headers?.authorization;
    if (header !== undefined)
        return tokenFromAuthorizationHeader(header);
    if (fromQuery && handshake.query?.token !== undefined)
        return handshake.query.token;
    return undefined;
}
function tokenFromAuthorizationHeader(header) {
    const match = typeof header === 'string' ? AUTHORIZATION_HEADER.exec(header) : null;
    if (!match || match[1].toLowerCase() !== 'bearer') {
        throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.CREDENTIALS_BAD_FORMAT, 'Format is Authorization: Bearer [token]');
    }
    return match[2];
}
/** Validates what a client sent as a token and strips an optional `Bearer ` prefix. */
function normalizeToken(value, maxLength) {
    if (value === undefined || value === null) {
        throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.CREDENTIALS_REQUIRED);
    }
    if (typeof value !== 'string') {
        throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.CREDENTIALS_BAD_FORMAT, 'The token must be a string');
    }
    if (value.length > maxLength) {
        throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.CREDENTIALS_BAD_FORMAT, `The token is longer than ${maxLength} characters`);
    }
    const token = value.replace(BEARER_PREFIX, '').trim();
    if (token.length === 0)
        throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.CREDENTIALS_REQUIRED);
    return token;
}
/** A copy of the handshake without the token, since `fetchSockets()` ships the handshake to every node. */
function stripTokenFromHandshake(socketHandshake) {
    const handshake = socketHandshake;
    if (handshake.auth && 'token' in handshake.auth) {
        const { token: _token, ...auth } = handshake.auth;
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
function withoutTokenParameter(url) {
    if (!url)
        return url;
    const [path, search = ''] = url.split('?', 2);
    const params = new URLSearchParams(search);
    params.delete('token');
    const rest = params.toString();
    return rest ? `${path}?${rest}` : path;
}
