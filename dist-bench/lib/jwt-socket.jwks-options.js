"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DEFAULT_JWKS_TIMEOUT_MS = exports.DEFAULT_JWKS_CACHE_MAX_AGE_MS = exports.DEFAULT_JWKS_COOLDOWN_MS = void 0;
exports.isJwksSource = isJwksSource;
exports.resolveJwksOptions = resolveJwksOptions;
exports.usesKeySources = usesKeySources;
exports.assertKeySourceOptions = assertKeySourceOptions;
exports.DEFAULT_JWKS_COOLDOWN_MS = 30_000;
exports.DEFAULT_JWKS_CACHE_MAX_AGE_MS = 600_000;
exports.DEFAULT_JWKS_TIMEOUT_MS = 3_000;
function isJwksSource(source) {
    return 'jwksUri' in source;
}
function resolveJwksOptions(options) {
    return {
        jwksUri: options.jwksUri,
        cooldown: options.cooldown ?? exports.DEFAULT_JWKS_COOLDOWN_MS,
        cacheMaxAge: options.cacheMaxAge ?? exports.DEFAULT_JWKS_CACHE_MAX_AGE_MS,
        timeout: options.timeout ?? exports.DEFAULT_JWKS_TIMEOUT_MS,
    };
}
/** True when `jwks` or `issuers` is configured, so the module serves keys with `JwksSecretProvider`. */
function usesKeySources(options) {
    return options.jwks !== undefined || options.issuers !== undefined;
}
/** Throws at bootstrap on a malformed `jwks` or `issuers` option, or one combined with `secret`. */
function assertKeySourceOptions(options) {
    const { jwks, issuers, secret } = options;
    if (jwks !== undefined && issuers !== undefined) {
        throw new Error('JwtSocketModule: give either `jwks` (one identity provider) or `issuers` (an allow-list), not both');
    }
    if (usesKeySources(options) && secret !== undefined) {
        throw new Error('JwtSocketModule: `secret` cannot be combined with `jwks` or `issuers` (put static keys in `issuers`)');
    }
    if (jwks !== undefined)
        assertJwksOptions('jwks', jwks, options.secretTimeout);
    if (issuers !== undefined)
        assertIssuers(issuers, options.secretTimeout);
}
function assertIssuers(issuers, secretTimeout) {
    if (typeof issuers !== 'object' || issuers === null || Array.isArray(issuers)) {
        throw new Error('JwtSocketModule: `issuers` must be an object mapping each `iss` to { jwksUri } or { key }');
    }
    const entries = Object.entries(issuers);
    if (entries.length === 0)
        throw new Error('JwtSocketModule: `issuers` must list at least one issuer');
    for (const [issuer, source] of entries) {
        const name = `issuers[${JSON.stringify(issuer)}]`;
        if (issuer.length === 0)
            throw new Error('JwtSocketModule: an issuer name in `issuers` is empty');
        if (typeof source !== 'object' || source === null) {
            throw new Error(`JwtSocketModule: \`${name}\` must be { jwksUri } or { key }`);
        }
        const hasUri = 'jwksUri' in source;
        const hasKey = 'key' in source;
        if (hasUri === hasKey)
            throw new Error(`JwtSocketModule: \`${name}\` needs exactly one of \`jwksUri\` or \`key\``);
        if (hasUri)
            assertJwksOptions(name, source, secretTimeout);
    }
}
function assertJwksOptions(name, jwks, secretTimeout) {
    if (typeof jwks !== 'object' || jwks === null)
        throw new Error(`JwtSocketModule: \`${name}\` must be { jwksUri }`);
    const { jwksUri, cooldown, cacheMaxAge, timeout } = jwks;
    assertHttpUrl(`${name}.jwksUri`, jwksUri);
    assertOptionalNonNegative(`${name}.cooldown`, cooldown);
    assertOptionalNonNegative(`${name}.cacheMaxAge`, cacheMaxAge);
    assertOptionalNonNegative(`${name}.timeout`, timeout);
    const effectiveTimeout = timeout ?? exports.DEFAULT_JWKS_TIMEOUT_MS;
    if (effectiveTimeout <= 0 || effectiveTimeout >= secretTimeout) {
        // Otherwise `secretTimeout` fires first and the client gets `secret_unavailable` instead of `jwks_unavailable`.
        throw new Error(`JwtSocketModule: \`${name}.timeout\` (${effectiveTimeout} ms) must be positive and below \`secretTimeout\` (${secretTimeout} ms)`);
    }
}
function assertHttpUrl(name, value) {
    let url;
    try {
        url = typeof value === 'string' ? new URL(value) : undefined;
    }
    catch {
        url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
        throw new Error(`JwtSocketModule: \`${name}\` must be an absolute http(s) URL`);
    }
}
function assertOptionalNonNegative(name, value) {
    if (value === undefined)
        return;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new Error(`JwtSocketModule: \`${name}\` must be a non-negative number of milliseconds`);
    }
}
