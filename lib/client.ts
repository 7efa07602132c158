/**
 * `nestjs-socketio-jwt/client`: what a browser or Node client needs, with no Nest or server dependency.
 */
export { JwtSocketErrorCode, JWT_SOCKET_ERROR_MESSAGES } from './jwt-socket.error-codes';
export { JwtSocketEvent } from './jwt-socket.events';
export { UnauthorizedError, isUnauthorizedError, UNAUTHORIZED_ERROR_TYPE } from './jwt-socket.error';
export type { UnauthorizedErrorData, UnauthorizedPayload } from './jwt-socket.error';
export { authenticateSocket } from './jwt-socket.client-authenticate';
export type { AuthenticatingSocket } from './jwt-socket.client-authenticate';
