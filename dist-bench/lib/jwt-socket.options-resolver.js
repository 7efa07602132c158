"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.resolveJwtSocketOptions = resolveJwtSocketOptions;
const jwt_socket_constants_1 = require("./jwt-socket.constants");
const jwt_socket_jwks_options_1 = require("./jwt-socket.jwks-options");
const jwt_socket_key_1 = require("./jwt-socket.key");
const EXPIRED_TOKEN_ACTIONS = ['disconnect', 'reject-events', 'ignore'];
/** Applies the defaults and fails loudly on a misconfiguration, at bootstrap. */
function resolveJwtSocketOptions(options) {
    if (!options || typeof options !== 'object') {
        throw new Error('JwtSocketModule: options are required');
    }
    const resolved = {
        ...options,
        handshake: options.handshake ?? true,
        tokenFromQuery: options.tokenFromQuery ?? false,
        timeout: options.timeout ?? jwt_socket_constants_1.DEFAULT_EVENT_MODE_TIMEOUT_MS,
        callback: options.callback ?? false,
        secretTimeout: options.secretTimeout ?? jwt_socket_constants_1.DEFAULT_SECRET_TIMEOUT_MS,
        maxTokenLength: options.maxTokenLength ?? jwt_socket_constants_1.DEFAULT_MAX_TOKEN_LENGTH,
        clockTolerance: options.clockTolerance ?? 0,
        decodedPropertyName: options.decodedPropertyName ?? jwt_socket_constants_1.DEFAULT_DECODED_PROPERTY_NAME,
        userPropertyName: options.userPropertyName ?? jwt_socket_constants_1.DEFAULT_USER_PROPERTY_NAME,
        expiredTokenAction: options.expiredTokenAction ?? 'disconnect',
        disconnectOnRefreshFailure: options.disconnectOnRefreshFailure ?? false,
        allowSubjectChange: options.allowSubjectChange ?? false,
        stripHandshakeToken: options.stripHandshakeToken ?? true,
    };
    if (resolved.algorithms !== undefined)
        (0, jwt_socket_key_1.assertAlgorithmsAllowed)(resolved.algorithms);
    (0, jwt_socket_jwks_options_1.assertKeySourceOptions)(resolved);
    assertNonNegative('timeout', resolved.timeout);
    assertPositive('secretTimeout', resolved.secretTimeout);
    assertPositive('maxTokenLength', resolved.maxTokenLength);
    assertNonNegative('clockTolerance', resolved.clockTolerance);
    if (resolved.callback !== false)
        assertNonNegative('callback', resolved.callback);
    if (!EXPIRED_TOKEN_ACTIONS.includes(resolved.expiredTokenAction)) {
        throw new Error(`JwtSocketModule: \`expiredTokenAction\` must be one of ${EXPIRED_TOKEN_ACTIONS.join(', ')}`);
    }
    assertPropertyName('decodedPropertyName', resolved.decodedPropertyName);
    assertPropertyName('userPropertyName', resolved.userPropertyName);
    if (resolved.onAuthenticated !== undefined && typeof resolved.onAuthenticated !== 'function') {
        throw new Error('JwtSocketModule: `onAuthenticated` must be a function');
    }
    return resolved;
}
function assertNonNegative(name, value) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new Error(`JwtSocketModule: \`${name}\` must be a non-negative number`);
    }
}
function assertPositive(name, value) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
        throw new Error(`JwtSocketModule: \`${name}\` must be a positive number`);
    }
}
function assertPropertyName(name, value) {
    if (typeof value !== 'string' || value.length === 0) {
        throw new Error(`JwtSocketModule: \`${name}\` must be a non-empty string`);
    }
}
