"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * One scenario's server: a real Nest app on loopback with the bench gateway, run by the load
 * generator with `node --expose-gc`. It measures itself: `process.cpuUsage()` deltas around the
 * phases the load generator marks, and `heapUsed` after a full GC. Control goes over process IPC.
 */
require("reflect-metadata");
const common_1 = require("@nestjs/common");
const core_1 = require("@nestjs/core");
const gateway_1 = require("./gateway");
const scenarios_1 = require("./scenarios");
const START_TIMEOUT_MS = 30_000;
function send(message) {
    process.send?.(message);
}
async function startApp(message) {
    const setup = await (0, scenarios_1.findScenario)(message.scenario).server(message.keys);
    const Gateway = (0, gateway_1.benchGateway)(setup.guard);
    let BenchModule = class BenchModule {
    };
    BenchModule = __decorate([
        (0, common_1.Module)({ imports: setup.imports, providers: [Gateway] })
    ], BenchModule);
    const app = await core_1.NestFactory.create(BenchModule, { logger: ['error', 'warn'] });
    app.useWebSocketAdapter(setup.adapter(app));
    await app.listen(0, '127.0.0.1');
    return { app, gateway: app.get(Gateway) };
}
function fullGc() {
    const gc = globalThis.gc;
    if (!gc)
        throw new Error('run the server with --expose-gc');
    gc();
    gc();
}
function controller(gateway) {
    let cpuAtStart = process.cpuUsage();
    return (request) => {
        switch (request.op) {
            case 'cpu-start':
                cpuAtStart = process.cpuUsage();
                return 0;
            case 'cpu-stop': {
                const { user, system } = process.cpuUsage(cpuAtStart);
                return user + system;
            }
            case 'heap':
                fullGc();
                return process.memoryUsage().heapUsed;
            case 'stats':
                return { engineClients: gateway.server.engine.clientsCount, gatewayConnections: gateway.connections };
        }
    };
}
function main() {
    // The load generator owns this process: when it goes away, so do we.
    process.on('disconnect', () => process.exit(0));
    const startTimer = setTimeout(() => {
        console.error('bench server: no start message');
        process.exit(1);
    }, START_TIMEOUT_MS);
    process.once('message', (message) => {
        clearTimeout(startTimer);
        startApp(message).then(({ app, gateway }) => {
            const handle = controller(gateway);
            process.on('message', (request) => {
                if (request.type === 'request')
                    send({ type: 'response', id: request.id, value: handle(request) });
            });
            send({ type: 'ready', port: app.getHttpServer().address().port });
        }, (error) => {
            send({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
            process.exit(1);
        });
    });
}
main();
