import type { KeyObject } from 'node:crypto';
import type { SecretContext, SecretKey } from './jwt-socket.options';

/**
 * Chooses the key that verifies a token. Replace it with your own injectable class
 * (`JwtSocketModule.forRoot({ secretProvider: TenantSecrets })`) for per-tenant keys.
 * Throw an `UnauthorizedError` to refuse a token with a code of your choice; any other
 * failure, an empty answer or no answer within `secretTimeout` is `secret_unavailable`.
 */
export abstract class SecretProvider {
  abstract getSecret(context: SecretContext): SecretKey | undefined | Promise<SecretKey | undefined>;

  /**
   * The key when it never depends on the token, so its algorithms can be checked at bootstrap.
   * Providers that pick keys per token leave it undefined.
   */
  getStaticKey?(): KeyObject | undefined;
}
