"use strict";
var _a;
Object.defineProperty(exports, "__esModule", { value: true });
exports.ASYNC_OPTIONS_TYPE = exports.OPTIONS_TYPE = exports.JWT_SOCKET_MODULE_OPTIONS = exports.ConfigurableModuleClass = void 0;
const common_1 = require("@nestjs/common");
const jwt_socket_constants_1 = require("./jwt-socket.constants");
const jwt_socket_jwks_options_1 = require("./jwt-socket.jwks-options");
const jwt_socket_jwks_secret_provider_1 = require("./jwt-socket.jwks-secret-provider");
const jwt_socket_options_secret_provider_1 = require("./jwt-socket.options-secret-provider");
const jwt_socket_revocation_check_1 = require("./jwt-socket.revocation-check");
const jwt_socket_secret_provider_1 = require("./jwt-socket.secret-provider");
_a = new common_1.ConfigurableModuleBuilder({ moduleName: 'JwtSocket' })
    .setClassMethodName('forRoot')
    .setFactoryMethodName('createJwtSocketOptions')
    .setExtras({ isGlobal: false, secretProvider: undefined, revocationCheck: undefined }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
    providers: [...(definition.providers ?? []), ...extraProviders(extras)],
    exports: [jwt_socket_secret_provider_1.SecretProvider, ...(extras.revocationCheck ? [jwt_socket_revocation_check_1.RevocationCheck] : [])],
}))
    .build(), exports.ConfigurableModuleClass = _a.ConfigurableModuleClass, exports.JWT_SOCKET_MODULE_OPTIONS = _a.MODULE_OPTIONS_TOKEN, exports.OPTIONS_TYPE = _a.OPTIONS_TYPE, exports.ASYNC_OPTIONS_TYPE = _a.ASYNC_OPTIONS_TYPE;
function extraProviders(extras) {
    const providers = [
        extras.secretProvider
            ? { provide: jwt_socket_secret_provider_1.SecretProvider, useClass: extras.secretProvider }
            : { provide: jwt_socket_secret_provider_1.SecretProvider, useFactory: defaultSecretProvider, inject: [jwt_socket_constants_1.JWT_SOCKET_RESOLVED_OPTIONS] },
    ];
    if (extras.revocationCheck)
        providers.push({ provide: jwt_socket_revocation_check_1.RevocationCheck, useClass: extras.revocationCheck });
    return providers;
}
/** Chosen from the resolved options, so `forRootAsync` factories can pick `jwks`/`issuers` at runtime. */
function defaultSecretProvider(options) {
    return (0, jwt_socket_jwks_options_1.usesKeySources)(options) ? new jwt_socket_jwks_secret_provider_1.JwksSecretProvider(options) : new jwt_socket_options_secret_provider_1.OptionsSecretProvider(options);
}
