"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.generateKeys = generateKeys;
exports.createTokenPool = createTokenPool;
const node_crypto_1 = require("node:crypto");
const jsonwebtoken_1 = require("jsonwebtoken");
function generateKeys() {
    const rsa = (0, node_crypto_1.generateKeyPairSync)('rsa', { modulusLength: 2048 });
    const impostorRsa = (0, node_crypto_1.generateKeyPairSync)('rsa', { modulusLength: 2048 });
    const hs256Secret = (0, node_crypto_1.randomBytes)(32).toString('hex');
    return {
        server: {
            hs256Secret,
            rs256PublicKeyPem: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        },
        signers: {
            hs256: { algorithm: 'HS256', key: hs256Secret, impostorKey: (0, node_crypto_1.randomBytes)(32).toString('hex') },
            rs256: { algorithm: 'RS256', key: rsa.privateKey, impostorKey: impostorRsa.privateKey },
        },
    };
}
/** One distinct token per connection (`sub` differs), valid for an hour. */
function createTokenPool(keys, kind, size) {
    const { algorithm, key, impostorKey } = keys.signers[kind];
    const signAll = (signingKey) => Array.from({ length: size }, (_, index) => (0, jsonwebtoken_1.sign)({ sub: `user-${index}` }, signingKey, { algorithm, expiresIn: '1h' }));
    return { valid: signAll(key), invalid: signAll(impostorKey) };
}
