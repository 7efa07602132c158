"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.sessionOf = sessionOf;
exports.createSession = createSession;
exports.getDecodedToken = getDecodedToken;
exports.getEncodedToken = getEncodedToken;
exports.isSocketAuthenticated = isSocketAuthenticated;
const SESSION = Symbol('nestjs-socketio-jwt:session');
function sessionOf(socket) {
    return socket[SESSION];
}
function createSession(socket) {
    const session = { authenticated: false, verifying: false };
    socket[SESSION] = session;
    return session;
}
/** The verified claims of a socket, e.g. in `handleConnection` where param decorators do not run. */
function getDecodedToken(socket) {
    const session = sessionOf(socket);
    return session?.authenticated ? session.claims : undefined;
}
/** The raw token a socket authenticated with. Kept on this node only. */
function getEncodedToken(socket) {
    const session = sessionOf(socket);
    return session?.authenticated ? session.token : undefined;
}
function isSocketAuthenticated(socket) {
    return sessionOf(socket)?.authenticated === true;
}
