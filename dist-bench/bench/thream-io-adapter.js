"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ThreamIoAdapter = void 0;
const platform_socket_io_1 = require("@nestjs/platform-socket.io");
const socketio_jwt_1 = require("@thream/socketio-jwt");
/**
 * The usual way to put `@thream/socketio-jwt` in a Nest app: its middleware on the server
 * (`server.use()`, namespace `/` only), with the secret as a string as its README shows.
 */
class ThreamIoAdapter extends platform_socket_io_1.IoAdapter {
    secret;
    constructor(app, secret) {
        super(app);
        this.secret = secret;
    }
    createIOServer(port, options) {
        const server = super.createIOServer(port, options);
        server.use((0, socketio_jwt_1.authorize)({ secret: this.secret }));
        return server;
    }
}
exports.ThreamIoAdapter = ThreamIoAdapter;
