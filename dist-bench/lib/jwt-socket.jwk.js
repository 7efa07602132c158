"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.UnusableJwkError = void 0;
exports.jwkToEntry = jwkToEntry;
exports.quote = quote;
exports.parseJwks = parseJwks;
const node_crypto_1 = require("node:crypto");
const jwt_socket_key_1 = require("./jwt-socket.key");
/** A JWK the key set skips, and why (never the key material). */
class UnusableJwkError extends Error {
}
exports.UnusableJwkError = UnusableJwkError;
const ALGORITHMS_BY_CURVE = {
    'P-256': ['ES256'],
    'P-384': ['ES384'],
    'P-521': ['ES512'],
    Ed25519: ['EdDSA'],
    Ed448: ['EdDSA'],
};
/**
 * Turns one JWK of a key set into a public verification key whose algorithms are pinned by the
 * JWK itself: its `alg`, or else the algorithms of its `kty`/`crv`. Symmetric (`oct`) keys,
 * encryption keys and JWKs holding private parts are refused: a public key set must not make a
 * token's `alg` choose how a key is used.
 */
function jwkToEntry(jwk) {
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
        throw new UnusableJwkError('not a JSON object');
    const { kid, use, key_ops: keyOps, kty } = jwk;
    if (kid !== undefined && typeof kid !== 'string')
        throw new UnusableJwkError('"kid" is not a string');
    if (use !== undefined && use !== 'sig')
        throw new UnusableJwkError(`"use" is ${quote(use)}, not "sig"`);
    if (keyOps !== undefined && !(Array.isArray(keyOps) && keyOps.includes('verify'))) {
        throw new UnusableJwkError('"key_ops" does not include "verify"');
    }
    if (kty === 'oct')
        throw new UnusableJwkError('symmetric keys (kty "oct") are never accepted from a key set');
    if ('d' in jwk)
        throw new UnusableJwkError('it holds private key material');
    const algorithms = pinnedAlgorithms(jwk);
    let key;
    try {
        key = (0, node_crypto_1.createPublicKey)({ key: jwk, format: 'jwk' });
    }
    catch {
        throw new UnusableJwkError(`not a valid ${typeof kty === 'string' ? kty : 'public'} key`);
    }
    return { kid, verificationKey: { key, algorithms } };
}
function pinnedAlgorithms(jwk) {
    const byType = algorithmsOfKeyType(jwk.kty, jwk.crv);
    if (jwk.alg === undefined)
        return byType;
    const alg = jwk.alg;
    if (!byType.includes(alg)) {
        throw new UnusableJwkError(`"alg" ${quote(jwk.alg)} is not supported for this key type`);
    }
    return [alg];
}
function algorithmsOfKeyType(kty, crv) {
    if (kty === 'RSA')
        return jwt_socket_key_1.RSA_ALGORITHMS;
    if (kty === 'EC' || kty === 'OKP') {
        const algorithms = typeof crv === 'string' ? ALGORITHMS_BY_CURVE[crv] : undefined;
        const isEdwardsCurve = crv === 'Ed25519' || crv === 'Ed448';
        if (algorithms && isEdwardsCurve === (kty === 'OKP'))
            return algorithms;
        throw new UnusableJwkError(`curve ${quote(crv)} is not supported for kty ${quote(kty)}`);
    }
    throw new UnusableJwkError(`kty ${quote(kty)} is not supported`);
}
/** A short, log-safe rendering of a JWK member (names and parameters only, never key material). */
function quote(value) {
    const text = JSON.stringify(value) ?? typeof value;
    return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
/** Parses a key set document; unusable keys are reported to `onSkip` and left out. */
function parseJwks(document, onSkip) {
    const keys = typeof document === 'object' && document !== null ? document.keys : undefined;
    if (!Array.isArray(keys))
        throw new Error('the response is not a JSON Web Key Set (no "keys" array)');
    const entries = [];
    for (const jwk of keys) {
        try {
            entries.push(jwkToEntry(jwk));
        }
        catch (error) {
            if (!(error instanceof UnusableJwkError))
                throw error;
            onSkip(jwk?.kid, error.message);
        }
    }
    return entries;
}
