"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __exportStar = (this && this.__exportStar) || function(m, exports) {
    for (var p in m) if (p !== "default" && !Object.prototype.hasOwnProperty.call(exports, p)) __createBinding(exports, m, p);
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.TOKEN_ID_ROOM_PREFIX = exports.SUBJECT_ROOM_PREFIX = exports.REVOKE_EVENT = exports.JWT_SOCKET_RESOLVED_OPTIONS = exports.isSocketAuthenticated = exports.getEncodedToken = exports.getDecodedToken = exports.JwtSocketAuthenticator = exports.JwtSocketRevoker = exports.RevocationCheck = exports.isVerificationKey = exports.JwksKeySet = exports.JwksSecretProvider = exports.SecretProvider = exports.EncodedToken = exports.DecodedToken = exports.JwtSocketGuard = exports.JwtSocketIoAdapter = exports.JWT_SOCKET_MODULE_OPTIONS = exports.JwtSocketModule = void 0;
var jwt_socket_module_1 = require("./jwt-socket.module");
Object.defineProperty(exports, "JwtSocketModule", { enumerable: true, get: function () { return jwt_socket_module_1.JwtSocketModule; } });
var jwt_socket_module_definition_1 = require("./jwt-socket.module-definition");
Object.defineProperty(exports, "JWT_SOCKET_MODULE_OPTIONS", { enumerable: true, get: function () { return jwt_socket_module_definition_1.JWT_SOCKET_MODULE_OPTIONS; } });
var jwt_socket_io_adapter_1 = require("./jwt-socket.io-adapter");
Object.defineProperty(exports, "JwtSocketIoAdapter", { enumerable: true, get: function () { return jwt_socket_io_adapter_1.JwtSocketIoAdapter; } });
var jwt_socket_guard_1 = require("./jwt-socket.guard");
Object.defineProperty(exports, "JwtSocketGuard", { enumerable: true, get: function () { return jwt_socket_guard_1.JwtSocketGuard; } });
var jwt_socket_decorators_1 = require("./jwt-socket.decorators");
Object.defineProperty(exports, "DecodedToken", { enumerable: true, get: function () { return jwt_socket_decorators_1.DecodedToken; } });
Object.defineProperty(exports, "EncodedToken", { enumerable: true, get: function () { return jwt_socket_decorators_1.EncodedToken; } });
var jwt_socket_secret_provider_1 = require("./jwt-socket.secret-provider");
Object.defineProperty(exports, "SecretProvider", { enumerable: true, get: function () { return jwt_socket_secret_provider_1.SecretProvider; } });
var jwt_socket_jwks_secret_provider_1 = require("./jwt-socket.jwks-secret-provider");
Object.defineProperty(exports, "JwksSecretProvider", { enumerable: true, get: function () { return jwt_socket_jwks_secret_provider_1.JwksSecretProvider; } });
var jwt_socket_jwks_key_set_1 = require("./jwt-socket.jwks-key-set");
Object.defineProperty(exports, "JwksKeySet", { enumerable: true, get: function () { return jwt_socket_jwks_key_set_1.JwksKeySet; } });
var jwt_socket_verification_key_1 = require("./jwt-socket.verification-key");
Object.defineProperty(exports, "isVerificationKey", { enumerable: true, get: function () { return jwt_socket_verification_key_1.isVerificationKey; } });
var jwt_socket_revocation_check_1 = require("./jwt-socket.revocation-check");
Object.defineProperty(exports, "RevocationCheck", { enumerable: true, get: function () { return jwt_socket_revocation_check_1.RevocationCheck; } });
var jwt_socket_revoker_1 = require("./jwt-socket.revoker");
Object.defineProperty(exports, "JwtSocketRevoker", { enumerable: true, get: function () { return jwt_socket_revoker_1.JwtSocketRevoker; } });
var jwt_socket_authenticator_1 = require("./jwt-socket.authenticator");
Object.defineProperty(exports, "JwtSocketAuthenticator", { enumerable: true, get: function () { return jwt_socket_authenticator_1.JwtSocketAuthenticator; } });
var jwt_socket_session_1 = require("./jwt-socket.session");
Object.defineProperty(exports, "getDecodedToken", { enumerable: true, get: function () { return jwt_socket_session_1.getDecodedToken; } });
Object.defineProperty(exports, "getEncodedToken", { enumerable: true, get: function () { return jwt_socket_session_1.getEncodedToken; } });
Object.defineProperty(exports, "isSocketAuthenticated", { enumerable: true, get: function () { return jwt_socket_session_1.isSocketAuthenticated; } });
var jwt_socket_constants_1 = require("./jwt-socket.constants");
Object.defineProperty(exports, "JWT_SOCKET_RESOLVED_OPTIONS", { enumerable: true, get: function () { return jwt_socket_constants_1.JWT_SOCKET_RESOLVED_OPTIONS; } });
Object.defineProperty(exports, "REVOKE_EVENT", { enumerable: true, get: function () { return jwt_socket_constants_1.REVOKE_EVENT; } });
Object.defineProperty(exports, "SUBJECT_ROOM_PREFIX", { enumerable: true, get: function () { return jwt_socket_constants_1.SUBJECT_ROOM_PREFIX; } });
Object.defineProperty(exports, "TOKEN_ID_ROOM_PREFIX", { enumerable: true, get: function () { return jwt_socket_constants_1.TOKEN_ID_ROOM_PREFIX; } });
__exportStar(require("./client"), exports);
