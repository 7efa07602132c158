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
var __param = (this && this.__param) || function (paramIndex, decorator) {
    return function (target, key) { decorator(target, key, paramIndex); }
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.JwtSocketSessions = void 0;
exports.subjectRoom = subjectRoom;
exports.tokenIdRoom = tokenIdRoom;
const common_1 = require("@nestjs/common");
const jwt_socket_authenticator_1 = require("./jwt-socket.authenticator");
const jwt_socket_constants_1 = require("./jwt-socket.constants");
const jwt_socket_error_1 = require("./jwt-socket.error");
const jwt_socket_error_codes_1 = require("./jwt-socket.error-codes");
const jwt_socket_events_1 = require("./jwt-socket.events");
const jwt_socket_expiry_timer_1 = require("./jwt-socket.expiry-timer");
const jwt_socket_session_1 = require("./jwt-socket.session");
const jwt_socket_timeout_1 = require("./jwt-socket.timeout");
const jwt_socket_token_extractor_1 = require("./jwt-socket.token-extractor");
/** socket.io's in-memory adapters only warn on `serverSideEmit`: a single node has no one to tell. */
const SINGLE_NODE_ADAPTERS = new Set(['Adapter', 'SessionAwareAdapter']);
function supportsServerSideEmit(namespace) {
    return !SINGLE_NODE_ADAPTERS.has(namespace.adapter.constructor.name);
}
/**
 * Runs authentication for every namespace of every server the adapter creates: the handshake
 * middleware, event-mode `authenticate`, in-band refresh, expiry, and the hiding of sockets that
 * are not authenticated yet. Per-socket listeners are shared functions (`this` is the socket), so
 * an open socket costs a session object and no closures.
 */
let JwtSocketSessions = class JwtSocketSessions {
    options;
    authenticator;
    logger = new common_1.Logger('JwtSocket');
    servers = new Set();
    protectedNamespaces = new WeakSet();
    handshakeMiddleware;
    onConnection;
    onAuthenticateMessage;
    onDisconnect;
    onAuthenticationTimeout;
    onTokenExpired;
    keepExpiryTimer = (timer, socket) => {
        const session = (0, jwt_socket_session_1.sessionOf)(socket);
        if (session)
            session.expiryTimer = timer;
    };
    constructor(options, authenticator) {
        this.options = options;
        this.authenticator = authenticator;
        // eslint-disable-next-line @typescript-eslint/no-this-alias
        const sessions = this;
        this.handshakeMiddleware = (socket, next) => {
            this.authenticateHandshake(socket, (0, jwt_socket_session_1.createSession)(socket)).then(() => next(), (error) => next(this.toUnauthorizedError(error)));
        };
        this.onConnection = (socket) => this.startSession(socket);
        this.onAuthenticateMessage = function (payload) {
            sessions.handleAuthenticate(this, payload).catch((error) => sessions.logUnexpected(error));
        };
        this.onDisconnect = function () {
            sessions.endSession(this);
        };
        this.onAuthenticationTimeout = (socket) => this.refuse(socket, jwt_socket_error_codes_1.JwtSocketErrorCode.AUTHENTICATION_TIMEOUT);
        this.onTokenExpired = (socket) => this.expire(socket);
    }
    /** Protects a server's existing namespaces and every namespace created on it later. */
    protectServer(server) {
        if (this.servers.has(server))
            return;
        this.servers.add(server);
        for (const namespace of server._nsps.values())
            this.protectNamespace(namespace);
        server.on('new_namespace', (namespace) => this.protectNamespace(namespace));
        server.sockets.on(jwt_socket_constants_1.REVOKE_EVENT, (message) => this.onRemoteRevocation(message));
    }
    /** Protects what `IoAdapter.create()` returned: a server, a namespace or a RegExp parent namespace. */
    protect(serverOrNamespace) {
        const namespace = serverOrNamespace;
        if (isNamespace(namespace)) {
            this.protectServer(namespace.server);
            // A ParentNamespace (RegExp or function) is covered through the children it creates.
            if (!isParentNamespace(namespace))
                this.protectNamespace(namespace);
        }
        else {
            this.protectServer(serverOrNamespace);
        }
    }
    protectNamespace(namespace) {
        if (this.protectedNamespaces.has(namespace))
            return;
        this.protectedNamespaces.add(namespace);
        if (this.options.handshake)
            namespace.use(this.handshakeMiddleware);
        // Our listener must run before any gateway's, including those a ParentNamespace copied to a child.
        namespace.prependListener('connection', this.onConnection);
    }
    /** Wraps a gateway's connection callback so it runs once, after the socket is authenticated. */
    deferUntilAuthenticated(callback) {
        return (socket) => {
            const session = (0, jwt_socket_session_1.sessionOf)(socket);
            if (session?.authenticated)
                return callback(socket);
            if (session) {
                (session.deferred ??= []).push(callback);
                return;
            }
            this.logger.error(`Socket on namespace ${socket.nsp.name} bypassed JwtSocketIoAdapter; disconnecting it`);
            socket.disconnect();
        };
    }
    /** Disconnects this node's sockets in `room` on every protected namespace; returns how many. */
    disconnectRoom(room, error) {
        let count = 0;
        for (const namespace of this.protectedNamespacesOfServers()) {
            const ids = namespace.adapter.rooms.get(room);
            if (!ids)
                continue;
            for (const id of [...ids]) {
                const socket = namespace.sockets.get(id);
                if (!socket)
                    continue;
                this.withdraw(socket);
                this.sendUnauthorizedAndDisconnect(socket, error);
                count++;
            }
        }
        return count;
    }
    /**
     * Disconnects the sockets of a subject or token id on this node, then asks the other nodes to do
     * the same through the socket.io adapter (`serverSideEmit`). Returns the local count.
     */
    revoke(target) {
        const local = this.revokeLocally(target);
        const server = this.servers.values().next().value;
        if (server && supportsServerSideEmit(server.sockets))
            server.sockets.serverSideEmit(jwt_socket_constants_1.REVOKE_EVENT, target);
        return local;
    }
    revokeLocally(target) {
        const error = new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.TOKEN_REVOKED);
        let count = 0;
        if (target.subject !== undefined)
            count += this.disconnectRoom(subjectRoom(target.subject), error);
        if (target.tokenId !== undefined)
            count += this.disconnectRoom(tokenIdRoom(target.tokenId), error);
        return count;
    }
    onRemoteRevocation(message) {
        if (typeof message !== 'object' || message === null)
            return;
        const { subject, tokenId } = message;
        const target = {};
        if (typeof subject === 'string' || typeof subject === 'number')
            target.subject = subject;
        if (typeof tokenId === 'string' || typeof tokenId === 'number')
            target.tokenId = tokenId;
        this.revokeLocally(target);
    }
    *protectedNamespacesOfServers() {
        for (const server of this.servers) {
            for (const namespace of server._nsps.values()) {
                if (this.protectedNamespaces.has(namespace))
                    yield namespace;
            }
        }
    }
    startSession(socket) {
        socket.on(jwt_socket_events_1.JwtSocketEvent.AUTHENTICATE, this.onAuthenticateMessage);
        socket.once('disconnect', this.onDisconnect);
        const session = (0, jwt_socket_session_1.sessionOf)(socket);
        if (session?.authenticated) {
            this.activate(socket, session);
            return;
        }
        // Event mode, or a socket restored by connection-state recovery that skipped the middleware.
        const pending = session ?? (0, jwt_socket_session_1.createSession)(socket);
        pending.roomsToRestore = socket.recovered ? restorableRooms(socket) : undefined;
        pending.hidden = true;
        // Leaving rooms is not enough: `server.emit` reaches every id the adapter knows.
        socket.nsp.adapter.delAll(socket.id);
        if (this.options.handshake) {
            this.reauthenticateRecovered(socket, pending).catch((error) => this.logUnexpected(error));
        }
        else if (this.options.timeout > 0) {
            pending.authenticationTimer = setTimeout(this.onAuthenticationTimeout, this.options.timeout, socket).unref();
        }
    }
    async reauthenticateRecovered(socket, session) {
        try {
            await this.authenticateHandshake(socket, session);
        }
        catch (error) {
            this.sendUnauthorizedAndDisconnect(socket, this.toUnauthorizedError(error));
            return;
        }
        if (socket.connected)
            this.activate(socket, session);
    }
    async authenticateHandshake(socket, session) {
        const verified = await this.authenticator.verify((0, jwt_socket_token_extractor_1.extractHandshakeToken)(socket.handshake, this.options.tokenFromQuery), socket.handshake);
        const user = await this.runHook(socket, verified, false);
        this.applyVerified(socket, session, verified, user);
    }
    async handleAuthenticate(socket, payload) {
        const session = (0, jwt_socket_session_1.sessionOf)(socket);
        if (!session || socket.disconnected)
            return;
        if (session.verifying) {
            emitToSocket(socket, jwt_socket_events_1.JwtSocketEvent.UNAUTHORIZED, new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.AUTHENTICATION_IN_PROGRESS).toJSON());
            return;
        }
        const isRefresh = session.authenticated;
        session.verifying = true;
        try {
            const verified = await this.authenticator.verify(tokenOfAuthenticatePayload(payload), socket.handshake);
            if (isRefresh)
                this.assertSameSubject(session, verified);
            const user = await this.runHook(socket, verified, isRefresh);
            if (socket.disconnected)
                return;
            const previousClaims = session.claims;
            this.applyVerified(socket, session, verified, user);
            if (isRefresh) {
                this.moveIdentityRooms(socket, previousClaims);
                this.armExpiry(socket, session);
            }
            else {
                clearTimeout(session.authenticationTimer);
                this.activate(socket, session);
            }
            socket.emit(jwt_socket_events_1.JwtSocketEvent.AUTHENTICATED);
        }
        catch (error) {
            if (socket.disconnected)
                return;
            const unauthorized = this.toUnauthorizedError(error);
            if (!isRefresh) {
                this.sendUnauthorizedAndDisconnect(socket, unauthorized);
            }
            else if (this.options.disconnectOnRefreshFailure) {
                this.withdraw(socket);
                this.sendUnauthorizedAndDisconnect(socket, unauthorized);
            }
            else {
                socket.emit(jwt_socket_events_1.JwtSocketEvent.UNAUTHORIZED, unauthorized.toJSON());
            }
        }
        finally {
            session.verifying = false;
        }
    }
    assertSameSubject(session, verified) {
        if (!this.options.allowSubjectChange && verified.claims.sub !== session.claims?.sub) {
            throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.SUBJECT_MISMATCH);
        }
    }
    async runHook(socket, verified, isRefresh) {
        const hook = this.options.onAuthenticated;
        if (!hook)
            return undefined;
        let result;
        try {
            result = await (0, jwt_socket_timeout_1.withTimeout)(Promise.resolve(hook({ decoded: verified.claims, socket, isRefresh })), this.options.secretTimeout);
        }
        catch (error) {
            if (error instanceof jwt_socket_error_1.UnauthorizedError)
                throw error;
            this.logger.warn(`onAuthenticated failed: ${(0, jwt_socket_timeout_1.describeError)(error)}`);
            throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.AUTHENTICATION_REJECTED);
        }
        if (result === false)
            throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.AUTHENTICATION_REJECTED);
        return result === true ? undefined : result;
    }
    /** Stores the verified token; safe before CONNECT (no rooms, no timers). */
    applyVerified(socket, session, verified, user) {
        const { options } = this;
        session.token = verified.token;
        session.claims = verified.claims;
        session.expiresAt = options.expiredTokenAction === 'ignore' ? undefined : verified.expiresAt;
        session.authenticated = true;
        socket.data ??= {};
        socket.data[options.decodedPropertyName] = verified.claims;
        if (user !== undefined)
            socket.data[options.userPropertyName] = user;
        if (options.encodedPropertyName)
            socket[options.encodedPropertyName] = verified.token;
        if (options.stripHandshakeToken)
            (0, jwt_socket_token_extractor_1.stripTokenFromHandshake)(socket.handshake);
    }
    /** A connected, authenticated socket: visible to broadcasts, in its identity rooms, with its expiry armed. */
    activate(socket, session) {
        if (session.hidden) {
            session.hidden = false;
            socket.join([socket.id, ...(session.roomsToRestore ?? [])]);
            session.roomsToRestore = undefined;
        }
        socket.join(identityRooms(session.claims));
        this.armExpiry(socket, session);
        const deferred = session.deferred;
        session.deferred = undefined;
        deferred?.forEach((callback) => callback(socket));
    }
    moveIdentityRooms(socket, previousClaims) {
        const next = identityRooms((0, jwt_socket_session_1.sessionOf)(socket)?.claims);
        for (const room of identityRooms(previousClaims))
            if (!next.includes(room))
                socket.leave(room);
        socket.join(next);
    }
    armExpiry(socket, session) {
        clearTimeout(session.expiryTimer);
        session.expiryTimer = undefined;
        if (this.options.expiredTokenAction !== 'disconnect' || session.expiresAt === undefined)
            return;
        (0, jwt_socket_expiry_timer_1.scheduleAt)(session.expiresAt, socket, this.onTokenExpired, this.keepExpiryTimer);
    }
    expire(socket) {
        const session = (0, jwt_socket_session_1.sessionOf)(socket);
        if (!session?.authenticated || session.expiresAt === undefined || socket.disconnected)
            return;
        if (Date.now() < session.expiresAt) {
            this.armExpiry(socket, session);
            return;
        }
        this.withdraw(socket);
        this.sendUnauthorizedAndDisconnect(socket, new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.TOKEN_EXPIRED));
    }
    refuse(socket, code) {
        if ((0, jwt_socket_session_1.sessionOf)(socket)?.authenticated)
            return;
        this.sendUnauthorizedAndDisconnect(socket, new jwt_socket_error_1.UnauthorizedError(code));
    }
    /** Takes access away at once: no handler, no broadcast, while `unauthorized` waits for its ack. */
    withdraw(socket) {
        const session = (0, jwt_socket_session_1.sessionOf)(socket);
        if (!session)
            return;
        session.authenticated = false;
        session.hidden = true;
        clearTimeout(session.expiryTimer);
        socket.nsp.adapter.delAll(socket.id);
    }
    /** The seed protocol: `unauthorized` then a disconnect, at once or after the client's ack / `callback` ms. */
    sendUnauthorizedAndDisconnect(socket, error) {
        if (socket.disconnected)
            return;
        const wait = this.options.callback;
        if (wait === false) {
            emitToSocket(socket, jwt_socket_events_1.JwtSocketEvent.UNAUTHORIZED, error.toJSON());
            socket.disconnect();
            return;
        }
        let timer = undefined;
        const disconnect = () => {
            clearTimeout(timer);
            socket.disconnect();
        };
        timer = setTimeout(disconnect, wait).unref();
        emitToSocket(socket, jwt_socket_events_1.JwtSocketEvent.UNAUTHORIZED, error.toJSON(), disconnect);
    }
    endSession(socket) {
        const session = (0, jwt_socket_session_1.sessionOf)(socket);
        if (!session)
            return;
        clearTimeout(session.expiryTimer);
        clearTimeout(session.authenticationTimer);
        session.deferred = undefined;
    }
    toUnauthorizedError(error) {
        if (error instanceof jwt_socket_error_1.UnauthorizedError)
            return error;
        this.logUnexpected(error);
        return new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.AUTHENTICATION_REJECTED);
    }
    logUnexpected(error) {
        this.logger.error(`Unexpected authentication failure: ${(0, jwt_socket_timeout_1.describeError)(error)}`);
    }
};
exports.JwtSocketSessions = JwtSocketSessions;
exports.JwtSocketSessions = JwtSocketSessions = __decorate([
    (0, common_1.Injectable)(),
    __param(0, (0, common_1.Inject)(jwt_socket_constants_1.JWT_SOCKET_RESOLVED_OPTIONS)),
    __metadata("design:paramtypes", [Object, jwt_socket_authenticator_1.JwtSocketAuthenticator])
], JwtSocketSessions);
/**
 * `socket.emit` that also reaches a hidden socket: with connectionStateRecovery, socket.io sends
 * `socket.emit` through the adapter to the socket's own room, which a hidden socket has left.
 */
function emitToSocket(socket, event, ...args) {
    const hidden = !socket.rooms.has(socket.id);
    if (hidden)
        void socket.join(socket.id);
    socket.emit(event, ...args);
    // Synchronous with socket.io's adapters: no broadcast can reach the socket in between.
    if (hidden)
        socket.nsp.adapter.delAll(socket.id);
}
function tokenOfAuthenticatePayload(payload) {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        throw new jwt_socket_error_1.UnauthorizedError(jwt_socket_error_codes_1.JwtSocketErrorCode.CREDENTIALS_BAD_FORMAT, 'authenticate expects { token }');
    }
    return payload.token;
}
function identityRooms(claims) {
    const rooms = [];
    if (claims?.sub !== undefined)
        rooms.push(subjectRoom(claims.sub));
    if (claims?.jti !== undefined)
        rooms.push(tokenIdRoom(claims.jti));
    return rooms;
}
function subjectRoom(subject) {
    return jwt_socket_constants_1.SUBJECT_ROOM_PREFIX + String(subject);
}
function tokenIdRoom(tokenId) {
    return jwt_socket_constants_1.TOKEN_ID_ROOM_PREFIX + String(tokenId);
}
function restorableRooms(socket) {
    return [...socket.rooms].filter((room) => room !== socket.id && !room.startsWith(jwt_socket_constants_1.SUBJECT_ROOM_PREFIX) && !room.startsWith(jwt_socket_constants_1.TOKEN_ID_ROOM_PREFIX));
}
function isNamespace(value) {
    return typeof value === 'object' && value !== null && 'server' in value && 'adapter' in value && 'sockets' in value;
}
function isParentNamespace(namespace) {
    return typeof namespace.createChild === 'function';
}
