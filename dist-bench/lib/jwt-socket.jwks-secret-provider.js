"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var __metadata = (this && this.__metadata) || function (k, v) {
    if (typeof Reflect === "object" && typeof Reflect.metadata === "function") return Reflect.metadata(k, v);
};
var __param = (this && this.__param) || function (paramIndex, decorator) {
    return function (target, key) { decorator(target, key, paramIndex); }
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.JwksSecretProvider = void 0;
const common_1 = require("@nestjs/common");
const jwt_socket_constants_1 = require("./jwt-socket.constants");
const jwt_socket_error_1 = require("./jwt-socket.error");
const jwt_socket_error_codes_1 = require("./jwt-socket.error-codes");
const jwt_socket_jwks_key_set_1 = require("./jwt-socket.jwks-key-set");
const jwt_socket_jwks_options_1 = require("./jwt-socket.jwks-options");
const jwt_socket_key_1 = require("./jwt-socket.key");
const jwt_socket_secret_provider_1 = require("./jwt-socket.secret-provider");
/**
 * Serves keys from an identity provider's JWKS (`jwks` option) or from an allow-list of issuers
 * (`issuers` option), each with its JWKS or a static key. Selected automatically when either option
 * is set; also usable explicitly as `secretProvider: JwksSecretProvider`.
 */
let JwksSecretProvider = class JwksSecretProvider extends jwt_socket_secret_provider_1.SecretProvider {
    logger = new common_1.Logger('JwtSocketJwks');
    keySet;
    issuers;
    constructor(options) {
        super();
        if (options.issuers) {
            this.issuers = this.issuerSources(options.issuers, options.algorithms);
        }
        else if (options.jwks) {
            this.keySet = new jwt_socket_jwks_key_set_1.JwksKeySet(options.jwks, this.logger);
        }
        else {
            throw new Error('JwtSocketModule: JwksSecretProvider needs the `jwks` or the `issuers` option');
        }
    }
    getSecret({ header, payload }) {
        const source = this.keySet ?? this.sourceOfIssuer(payload.iss);
        return source instanceof jwt_socket_jwks_key_set_1.JwksKeySet ? source.getKey(header.kid, header.alg) : source;
    }
    onModuleDestroy() {
        this.keySet?.close();
        this.issuers?.forEach((source) => (source instanceof jwt_socket_jwks_key_set_1.JwksKeySet ? source.close() : undefined));
    }
    /** Decided on the unverified `iss`: safe, since only that issuer's keys can then verify the token. */
    sourceOfIssuer(issuer) {
        const source = typeof issuer === 'string' ? this.issuers.get(issuer) : undefined;
        if (source)
            return source;
        // Debug level: any client can send any `iss`.
        this.logger.debug(`Refused a token from an issuer that is not in \`issuers\`: ${String(issuer).slice(0, 100)}`);
        throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.UNTRUSTED_ISSUER);
    }
    issuerSources(issuers, allowed) {
        const sources = new Map();
        for (const [issuer, source] of Object.entries(issuers)) {
            sources.set(issuer, (0, jwt_socket_jwks_options_1.isJwksSource)(source) ? new jwt_socket_jwks_key_set_1.JwksKeySet(source, this.logger) : staticKey(issuer, source, allowed));
        }
        return sources;
    }
};
exports.JwksSecretProvider = JwksSecretProvider;
exports.JwksSecretProvider = JwksSecretProvider = __decorate([
    (0, common_1.Injectable)(),
    __param(0, (0, common_1.Inject)(jwt_socket_constants_1.JWT_SOCKET_RESOLVED_OPTIONS)),
    __metadata("design:paramtypes", [Object])
], JwksSecretProvider);
/** Parsed once at bootstrap; fails loudly when the key is unusable or cannot verify any allowed algorithm. */
function staticKey(issuer, source, allowed) {
    const name = `issuers[${JSON.stringify(issuer)}].key`;
    let key;
    try {
        key = (0, jwt_socket_key_1.isUsableSecret)(source.key) ? (0, jwt_socket_key_1.toKeyObject)(source.key) : undefined;
    }
    catch {
        key = undefined;
    }
    if (!key)
        throw new Error(`JwtSocketModule: \`${name}\` is not a usable public key or secret`);
    if (source.algorithms)
        (0, jwt_socket_key_1.assertAlgorithmsAllowed)(source.algorithms);
    const usable = (0, jwt_socket_key_1.algorithmsForKey)(key);
    const algorithms = (source.algorithms ?? usable).filter((algorithm) => usable.includes(algorithm) && (!allowed || allowed.includes(algorithm)));
    if (algorithms.length === 0) {
        throw new Error(`JwtSocketModule: \`${name}\` (${key.asymmetricKeyType ?? key.type}) cannot verify any allowed algorithm`);
    }
    return { key, algorithms };
}
