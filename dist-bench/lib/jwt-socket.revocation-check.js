"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.RevocationCheck = void 0;
/**
 * Optional denylist consulted after the signature is verified: at connect, at refresh, and for
 * sockets restored by connection-state recovery. Provide it with
 * `JwtSocketModule.forRoot({ revocationCheck: MyDenylist, ... })`. A check that throws or does
 * not answer within `secretTimeout` refuses the token (fails closed).
 */
class RevocationCheck {
}
exports.RevocationCheck = RevocationCheck;
