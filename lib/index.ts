export { JwtSocketModule } from './jwt-socket.module';
export { JWT_SOCKET_MODULE_OPTIONS } from './jwt-socket.module-definition';
export type { JwtSocketModuleExtras } from './jwt-socket.module-definition';
export { JwtSocketIoAdapter } from './socket/io-adapter';
export { JwtSocketGuard } from './jwt-socket.guard';
export { DecodedToken, EncodedToken } from './jwt-socket.decorators';
export { SecretProvider } from './verification/secret-provider';
export { JwksSecretProvider } from './jwks/secret-provider';
export { JwksKeySet } from './jwks/key-set';
export type { IssuerKeySource, IssuerStaticKey, JwksOptions } from './jwks/options';
export { isVerificationKey } from './verification/verification-key';
export type { JwtSocketAlgorithm, VerificationKey } from './verification/verification-key';
export { RevocationCheck } from './verification/revocation-check';
export { JwtSocketRevoker } from './socket/revoker';
export { TokenVerifier } from './verification/token-verifier';
export type { VerifiedToken } from './verification/token-verifier';
export { getDecodedToken, getEncodedToken, isSocketAuthenticated } from './socket/session-state';
export {
  JWT_SOCKET_RESOLVED_OPTIONS,
  REVOKE_EVENT,
  SUBJECT_ROOM_PREFIX,
  TOKEN_ID_ROOM_PREFIX,
} from './options/constants';
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
} from './options/module-options';
export * from './client';
