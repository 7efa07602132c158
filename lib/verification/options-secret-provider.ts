import { assertSecretGiven } from '../options/check-secret-source';
import { Inject, Injectable } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { JWT_SOCKET_RESOLVED_OPTIONS } from '../options/resolved-options-token';
import type {
  LegacySecretCallbackWithHeader,
  ResolvedJwtSocketOptions,
  SecretAnswer,
  SecretContext,
  SecretFunction,
  SecretKey,
} from '../options/module-options';
import { SecretProvider } from './secret-provider';

/** The default SecretProvider: serves `options.secret`, a static key or one of its function forms. */
@Injectable()
export class OptionsSecretProvider extends SecretProvider {
  private readonly staticKey?: KeyObject;
  private readonly secretFunction?: SecretFunction;

  constructor(@Inject(JWT_SOCKET_RESOLVED_OPTIONS) options: ResolvedJwtSocketOptions) {
    super();
    assertSecretGiven(options);
    const { secret } = options;
    if (typeof secret === 'function') this.secretFunction = toSecretFunction(secret);
    else this.staticKey = options.secretKey;
  }

  getSecret(context: SecretContext): SecretAnswer | Promise<SecretAnswer> {
    return this.staticKey ?? this.secretFunction!(context);
  }

  getStaticKey(): KeyObject | undefined {
    return this.staticKey;
  }
}

/** Adapts auth0's callback forms, told apart by arity, to a promise-returning function. */
function toSecretFunction(secret: (...args: any[]) => unknown): SecretFunction {
  if (secret.length === 3) {
    return ({ handshake, payload }) =>
      new Promise((resolve, reject) =>
        secret(handshake, payload, (error: unknown, key?: SecretKey) => (error ? reject(error) : resolve(key))),
      );
  }
  if (secret.length === 4) {
    const withHeader = secret as LegacySecretCallbackWithHeader;
    return ({ handshake, header, payload }) =>
      new Promise((resolve, reject) =>
        withHeader(handshake, header, payload, (error, key) => (error ? reject(error) : resolve(key))),
      );
  }
  return secret as SecretFunction;
}
