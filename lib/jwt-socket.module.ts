import { Module } from '@nestjs/common';
import { JwtSocketAdapterCheck } from './socket/adapter-check';
import { JwtSocketAuthenticator } from './verification/token-verifier';
import { JWT_SOCKET_RESOLVED_OPTIONS } from './options/constants';
import { JwtSocketGuard } from './jwt-socket.guard';
import { ConfigurableModuleClass, JWT_SOCKET_MODULE_OPTIONS } from './jwt-socket.module-definition';
import { resolveJwtSocketOptions } from './options/resolve-options';
import { JwtSocketRevoker } from './socket/revoker';
import { JwtSocketSessions } from './socket/session-lifecycle';

/**
 * `JwtSocketModule.forRoot({ secret })` or `forRootAsync({ imports, inject, useFactory })`, then
 * `app.useWebSocketAdapter(new JwtSocketIoAdapter(app))` and `@UseGuards(JwtSocketGuard)`.
 */
@Module({
  providers: [
    { provide: JWT_SOCKET_RESOLVED_OPTIONS, useFactory: resolveJwtSocketOptions, inject: [JWT_SOCKET_MODULE_OPTIONS] },
    JwtSocketAuthenticator,
    JwtSocketSessions,
    JwtSocketGuard,
    JwtSocketRevoker,
    JwtSocketAdapterCheck,
  ],
  exports: [
    JWT_SOCKET_MODULE_OPTIONS,
    JWT_SOCKET_RESOLVED_OPTIONS,
    JwtSocketAuthenticator,
    JwtSocketSessions,
    JwtSocketGuard,
    JwtSocketRevoker,
  ],
})
export class JwtSocketModule extends ConfigurableModuleClass {}
