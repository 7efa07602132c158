/**
 * Every code a client can receive in `err.data.code` (handshake `connect_error`, event-mode
 * `unauthorized`, guard `exception`). Kept free of server dependencies: the client entry re-exports it.
 */
export const JwtSocketErrorCode = {
  /** No token was sent. */
  CREDENTIALS_REQUIRED: 'credentials_required',
  /** A token was sent in an unusable container: not a string, wrong Authorization scheme, too long, or an `authenticate` payload that is not an object. */
  CREDENTIALS_BAD_FORMAT: 'credentials_bad_format',
  /** The token is not a decodable JWT (segments, base64url or JSON). */
  MALFORMED_TOKEN: 'malformed_token',
  /** Signature, algorithm or key check failed. */
  INVALID_TOKEN: 'invalid_token',
  /** The token's `exp` (or `maxAge`) has passed. */
  TOKEN_EXPIRED: 'token_expired',
  /** The signature is valid but a claim is not: `aud`, `iss`, `sub`, `nbf`, or a claim of the wrong type. */
  INVALID_CLAIMS: 'invalid_claims',
  /** The `onAuthenticated` hook refused the socket. */
  AUTHENTICATION_REJECTED: 'authentication_rejected',
  /** The token was revoked (by `JwtSocketRevoker` or the revocation check). */
  TOKEN_REVOKED: 'token_revoked',
  /** A refresh token names another subject than the socket's. */
  SUBJECT_MISMATCH: 'subject_mismatch',
  /** The SecretProvider threw, timed out or returned no usable key. */
  SECRET_UNAVAILABLE: 'secret_unavailable',
  /** Event mode: no valid `authenticate` arrived within `timeout`. */
  AUTHENTICATION_TIMEOUT: 'authentication_timeout',
  /** Event mode: an `authenticate` arrived while the previous one was still being verified. */
  AUTHENTICATION_IN_PROGRESS: 'authentication_in_progress',
  /** The identity provider's key set (JWKS) could not be fetched: unreachable, timed out, an HTTP error, or not a key set. */
  JWKS_UNAVAILABLE: 'jwks_unavailable',
  /** The token's `kid` names no key of the issuer's key set, even after a refetch (or within the refetch cooldown). */
  UNKNOWN_KID: 'unknown_kid',
  /** With `issuers`: the token's `iss` is not in the allow-list. */
  UNTRUSTED_ISSUER: 'untrusted_issuer',
  /** The server cannot authenticate this socket: it was set up without `JwtSocketIoAdapter`. Not the token's fault. */
  AUTHENTICATION_UNAVAILABLE: 'authentication_unavailable',
} as const;

export type JwtSocketErrorCode = (typeof JwtSocketErrorCode)[keyof typeof JwtSocketErrorCode];

export const JWT_SOCKET_ERROR_MESSAGES: Readonly<Record<JwtSocketErrorCode, string>> = {
  credentials_required: 'No authorization token was found',
  credentials_bad_format: 'The authorization token has a bad format',
  malformed_token: 'The token is not a well-formed JWT',
  invalid_token: 'The token signature or algorithm is invalid',
  token_expired: 'The token has expired',
  invalid_claims: 'The token claims are invalid',
  authentication_rejected: 'Authentication was rejected',
  token_revoked: 'The token has been revoked',
  subject_mismatch: 'A refreshed token must keep the same subject',
  secret_unavailable: 'The verification key is unavailable',
  authentication_timeout: 'No valid authenticate message arrived in time',
  authentication_in_progress: 'An authentication is already in progress',
  jwks_unavailable: 'The signing keys of the token issuer are unavailable',
  unknown_kid: 'The token key id (kid) is unknown',
  untrusted_issuer: 'The token issuer is not trusted',
  authentication_unavailable: 'The server cannot authenticate sockets right now',
};
