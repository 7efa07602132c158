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
exports.JwtSocketAuthenticator = void 0;
const common_1 = require("@nestjs/common");
const jsonwebtoken_1 = require("jsonwebtoken");
const jwt_socket_constants_1 = require("./jwt-socket.constants");
const jwt_socket_error_1 = require("./jwt-socket.error");
const jwt_socket_error_codes_1 = require("./jwt-socket.error-codes");
const jwt_socket_timeout_1 = require("./jwt-socket.timeout");
const jwt_socket_eddsa_1 = require("./jwt-socket.eddsa");
const jwt_socket_key_1 = require("./jwt-socket.key");
const jwt_socket_revocation_check_1 = require("./jwt-socket.revocation-check");
const jwt_socket_secret_provider_1 = require("./jwt-socket.secret-provider");
const jwt_socket_timeout_2 = require("./jwt-socket.timeout");
const jwt_socket_token_extractor_1 = require("./jwt-socket.token-extractor");
const jwt_socket_verification_key_1 = require("./jwt-socket.verification-key");
const CLAIM_ERRORS = /^jwt (audience|issuer|subject|jwtid|nonce) invalid|^invalid (nbf|exp) value|^iat required/;
/** Turns whatever a client sent into verified claims, or throws an `UnauthorizedError`. */
let JwtSocketAuthenticator = class JwtSocketAuthenticator {
    options;
    secretProvider;
    revocationCheck;
    logger = new common_1.Logger('JwtSocketAuthenticator');
    verifyOptions;
    /** The same claim checks, for an EdDSA token whose signature node:crypto already verified. */
    eddsaClaimOptions;
    pinnedAlgorithms;
    constructor(options, secretProvider, revocationCheck) {
        this.options = options;
        this.secretProvider = secretProvider;
        this.revocationCheck = revocationCheck;
        const staticKey = secretProvider.getStaticKey?.();
        const algorithms = options.algorithms ?? (staticKey ? (0, jwt_socket_key_1.algorithmsForKey)(staticKey) : undefined);
        if (staticKey && algorithms)
            (0, jwt_socket_key_1.assertAlgorithmsFitKey)(algorithms, staticKey);
        this.pinnedAlgorithms = algorithms ? new Set(algorithms) : undefined;
        this.verifyOptions = {
            algorithms: algorithms,
            audience: options.audience,
            issuer: options.issuer,
            subject: options.subject,
            clockTolerance: options.clockTolerance,
            maxAge: options.maxAge,
        };
        this.eddsaClaimOptions = (0, jwt_socket_eddsa_1.claimsOnlyOptions)(this.verifyOptions);
    }
    async verify(rawToken, handshake) {
        const token = (0, jwt_socket_token_extractor_1.normalizeToken)(rawToken, this.options.maxTokenLength);
        const jwt = decodeJwt(token);
        this.assertAlgorithmAccepted(jwt.header.alg);
        const key = await this.resolveKey(jwt, handshake);
        const claims = this.verifySignatureAndClaims(token, jwt.header.alg, key);
        if (this.revocationCheck && (await this.isRevoked(claims))) {
            throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.TOKEN_REVOKED);
        }
        return { token, claims, expiresAt: this.expiresAt(claims) };
    }
    assertAlgorithmAccepted(algorithm) {
        const acceptable = typeof algorithm === 'string' &&
            algorithm.toLowerCase() !== 'none' &&
            (this.pinnedAlgorithms === undefined || this.pinnedAlgorithms.has(algorithm));
        if (!acceptable) {
            throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.INVALID_TOKEN, 'The token algorithm is not accepted');
        }
    }
    async resolveKey(jwt, handshake) {
        let secret;
        try {
            const answer = this.secretProvider.getSecret({
                header: jwt.header,
                payload: jwt.payload,
                handshake,
            });
            secret = (0, jwt_socket_timeout_2.isPromiseLike)(answer) ? await (0, jwt_socket_timeout_2.withTimeout)(answer, this.options.secretTimeout) : answer;
        }
        catch (error) {
            if (error instanceof jwt_socket_error_1.UnauthorizedError)
                throw error;
            this.logger.warn(`SecretProvider failed for kid=${safeKid(jwt)}: ${(0, jwt_socket_timeout_1.describeError)(error)}`);
            throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.SECRET_UNAVAILABLE);
        }
        if ((0, jwt_socket_verification_key_1.isVerificationKey)(secret)) {
            this.assertKeyAlgorithm(jwt, secret.algorithms);
            secret = secret.key;
        }
        if (!(0, jwt_socket_key_1.isUsableSecret)(secret)) {
            this.logger.warn(`SecretProvider returned no usable key for kid=${safeKid(jwt)}`);
            throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.SECRET_UNAVAILABLE);
        }
        try {
            return (0, jwt_socket_key_1.toKeyObject)(secret);
        }
        catch {
            this.logger.warn(`SecretProvider returned key material that could not be parsed for kid=${safeKid(jwt)}`);
            throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.SECRET_UNAVAILABLE);
        }
    }
    /** The key's pinned algorithms must include the token's (`options.algorithms` was checked before the lookup). */
    assertKeyAlgorithm(jwt, algorithms) {
        if (!algorithms.includes(jwt.header.alg)) {
            // Debug level: any client can trigger this with a public kid, so it must not flood the logs.
            this.logger.debug(`Token alg ${JSON.stringify(jwt.header.alg)} does not match the key of kid=${safeKid(jwt)}`);
            throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.INVALID_TOKEN, 'The token algorithm does not match its key');
        }
    }
    verifySignatureAndClaims(token, algorithm, key) {
        let claims;
        try {
            claims = algorithm === jwt_socket_eddsa_1.EDDSA ? (0, jwt_socket_eddsa_1.verifyEdDsa)(token, key, this.eddsaClaimOptions) : (0, jsonwebtoken_1.verify)(token, key, this.verifyOptions);
        }
        catch (error) {
            throw toUnauthorizedError(error);
        }
        if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
            throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.MALFORMED_TOKEN, 'The token payload is not a JSON object');
        }
        return claims;
    }
    async isRevoked(claims) {
        try {
            return (await (0, jwt_socket_timeout_2.withTimeout)(Promise.resolve(this.revocationCheck.isRevoked(claims)), this.options.secretTimeout)) === true;
        }
        catch (error) {
            // Failing closed: a denylist that cannot answer must not let a revoked token in.
            this.logger.warn(`RevocationCheck failed: ${(0, jwt_socket_timeout_1.describeError)(error)}`);
            throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.TOKEN_REVOKED, 'The revocation status could not be checked');
        }
    }
    expiresAt(claims) {
        return typeof claims.exp === 'number' ? (claims.exp + this.options.clockTolerance) * 1000 : undefined;
    }
};
exports.JwtSocketAuthenticator = JwtSocketAuthenticator;
exports.JwtSocketAuthenticator = JwtSocketAuthenticator = __decorate([
    (0, common_1.Injectable)(),
    __param(0, (0, common_1.Inject)(jwt_socket_constants_1.JWT_SOCKET_RESOLVED_OPTIONS)),
    __param(2, (0, common_1.Optional)()),
    __metadata("design:paramtypes", [Object, jwt_socket_secret_provider_1.SecretProvider,
        jwt_socket_revocation_check_1.RevocationCheck])
], JwtSocketAuthenticator);
function decodeJwt(token) {
    let jwt;
    try {
        jwt = (0, jsonwebtoken_1.decode)(token, { complete: true });
    }
    catch {
        jwt = null;
    }
    if (!jwt || typeof jwt.header !== 'object' || jwt.header === null) {
        throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.MALFORMED_TOKEN);
    }
    if (typeof jwt.payload !== 'object' || jwt.payload === null || Array.isArray(jwt.payload)) {
        throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.MALFORMED_TOKEN, 'The token payload is not a JSON object');
    }
    return jwt;
}
function toUnauthorizedError(error) {
    if (error instanceof jsonwebtoken_1.TokenExpiredError)
        return new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.TOKEN_EXPIRED);
    if (error instanceof jsonwebtoken_1.NotBeforeError) {
        return new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.INVALID_CLAIMS, 'The token is not active yet');
    }
    if (error instanceof jsonwebtoken_1.JsonWebTokenError && CLAIM_ERRORS.test(error.message)) {
        return new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.INVALID_CLAIMS);
    }
    if (error instanceof jsonwebtoken_1.JsonWebTokenError && error.message === 'jwt malformed') {
        return new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.MALFORMED_TOKEN);
    }
    return new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.INVALID_TOKEN);
}
function safeKid(jwt) {
    const kid = jwt.header.kid;
    return typeof kid === 'string' ? JSON.stringify(kid.slice(0, 64)) : 'none';
}
