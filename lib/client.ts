/**
 * `nestjs-socketio-jwt/client`: what a browser or Node client needs, with no Nest or server dependency.
 */
export { JwtSocketErrorCode, JWT_SOCKET_ERROR_MESSAGES } from './protocol/error-codes';
export { JwtSocketEvent } from './protocol/events';
export { UnauthorizedError, isUnauthorizedError, UNAUTHORIZED_ERROR_TYPE } from './protocol/unauthorized-error';
export type { UnauthorizedErrorData, UnauthorizedPayload } from './protocol/unauthorized-error';
export { authenticateSocket } from './protocol/authenticate-socket';
export type { AuthenticatingSocket } from './protocol/authenticate-socket';
