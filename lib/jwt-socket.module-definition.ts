import { ConfigurableModuleBuilder, type Provider, type Type } from '@nestjs/common';
import { OptionsSecretProvider } from './jwt-socket.options-secret-provider';
import type { JwtSocketModuleOptions } from './jwt-socket.options';
import { RevocationCheck } from './jwt-socket.revocation-check';
import { SecretProvider } from './jwt-socket.secret-provider';

/** Options that shape the module's providers, given beside the options in `forRoot` and `forRootAsync`. */
export interface JwtSocketModuleExtras {
  isGlobal?: boolean;
  /** Your own injectable SecretProvider class (per-tenant keys...). Default: serves `secret`. */
  secretProvider?: Type<SecretProvider>;
  /** Your own injectable RevocationCheck class (a denylist...). Default: none. */
  revocationCheck?: Type<RevocationCheck>;
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
    { provide: SecretProvider, useClass: extras.secretProvider ?? OptionsSecretProvider },
  ];
  if (extras.revocationCheck) providers.push({ provide: RevocationCheck, useClass: extras.revocationCheck });
  return providers;
}
