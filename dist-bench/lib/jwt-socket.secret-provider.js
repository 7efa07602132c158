"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SecretProvider = void 0;
/**
 * Chooses the key that verifies a token. Replace it with your own injectable class
 * (`JwtSocketModule.forRoot({ secretProvider: TenantSecrets })`) for per-tenant keys.
 * Throw an `UnauthorizedError` to refuse a token with a code of your choice; any other
 * failure, an empty answer or no answer within `secretTimeout` is `secret_unavailable`.
 *
 * Return `{ key, algorithms }` (a `VerificationKey`) to pin the algorithms of that key: a token
 * whose `alg` is not among them is refused with `invalid_token`. A plain key accepts the algorithms
 * of its type (intersected with `options.algorithms`). Return the same object for the same key:
 * keys are converted once and cached.
 */
class SecretProvider {
}
exports.SecretProvider = SecretProvider;
