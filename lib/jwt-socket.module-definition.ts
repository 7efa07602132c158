import { ConfigurableModuleBuilder, type Provider, type Type } from '@nestjs/common';
import { JWT_SOCKET_RESOLVED_OPTIONS } from './options/resolved-options-token';
import { usesKeySources } from './options/check-key-sources';
import { JwksSecretProvider } from './jwks/secret-provider';
import { OptionsSecretProvider } from './verification/options-secret-provider';
import type { JwtSocketModuleOptions, ResolvedJwtSocketOptions } from './options/module-options';
import { RevocationCheck } from './verification/revocation-check';
import { SecretProvider } from './verification/secret-provider';

/** Options that shape the module's providers, given beside the options in `forRoot` and `forRootAsync`. */
export interface JwtSocketModuleExtras {
  isGlobal?: boolean;
  /** Your own injectable SecretProvider class (per-tenant keys...). Default: `JwksSecretProvider` with `jwks`/`issuers`, else serves `secret`. */
  secretProvider?: Type<SecretProvider>;
  /** Your own injectable RevocationCheck class (a denylist...). Default: none. */
  revocationCheck?: Type<RevocationCheck>;
}

/**
 * What the class given to `forRootAsync({ useClass })`, or the provider named by `useExisting`,
 * implements: Nest calls its `createJwtSocketOptions()` once, at bootstrap.
 */
export interface JwtSocketOptionsFactory {
  /** The module options, or a promise of them (read from a config service, a vault...). */
  createJwtSocketOptions(): JwtSocketModuleOptions | Promise<JwtSocketModuleOptions>;
}

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: JWT_SOCKET_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<JwtSocketModuleOptions>({ moduleName: 'JwtSocket' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createJwtSocketOptions')
  .setExtras<JwtSocketModuleExtras>(
    { isGlobal: false, secretProvider: undefined, revocationCheck: undefined },
    (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
      providers: [...(definition.providers ?? []), ...extraProviders(extras)],
      exports: [SecretProvider, ...(extras.revocationCheck ? [RevocationCheck] : [])],
    }),
  )
  .build();

function extraProviders(extras: JwtSocketModuleExtras): Provider[] {
  const providers: Provider[] = [
    extras.secretProvider
      ? { provide: SecretProvider, useClass: extras.secretProvider }
      : { provide: SecretProvider, useFactory: defaultSecretProvider, inject: [JWT_SOCKET_RESOLVED_OPTIONS] },
  ];
  if (extras.revocationCheck) providers.push({ provide: RevocationCheck, useClass: extras.revocationCheck });
  return providers;
}

/** Chosen from the resolved options, so `forRootAsync` factories can pick `jwks`/`issuers` at runtime. */
function defaultSecretProvider(options: ResolvedJwtSocketOptions): SecretProvider {
  return usesKeySources(options) ? new JwksSecretProvider(options) : new OptionsSecretProvider(options);
}
