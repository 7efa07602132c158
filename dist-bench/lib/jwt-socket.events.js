"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.JwtSocketEvent = void 0;
/** Event names of the wire protocol spoken by `socketio-jwt` clients. */
exports.JwtSocketEvent = {
    /** client → server: `{ token }` to authenticate (event mode) or refresh (both modes). */
    AUTHENTICATE: 'authenticate',
    /** server → client: the token was accepted. */
    AUTHENTICATED: 'authenticated',
    /** server → client: `{ message, data: { type, code, message } }`. */
    UNAUTHORIZED: 'unauthorized',
    /** server → client: what Nest emits when a guard refuses an event. */
    EXCEPTION: 'exception',
};
