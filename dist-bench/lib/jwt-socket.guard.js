"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.JwtSocketGuard = void 0;
const common_1 = require("@nestjs/common");
const websockets_1 = require("@nestjs/websockets");
const jwt_socket_error_1 = require("./jwt-socket.error");
const jwt_socket_error_codes_1 = require("./jwt-socket.error-codes");
const jwt_socket_session_1 = require("./jwt-socket.session");
/**
 * Lets an event through only from an authenticated socket whose token has not expired. It
 * compares the stored `exp` and never re-checks the signature. Outside a ws context it stays out
 * of the way (Nest 12 applies `APP_GUARD` to gateways and HTTP alike).
 */
let JwtSocketGuard = class JwtSocketGuard {
    canActivate(context) {
        if (context.getType() !== 'ws')
            return true;
        const socket = context.switchToWs().getClient();
        const rejection = this.findRejection(socket);
        if (!rejection)
            return true;
        const payload = { status: 'error', ...rejection.toJSON() };
        this.answerAck(context, payload);
        throw new websockets_1.WsException(payload);
    }
    /** Why `socket` may not reach the handler, or undefined. Override to add checks. */
    findRejection(socket) {
        const session = (0, jwt_socket_session_1.sessionOf)(socket);
        if (!session?.authenticated)
            return new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.CREDENTIALS_REQUIRED);
        if (session.expiresAt !== undefined && Date.now() >= session.expiresAt) {
            return new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.TOKEN_EXPIRED);
        }
        return undefined;
    }
    /** Nest never answers the ack of an event a guard refused; a waiting client would hang. */
    answerAck(context, payload) {
        const args = context.getArgs();
        for (let index = args.length - 1; index >= 1; index--) {
            if (typeof args[index] === 'function') {
                args[index](payload);
                return;
            }
        }
    }
};
exports.JwtSocketGuard = JwtSocketGuard;
exports.JwtSocketGuard = JwtSocketGuard = __decorate([
    (0, common_1.Injectable)()
], JwtSocketGuard);
