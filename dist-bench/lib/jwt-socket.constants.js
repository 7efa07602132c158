"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.REVOKE_EVENT = exports.TOKEN_ID_ROOM_PREFIX = exports.SUBJECT_ROOM_PREFIX = exports.DEFAULT_MAX_TOKEN_LENGTH = exports.DEFAULT_SECRET_TIMEOUT_MS = exports.DEFAULT_EVENT_MODE_TIMEOUT_MS = exports.DEFAULT_USER_PROPERTY_NAME = exports.DEFAULT_DECODED_PROPERTY_NAME = exports.JWT_SOCKET_RESOLVED_OPTIONS = void 0;
/** Injection token of the resolved options (every default applied). */
exports.JWT_SOCKET_RESOLVED_OPTIONS = Symbol('JWT_SOCKET_RESOLVED_OPTIONS');
exports.DEFAULT_DECODED_PROPERTY_NAME = 'decoded_token';
exports.DEFAULT_USER_PROPERTY_NAME = 'user';
exports.DEFAULT_EVENT_MODE_TIMEOUT_MS = 5000;
exports.DEFAULT_SECRET_TIMEOUT_MS = 5000;
exports.DEFAULT_MAX_TOKEN_LENGTH = 16384;
/** Rooms every authenticated socket joins, so revocation reaches it through any adapter. */
exports.SUBJECT_ROOM_PREFIX = 'nestjs-socketio-jwt:sub:';
exports.TOKEN_ID_ROOM_PREFIX = 'nestjs-socketio-jwt:jti:';
/** `serverSideEmit` event that carries a revocation to the other nodes of a cluster. */
exports.REVOKE_EVENT = 'nestjs-socketio-jwt:revoke';
