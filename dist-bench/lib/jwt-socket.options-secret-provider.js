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
exports.OptionsSecretProvider = void 0;
const common_1 = require("@nestjs/common");
const jwt_socket_constants_1 = require("./jwt-socket.constants");
const jwt_socket_key_1 = require("./jwt-socket.key");
const jwt_socket_secret_provider_1 = require("./jwt-socket.secret-provider");
/** The default SecretProvider: serves `options.secret`, a static key or one of its function forms. */
let OptionsSecretProvider = class OptionsSecretProvider extends jwt_socket_secret_provider_1.SecretProvider {
    staticKey;
    secretFunction;
    constructor(options) {
        super();
        const { secret } = options;
        if (typeof secret === 'function') {
            this.secretFunction = toSecretFunction(secret);
        }
        else if ((0, jwt_socket_key_1.isUsableSecret)(secret)) {
            this.staticKey = (0, jwt_socket_key_1.toKeyObject)(secret);
        }
        else {
            throw new Error('JwtSocketModule: `secret` is missing or empty. Pass a non-empty `secret` or a `secretProvider` class.');
        }
    }
    getSecret(context) {
        return this.staticKey ?? this.secretFunction(context);
    }
    getStaticKey() {
        return this.staticKey;
    }
};
exports.OptionsSecretProvider = OptionsSecretProvider;
exports.OptionsSecretProvider = OptionsSecretProvider = __decorate([
    (0, common_1.Injectable)(),
    __param(0, (0, common_1.Inject)(jwt_socket_constants_1.JWT_SOCKET_RESOLVED_OPTIONS)),
    __metadata("design:paramtypes", [Object])
], OptionsSecretProvider);
/** Adapts auth0's callback forms, told apart by arity, to a promise-returning function. */
function toSecretFunction(secret) {
    if (secret.length === 3) {
        return ({ handshake, payload }) => new Promise((resolve, reject) => secret(handshake, payload, (error, key) => (error ? reject(error) : resolve(key))));
    }
    if (secret.length === 4) {
        const withHeader = secret;
        return ({ handshake, header, payload }) => new Promise((resolve, reject) => withHeader(handshake, header, payload, (error, key) => (error ? reject(error) : resolve(key))));
    }
    return secret;
}
