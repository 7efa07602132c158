import type { KeyObject } from 'node:crypto';
import type { SecretAnswer, SecretContext } from '../options/module-options';

/**
 * Chooses the key that verifies a token. Replace it with your own injectable class
 * (`JwtSocketModule.forRoot({ secretProvider: TenantSecrets })`) for per-tenant keys.
 * Throw an `UnauthorizedError` to refuse a token with a code of your choice; any other
 * failure, an empty answer or no answer within `secretTimeout` is `secret_unavailable`.
 *
 * Return `{ key, algorithms }` (a `VerificationKey`) to pin the algorithms of that key: a token
 * whose `alg` is not among them is refused with `invalid_token`. A plain key accepts the algorithms
 * of its type (intersected with `options.algorithms`). Prefer `KeyObject`s (or the same strings,
 * which are cached): a `Buffer` is parsed again on every token.
 */
export abstract class SecretProvider {
  /**
   * The key for one token, from its unverified `header` and `payload` and the handshake. Throw an
   * `UnauthorizedError` to refuse with its code; any other throw becomes `secret_unavailable`.
   */
  abstract getSecret(context: SecretContext): SecretAnswer | Promise<SecretAnswer>;

  /**
   * The key when it never depends on the token, so its algorithms can be checked at bootstrap.
   * Providers that pick keys per token leave it undefined.
   */
  getStaticKey?(): KeyObject | undefined;
}
