"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.isVerificationKey = isVerificationKey;
const node_crypto_1 = require("node:crypto");
function isVerificationKey(value) {
    return (typeof value === 'object' &&
        value !== null &&
        !(value instanceof node_crypto_1.KeyObject) &&
        !Buffer.isBuffer(value) &&
        'key' in value &&
        Array.isArray(value.algorithms));
}
