"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.BASELINE = exports.SCENARIOS = void 0;
exports.findScenario = findScenario;
const platform_socket_io_1 = require("@nestjs/platform-socket.io");
const lib_1 = require("../lib");
const gateway_1 = require("./gateway");
const thream_io_adapter_1 = require("./thream-io-adapter");
function thisLibrary(options) {
    return {
        imports: [lib_1.JwtSocketModule.forRoot(options)],
        adapter: (app) => new lib_1.JwtSocketIoAdapter(app),
        guard: lib_1.JwtSocketGuard,
    };
}
/** One entry per scenario; `none` is the baseline every ratio divides by. */
exports.SCENARIOS = [
    {
        name: 'none',
        summary: 'same gateway, plain IoAdapter, no authentication (the limit)',
        protocol: 'handshake',
        keyKind: 'hs256',
        authenticates: false,
        isLibrary: false,
        server: () => ({ imports: [], adapter: (app) => new platform_socket_io_1.IoAdapter(app) }),
    },
    {
        name: 'thream',
        summary: '@thream/socketio-jwt 3.1.4 via server.use() in a custom IoAdapter, secret as a string (its README)',
        protocol: 'handshake',
        keyKind: 'hs256',
        authenticates: true,
        isLibrary: false,
        server: (keys) => ({
            imports: [],
            adapter: (app) => new thream_io_adapter_1.ThreamIoAdapter(app, keys.hs256Secret),
            guard: gateway_1.ThreamDecodedTokenGuard,
        }),
    },
    {
        name: 'handshake',
        summary: 'this library, handshake mode, HS256 secret',
        protocol: 'handshake',
        keyKind: 'hs256',
        authenticates: true,
        isLibrary: true,
        server: (keys) => thisLibrary({ secret: keys.hs256Secret }),
    },
    {
        name: 'event',
        summary: 'this library, event mode (`authenticate` after connecting), HS256 secret',
        protocol: 'event',
        keyKind: 'hs256',
        authenticates: true,
        isLibrary: true,
        server: (keys) => thisLibrary({ secret: keys.hs256Secret, handshake: false }),
    },
    {
        name: 'rs256',
        summary: 'this library, handshake mode, RS256 public key (PEM)',
        protocol: 'handshake',
        keyKind: 'rs256',
        authenticates: true,
        isLibrary: true,
        server: (keys) => thisLibrary({ secret: keys.rs256PublicKeyPem, algorithms: ['RS256'] }),
    },
];
exports.BASELINE = 'none';
function findScenario(name) {
    const scenario = exports.SCENARIOS.find((candidate) => candidate.name === name);
    if (!scenario)
        throw new Error(`unknown scenario "${name}" (known: ${exports.SCENARIOS.map((s) => s.name).join(', ')})`);
    return scenario;
}
