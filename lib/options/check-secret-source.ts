import { describeReceived, JwtSocketConfigError } from './config-error';
import type { ResolvedJwtSocketOptions } from './module-options';

/**
 * The checks that depend on which SecretProvider the module ends up with, known only once the
 * module's extras are read: each built-in provider asserts, at bootstrap, that it has something to serve.
 */

/** The default provider serves `secret`: a static key (already parsed by the resolver) or a function form. */
export function assertSecretGiven(options: ResolvedJwtSocketOptions): void {
  if (typeof options.secret === 'function' || options.secretKey) return;
  throw new JwtSocketConfigError(
    `JwtSocketModule: \`secret\` is missing or empty (received ${describeReceived(options.secret)}). Pass a non-empty \`secret\`, \`jwks\`, \`issuers\` or a \`secretProvider\` class.`,
  );
}

/** `secretProvider: JwksSecretProvider` serves `jwks` or `issuers`, and nothing else. */
export function assertKeySourcesGiven(options: ResolvedJwtSocketOptions): void {
  if (options.jwks !== undefined || options.issuers !== undefined) return;
  throw new JwtSocketConfigError('JwtSocketModule: JwksSecretProvider needs the `jwks` or the `issuers` option');
}
