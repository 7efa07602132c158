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
exports.ThreamDecodedTokenGuard = void 0;
exports.benchGateway = benchGateway;
const common_1 = require("@nestjs/common");
const websockets_1 = require("@nestjs/websockets");
/**
 * The one gateway of every scenario, on the root namespace. `open` and `guarded` are the same
 * handler; only `guarded` carries `guard` (none for the no-auth baseline).
 */
function benchGateway(guard) {
    const Guarded = guard ? (0, common_1.UseGuards)(guard) : (0, common_1.applyDecorators)();
    let BenchGateway = class BenchGateway {
        server;
        connections = 0;
        handleConnection() {
            this.connections++;
        }
        open() {
            return 'ok';
        }
        guarded() {
            return 'ok';
        }
    };
    __decorate([
        (0, websockets_1.WebSocketServer)(),
        __metadata("design:type", Function)
    ], BenchGateway.prototype, "server", void 0);
    __decorate([
        (0, websockets_1.SubscribeMessage)('open'),
        __metadata("design:type", Function),
        __metadata("design:paramtypes", []),
        __metadata("design:returntype", String)
    ], BenchGateway.prototype, "open", null);
    __decorate([
        Guarded,
        (0, websockets_1.SubscribeMessage)('guarded'),
        __metadata("design:type", Function),
        __metadata("design:paramtypes", []),
        __metadata("design:returntype", String)
    ], BenchGateway.prototype, "guarded", null);
    BenchGateway = __decorate([
        (0, websockets_1.WebSocketGateway)()
    ], BenchGateway);
    return BenchGateway;
}
/**
 * The per-event check a `@thream/socketio-jwt` user writes, since that library ships none: the
 * middleware set `socket.decodedToken`.
 */
let ThreamDecodedTokenGuard = class ThreamDecodedTokenGuard {
    canActivate(context) {
        const socket = context.switchToWs().getClient();
        return socket.decodedToken !== undefined;
    }
};
exports.ThreamDecodedTokenGuard = ThreamDecodedTokenGuard;
exports.ThreamDecodedTokenGuard = ThreamDecodedTokenGuard = __decorate([
    (0, common_1.Injectable)()
], ThreamDecodedTokenGuard);
