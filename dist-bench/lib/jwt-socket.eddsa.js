"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.EDDSA = void 0;
exports.claimsOnlyOptions = claimsOnlyOptions;
exports.verifyEdDsa = verifyEdDsa;
const node_crypto_1 = require("node:crypto");
const jsonwebtoken_1 = require("jsonwebtoken");
exports.EDDSA = 'EdDSA';
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const UNSIGNED_HEADER = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
/** The verify options that make jsonwebtoken check the claims of an already verified EdDSA token. */
function claimsOnlyOptions(options) {
    return { ...options, algorithms: ['none'] };
}
/**
 * jsonwebtoken 9 (jws/jwa) cannot verify EdDSA. The Ed25519/Ed448 signature is checked here with
 * node:crypto over the token's own `header.payload` bytes; then the SAME payload segment is handed
 * to jsonwebtoken as an unsigned token, so `exp`, `nbf`, `aud`, `iss`, `sub`, `clockTolerance` and
 * `maxAge` are enforced by the very code that enforces them for every other algorithm. The unsigned
 * form is built here, after the signature check, and never comes from a client.
 *
 * Throws jsonwebtoken's errors, so callers map them to codes exactly like the other algorithms.
 */
function verifyEdDsa(token, key, claimOptions) {
    if (key.asymmetricKeyType !== 'ed25519' && key.asymmetricKeyType !== 'ed448') {
        throw new jsonwebtoken_1.JsonWebTokenError('invalid algorithm');
    }
    const headerEnd = token.indexOf('.');
    const payloadEnd = token.indexOf('.', headerEnd + 1);
    const signature = token.slice(payloadEnd + 1);
    if (headerEnd <= 0 || payloadEnd <= headerEnd + 1)
        throw new jsonwebtoken_1.JsonWebTokenError('jwt malformed');
    // The same errors jsonwebtoken raises for the other algorithms.
    if (signature.length === 0)
        throw new jsonwebtoken_1.JsonWebTokenError('jwt signature is required');
    if (!BASE64URL.test(signature))
        throw new jsonwebtoken_1.JsonWebTokenError('invalid signature');
    if (!isValidSignature(token.slice(0, payloadEnd), signature, key))
        throw new jsonwebtoken_1.JsonWebTokenError('invalid signature');
    return (0, jsonwebtoken_1.verify)(`${UNSIGNED_HEADER}.${token.slice(headerEnd + 1, payloadEnd)}.`, undefined, claimOptions);
}
function isValidSignature(signingInput, signature, key) {
    try {
        return (0, node_crypto_1.verify)(null, Buffer.from(signingInput, 'ascii'), key, Buffer.from(signature, 'base64url'));
    }
    catch {
        return false;
    }
}
