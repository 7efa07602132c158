/** `serverSideEmit` event that carries a revocation to the other nodes of a cluster (and from `@socket.io/redis-emitter`). */
export const REVOKE_EVENT = 'nestjs-socketio-jwt:revoke';
