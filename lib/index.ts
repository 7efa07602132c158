/**
 * `nestjs-socketio-jwt`: every export is documented in the README's API section (a test keeps the
 * two equal). The client-safe part is re-exported from `./client`.
 */
// First: a missing peer (they are optional for the client entry's sake) fails here, by name.
import './peer-dependencies';
export { JwtSocketModule } from './jwt-socket.module';
export { JwtSocketConfigError } from './options/config-error';
export type { JwtSocketModuleExtras, JwtSocketOptionsFactory } from './jwt-socket.module-definition';
export { JwtSocketIoAdapter } from './socket/io-adapter';
export { JwtSocketGuard } from './jwt-socket.guard';
export { DecodedToken, EncodedToken, InjectJwtSocketOptions } from './jwt-socket.decorators';
export { getDecodedToken, getEncodedToken, isSocketAuthenticated } from './socket/session-state';
export { JwtSocketRevoker } from './socket/revoker';
export { REVOKE_EVENT } from './socket/revocation-event';
export { SUBJECT_ROOM_PREFIX, TOKEN_ID_ROOM_PREFIX } from './socket/identity-rooms';
export { SecretProvider } from './verification/secret-provider';
export { RevocationCheck } from './verification/revocation-check';
export { RedisRevocationStore } from './revocation-store/redis-revocation-store';
export type { RedisRevocationStoreOptions } from './revocation-store/store-options';
export type { RevocationRedis } from './revocation-store/revocation-redis';
export { fromNodeRedis } from './revocation-store/node-redis';
export { fromIoredis } from './revocation-store/ioredis';
export type { JwtSocketAlgorithm, VerificationKey } from './verification/verification-key';
export { JwksSecretProvider } from './jwks/secret-provider';
export { JwksKeySet } from './jwks/key-set';
export type { IssuerKeySource, IssuerStaticKey, JwksOptions } from './jwks/options';
export type {
  AuthenticatedContext,
  ExpiredTokenAction,
  JwtSocketHandshake,
  JwtSocketModuleOptions,
  LegacySecretCallback,
  LegacySecretCallbackWithHeader,
  OnAuthenticatedHook,
  ResolvedJwtSocketOptions,
  SecretAnswer,
  SecretContext,
  SecretFunction,
  SecretKey,
  SecretOption,
} from './options/module-options';
export * from './client';
