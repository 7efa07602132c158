"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.JwtSocketModule = void 0;
const common_1 = require("@nestjs/common");
const jwt_socket_authenticator_1 = require("./jwt-socket.authenticator");
const jwt_socket_constants_1 = require("./jwt-socket.constants");
const jwt_socket_guard_1 = require("./jwt-socket.guard");
const jwt_socket_module_definition_1 = require("./jwt-socket.module-definition");
const jwt_socket_options_resolver_1 = require("./jwt-socket.options-resolver");
const jwt_socket_revoker_1 = require("./jwt-socket.revoker");
const jwt_socket_sessions_1 = require("./jwt-socket.sessions");
/**
 * `JwtSocketModule.forRoot({ secret })` or `forRootAsync({ imports, inject, useFactory })`, then
 * `app.useWebSocketAdapter(new JwtSocketIoAdapter(app))` and `@UseGuards(JwtSocketGuard)`.
 */
let JwtSocketModule = class JwtSocketModule extends jwt_socket_module_definition_1.ConfigurableModuleClass {
};
exports.JwtSocketModule = JwtSocketModule;
exports.JwtSocketModule = JwtSocketModule = __decorate([
    (0, common_1.Module)({
        providers: [
            { provide: jwt_socket_constants_1.JWT_SOCKET_RESOLVED_OPTIONS, useFactory: jwt_socket_options_resolver_1.resolveJwtSocketOptions, inject: [jwt_socket_module_definition_1.JWT_SOCKET_MODULE_OPTIONS] },
            jwt_socket_authenticator_1.JwtSocketAuthenticator,
            jwt_socket_sessions_1.JwtSocketSessions,
            jwt_socket_guard_1.JwtSocketGuard,
            jwt_socket_revoker_1.JwtSocketRevoker,
        ],
        exports: [jwt_socket_module_definition_1.JWT_SOCKET_MODULE_OPTIONS, jwt_socket_constants_1.JWT_SOCKET_RESOLVED_OPTIONS, jwt_socket_authenticator_1.JwtSocketAuthenticator, jwt_socket_sessions_1.JwtSocketSessions, jwt_socket_guard_1.JwtSocketGuard, jwt_socket_revoker_1.JwtSocketRevoker],
    })
], JwtSocketModule);
