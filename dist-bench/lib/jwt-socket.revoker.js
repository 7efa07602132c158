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
Object.defineProperty(exports, "__esModule", { value: true });
exports.JwtSocketRevoker = void 0;
const common_1 = require("@nestjs/common");
const jwt_socket_sessions_1 = require("./jwt-socket.sessions");
/**
 * Disconnects sockets whose tokens you revoke, on every namespace the library protects and, through
 * the socket.io adapter, on every node of the cluster. Each socket receives `unauthorized` with
 * `token_revoked` first. The count is this node's; other nodes act on their own, without waiting.
 */
let JwtSocketRevoker = class JwtSocketRevoker {
    sessions;
    constructor(sessions) {
        this.sessions = sessions;
    }
    revokeSubject(subject) {
        return this.sessions.revoke({ subject });
    }
    revokeTokenId(tokenId) {
        return this.sessions.revoke({ tokenId });
    }
};
exports.JwtSocketRevoker = JwtSocketRevoker;
exports.JwtSocketRevoker = JwtSocketRevoker = __decorate([
    (0, common_1.Injectable)(),
    __metadata("design:paramtypes", [jwt_socket_sessions_1.JwtSocketSessions])
], JwtSocketRevoker);
