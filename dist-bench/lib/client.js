"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.authenticateSocket = exports.UNAUTHORIZED_ERROR_TYPE = exports.isUnauthorizedError = exports.UnauthorizedError = exports.JwtSocketEvent = exports.JWT_SOCKET_ERROR_MESSAGES = exports.JwtSocketErrorCode = void 0;
/**
 * `nestjs-socketio-jwt/client`: what a browser or Node client needs, with no Nest or server dependency.
 */
var jwt_socket_error_codes_1 = require("./jwt-socket.error-codes");
Object.defineProperty(exports, "JwtSocketErrorCode", { enumerable: true, get: function () { return jwt_socket_error_codes_1.JwtSocketErrorCode; } });
Object.defineProperty(exports, "JWT_SOCKET_ERROR_MESSAGES", { enumerable: true, get: function () { return jwt_socket_error_codes_1.JWT_SOCKET_ERROR_MESSAGES; } });
var jwt_socket_events_1 = require("./jwt-socket.events");
Object.defineProperty(exports, "JwtSocketEvent", { enumerable: true, get: function () { return jwt_socket_events_1.JwtSocketEvent; } });
var jwt_socket_error_1 = require("./jwt-socket.error");
Object.defineProperty(exports, "UnauthorizedError", { enumerable: true, get: function () { return jwt_socket_error_1.UnauthorizedError; } });
Object.defineProperty(exports, "isUnauthorizedError", { enumerable: true, get: function () { return jwt_socket_error_1.isUnauthorizedError; } });
Object.defineProperty(exports, "UNAUTHORIZED_ERROR_TYPE", { enumerable: true, get: function () { return jwt_socket_error_1.UNAUTHORIZED_ERROR_TYPE; } });
var jwt_socket_client_authenticate_1 = require("./jwt-socket.client-authenticate");
Object.defineProperty(exports, "authenticateSocket", { enumerable: true, get: function () { return jwt_socket_client_authenticate_1.authenticateSocket; } });
