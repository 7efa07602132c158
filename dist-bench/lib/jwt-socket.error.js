"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.UnauthorizedError = exports.UNAUTHORIZED_ERROR_TYPE = void 0;
exports.isUnauthorizedError = isUnauthorizedError;
const jwt_socket_error_codes_1 = require("./jwt-socket.error-codes");
exports.UNAUTHORIZED_ERROR_TYPE = 'UnauthorizedError';
/**
 * The one error type the library rejects with. socket.io forwards `message` and `data` of a
 * middleware error to the client's `connect_error`.
 */
class UnauthorizedError extends Error {
    code;
    type = exports.UNAUTHORIZED_ERROR_TYPE;
    data;
    constructor(code, message = jwt_socket_error_codes_1.JWT_SOCKET_ERROR_MESSAGES[code] ?? 'Unauthorized') {
        super(message);
        this.code = code;
        this.name = exports.UNAUTHORIZED_ERROR_TYPE;
        this.data = { type: exports.UNAUTHORIZED_ERROR_TYPE, code, message };
    }
    toJSON() {
        return { message: this.message, data: this.data };
    }
}
exports.UnauthorizedError = UnauthorizedError;
/**
 * True for an `UnauthorizedError`, for a client's `connect_error` carrying one, and for the
 * payload of `unauthorized` or a guard's `exception`.
 */
function isUnauthorizedError(value) {
    if (value instanceof UnauthorizedError)
        return true;
    if (typeof value !== 'object' || value === null)
        return false;
    const data = value.data;
    return (typeof data === 'object' &&
        data !== null &&
        data.type === exports.UNAUTHORIZED_ERROR_TYPE &&
        typeof data.code === 'string');
}
