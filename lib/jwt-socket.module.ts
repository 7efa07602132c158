import { Module } from '@nestjs/common';
import { JwtSocketGuard } from './jwt-socket.guard';
import { ConfigurableModuleClass, JWT_SOCKET_MODULE_OPTIONS } from './jwt-socket.module-definition';
import { JWT_SOCKET_RESOLVED_OPTIONS } from './options/resolved-options-token';
import { resolveJwtSocketOptions } from './options/resolve-options';
import { JwtSocketAdapterCheck } from './socket/adapter-check';
import { AuthenticationsInFlight } from './socket/authentications-in-flight';
import { JwtSocketRevoker } from './socket/revoker';
import { JwtSocketServers } from './socket/server-registry';
import { JwtSocketSessions } from './socket/session-lifecycle';
import { SocketAuthenticator } from './socket/socket-authenticator';
import { TokenVerifier } from './verification/token-verifier';

/**
 * `JwtSocketModule.forRoot({ secret })` or `forRootAsync({ imports, inject, useFactory })`, then
 * `app.useWebSocketAdapter(new JwtSocketIoAdapter(app))` and `@UseGuards(JwtSocketGuard)`.
 * Exports what an app injects: the guard, the revoker and the options (`@InjectJwtSocketOptions()`).
 *
 * @property forRoot Registers the module with its options and extras: `forRoot({ secret, isGlobal: true })`.
 * @property forRootAsync The options from `useFactory` (with `imports`, `inject`), `useClass` (a
 *   `JwtSocketOptionsFactory`) or `useExisting`; the extras beside them.
 */
@Module({
  providers: [
    { provide: JWT_SOCKET_RESOLVED_OPTIONS, useFactory: resolveJwtSocketOptions, inject: [JWT_SOCKET_MODULE_OPTIONS] },
    TokenVerifier,
    AuthenticationsInFlight,
    SocketAuthenticator,
    JwtSocketSessions,
    JwtSocketServers,
    JwtSocketGuard,
    JwtSocketRevoker,
    JwtSocketAdapterCheck,
  ],
  exports: [JWT_SOCKET_RESOLVED_OPTIONS, JwtSocketGuard, JwtSocketRevoker],
})
export class JwtSocketModule extends ConfigurableModuleClass {}
