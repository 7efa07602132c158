"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.JwtSocketIoAdapter = void 0;
const platform_socket_io_1 = require("@nestjs/platform-socket.io");
const jwt_socket_sessions_1 = require("./jwt-socket.sessions");
/**
 * A socket.io adapter that authenticates every namespace of every server Nest creates: root,
 * named, RegExp (dynamic) and gateways on their own port or path.
 *
 *   app.useWebSocketAdapter(new JwtSocketIoAdapter(app));
 *
 * To add another socket.io adapter (Redis...), extend it and override `createIOServer`, calling
 * `super.createIOServer()` first.
 */
class JwtSocketIoAdapter extends platform_socket_io_1.IoAdapter {
    app;
    sessions;
    constructor(app) {
        super(app);
        this.app = app;
    }
    createIOServer(port, options) {
        const server = super.createIOServer(port, options);
        this.getSessions().protectServer(server);
        return server;
    }
    create(port, options) {
        const serverOrNamespace = super.create(port, options);
        this.getSessions().protect(serverOrNamespace);
        return serverOrNamespace;
    }
    bindClientConnect(server, callback) {
        super.bindClientConnect(server, this.getSessions().deferUntilAuthenticated(callback));
    }
    /** Resolved on first use: the adapter is built in main.ts, outside dependency injection. */
    getSessions() {
        if (!this.sessions) {
            try {
                this.sessions = this.app.get(jwt_socket_sessions_1.JwtSocketSessions, { strict: false });
            }
            catch {
                throw new Error('JwtSocketIoAdapter: JwtSocketModule is not imported. Add JwtSocketModule.forRoot(...) to your application module.');
            }
        }
        return this.sessions;
    }
}
exports.JwtSocketIoAdapter = JwtSocketIoAdapter;
