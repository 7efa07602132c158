"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.authenticateSocket = authenticateSocket;
const jwt_socket_events_1 = require("./jwt-socket.events");
/**
 * Event mode and in-band refresh: sends `authenticate { token }` and resolves on `authenticated`,
 * rejects with the `unauthorized` payload (check it with `isUnauthorizedError`).
 */
function authenticateSocket(socket, token) {
    return new Promise((resolve, reject) => {
        const onAuthenticated = () => {
            socket.off(jwt_socket_events_1.JwtSocketEvent.UNAUTHORIZED, onUnauthorized);
            resolve();
        };
        const onUnauthorized = (error, ack) => {
            socket.off(jwt_socket_events_1.JwtSocketEvent.AUTHENTICATED, onAuthenticated);
            if (typeof ack === 'function')
                ack();
            reject(error);
        };
        socket.once(jwt_socket_events_1.JwtSocketEvent.AUTHENTICATED, onAuthenticated);
        socket.once(jwt_socket_events_1.JwtSocketEvent.UNAUTHORIZED, onUnauthorized);
        socket.emit(jwt_socket_events_1.JwtSocketEvent.AUTHENTICATE, { token });
    });
}
