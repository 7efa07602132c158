/** Injection token of the resolved options (every default applied). */
export const JWT_SOCKET_RESOLVED_OPTIONS = Symbol('JWT_SOCKET_RESOLVED_OPTIONS');

export const DEFAULT_DECODED_PROPERTY_NAME = 'decoded_token';
export const DEFAULT_USER_PROPERTY_NAME = 'user';
export const DEFAULT_EVENT_MODE_TIMEOUT_MS = 5000;
export const DEFAULT_SECRET_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_TOKEN_LENGTH = 16384;
export const DEFAULT_IDENTITY_ROOMS = ['sub', 'jti'] as const;

/** Rooms every authenticated socket joins, so revocation reaches it through any adapter. */
export const SUBJECT_ROOM_PREFIX = 'nestjs-socketio-jwt:sub:';
export const TOKEN_ID_ROOM_PREFIX = 'nestjs-socketio-jwt:jti:';

/** `serverSideEmit` event that carries a revocation to the other nodes of a cluster. */
export const REVOKE_EVENT = 'nestjs-socketio-jwt:revoke';
