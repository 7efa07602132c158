import type { KeyObject } from 'node:crypto';
import type { JwtHeader, JwtPayload } from 'jsonwebtoken';
import type { Socket } from 'socket.io';
import type { IssuerKeySource, JwksOptions } from '../jwks/options';
import type { JwtSocketAlgorithm, SecretKey, VerificationKey } from '../verification/verification-key';

export type { SecretKey };

/** The part of a socket.io handshake the library reads. */
export type JwtSocketHandshake = Socket['handshake'];

/** What a SecretProvider is given to choose a key. The payload is NOT verified yet. */
export interface SecretContext {
  header: JwtHeader;
  payload: JwtPayload;
  handshake: JwtSocketHandshake;
}

/** What a SecretProvider answers: a key, a key with its pinned algorithms, or nothing (`secret_unavailable`). */
export type SecretAnswer = SecretKey | VerificationKey | undefined;

/** `secret` as a function, the form `@thream/socketio-jwt` used. */
export type SecretFunction = (context: SecretContext) => SecretAnswer | Promise<SecretAnswer>;

/** `secret` as auth0's `socketio-jwt` callback: `(request, payload, cb)`. */
export type LegacySecretCallback = (
  request: JwtSocketHandshake,
  payload: JwtPayload,
  callback: (error: unknown, secret?: SecretKey) => void,
) => void;

/** `secret` as auth0's `socketio-jwt` callback with the header: `(request, header, payload, cb)`. */
export type LegacySecretCallbackWithHeader = (
  request: JwtSocketHandshake,
  header: JwtHeader,
  payload: JwtPayload,
  callback: (error: unknown, secret?: SecretKey) => void,
) => void;

/** The `secret` option: a static key, or one of the predecessors' function forms (told apart by arity). */
export type SecretOption = SecretKey | SecretFunction | LegacySecretCallback | LegacySecretCallbackWithHeader;

/** What the `onAuthenticated` hook receives once the signature and claims are verified. */
export interface AuthenticatedContext<TClaims extends JwtPayload = JwtPayload> {
  decoded: TClaims;
  socket: Socket;
  /** True when the socket was already authenticated and this is an in-band refresh. */
  isRefresh: boolean;
}

/**
 * Runs after verification. Return `false` (or throw) to reject the socket; return any other
 * value except `undefined`/`true` to store it as the socket's user (`socket.data[userPropertyName]`,
 * so keep it JSON-safe).
 */
export type OnAuthenticatedHook = (context: AuthenticatedContext) => unknown | Promise<unknown>;

/** The claims whose rooms (`SUBJECT_ROOM_PREFIX + sub`, `TOKEN_ID_ROOM_PREFIX + jti`) an authenticated socket joins. */
export type IdentityRoomClaim = 'sub' | 'jti';

/** What happens when the token of an open socket reaches `exp`. */
export type ExpiredTokenAction = 'disconnect' | 'reject-events' | 'ignore';

/** The options of `JwtSocketModule.forRoot(...)` / `forRootAsync(...)`; the README's options table lists each with its default. */
export interface JwtSocketModuleOptions {
  /** Static key (HMAC secret, PEM public key, KeyObject) or a function form of the predecessors. Not needed with `secretProvider`. */
  secret?: SecretOption;
  /** Accepted algorithms. Default: derived from the static key type (HS256/384/512 for a secret). `none` is refused. */
  algorithms?: JwtSocketAlgorithm[];
  /** Verify with the keys an identity provider publishes (JWKS), chosen by the token's `kid`. Excludes `secret` and `issuers`. */
  jwks?: JwksOptions;
  /**
   * Allow-list of token issuers (`iss`, matched exactly), each with its JWKS (`{ jwksUri }`) or a static
   * key (`{ key }`). A token from any other issuer is refused with `untrusted_issuer` before any network call.
   */
  issuers?: Record<string, IssuerKeySource>;
  audience?: string | RegExp | Array<string | RegExp>;
  issuer?: string | string[];
  subject?: string;
  /** Seconds of leeway for `exp` and `nbf`. Default 0. */
  clockTolerance?: number;
  /** Maximum token age from `iat`, seconds or a timespan like `'2h'`. */
  maxAge?: string | number;

  /** Authenticate in the handshake (default) or with an `authenticate` event after connecting. */
  handshake?: boolean;
  /** Also read `?token=` from the connection URL. Default false: URLs end up in logs. */
  tokenFromQuery?: boolean;
  /** Event mode: ms to wait for a valid `authenticate` before disconnecting. Default 5000; 0 waits forever. */
  timeout?: number;
  /** Every `unauthorized` that ends a socket (refusal, timeout, expiry, revocation): `false` disconnects at once; N waits for the client's ack or N ms. Default false. */
  callback?: false | number;
  /** Bound on a SecretProvider answer, ms. Default 5000. */
  secretTimeout?: number;
  /** Longest token accepted, in characters. Default 16384. */
  maxTokenLength?: number;

  /** Key of the verified claims in `socket.data`. Default `decoded_token`. */
  decodedPropertyName?: string;
  /** If set, the raw token is also exposed as `socket[encodedPropertyName]` (local to the node). */
  encodedPropertyName?: string;
  /** Key in `socket.data` of what `onAuthenticated` returns. Default `user`. */
  userPropertyName?: string;
  /** Post-verification hook: reject the socket or attach a user. */
  onAuthenticated?: OnAuthenticatedHook;

  /** What happens when the token of an open socket expires. Default `disconnect`. */
  expiredTokenAction?: ExpiredTokenAction;
  /** A refresh that fails disconnects the socket instead of keeping the old token. Default false. */
  disconnectOnRefreshFailure?: boolean;
  /** Allow a refresh token with another `sub` than the socket's. Default false. */
  allowSubjectChange?: boolean;
  /**
   * The identity rooms every authenticated socket joins, for `server.to(SUBJECT_ROOM_PREFIX + sub)`.
   * Default `['sub', 'jti']`. Revocation does not need them: `[]` saves one room per socket and identity,
   * which matters on adapters where each room costs a channel (the sharded Redis adapter).
   */
  identityRooms?: readonly IdentityRoomClaim[];
  /** Remove the token from `handshake.auth`, `handshake.headers` and `handshake.query` after verification. Default true. */
  stripHandshakeToken?: boolean;
}

/** Options with every default applied. */
export type ResolvedJwtSocketOptions = Required<
  Pick<
    JwtSocketModuleOptions,
    | 'handshake'
    | 'tokenFromQuery'
    | 'timeout'
    | 'callback'
    | 'secretTimeout'
    | 'maxTokenLength'
    | 'decodedPropertyName'
    | 'userPropertyName'
    | 'expiredTokenAction'
    | 'disconnectOnRefreshFailure'
    | 'allowSubjectChange'
    | 'stripHandshakeToken'
    | 'clockTolerance'
    | 'identityRooms'
  >
> &
  JwtSocketModuleOptions & {
    /** `maxAge` in seconds, parsed once at bootstrap. */
    maxAgeSeconds?: number;
    /** `secret` as key material, parsed and checked once at bootstrap. */
    secretKey?: KeyObject;
    /** The static keys of `issuers`, parsed and checked once at bootstrap. */
    issuerStaticKeys?: ReadonlyMap<string, VerificationKey>;
  };
