export { JwtSocketModule } from './jwt-socket.module';
export { JWT_SOCKET_MODULE_OPTIONS } from './jwt-socket.module-definition';
export type { JwtSocketModuleExtras } from './jwt-socket.module-definition';
export { JwtSocketIoAdapter } from './jwt-socket.io-adapter';
export { JwtSocketGuard } from './jwt-socket.guard';
export { DecodedToken, EncodedToken } from './jwt-socket.decorators';
export { SecretProvider } from './jwt-socket.secret-provider';
export { JwksSecretProvider } from './jwt-socket.jwks-secret-provider';
export { JwksKeySet } from './jwt-socket.jwks-key-set';
export type { IssuerKeySource, IssuerStaticKey, JwksOptions } from './jwt-socket.jwks-options';
export { isVerificationKey } from './jwt-socket.verification-key';
export type { JwtSocketAlgorithm, VerificationKey } from './jwt-socket.verification-key';
export { RevocationCheck } from './jwt-socket.revocation-check';
export { JwtSocketRevoker } from './jwt-socket.revoker';
export { JwtSocketAuthenticator } from './jwt-socket.authenticator';
export type { VerifiedToken } from './jwt-socket.authenticator';
export { getDecodedToken, getEncodedToken, isSocketAuthenticated } from './jwt-socket.session';
export {
  JWT_SOCKET_RESOLVED_OPTIONS,
  REVOKE_EVENT,
  SUBJECT_ROOM_PREFIX,
  TOKEN_ID_ROOM_PREFIX,
} from './jwt-socket.constants';
export type {
  AuthenticatedContext,
  ExpiredTokenAction,
  JwtSocketHandshake,
  JwtSocketModuleOptions,
  LegacySecretCallback,
  LegacySecretCallbackWithHeader,
  OnAuthenticatedHook,
  SecretAnswer,
  SecretContext,
  SecretFunction,
  SecretKey,
  SecretOption,
} from './jwt-socket.options';
export * from './client';
