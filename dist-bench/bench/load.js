"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.attempt = attempt;
exports.inPool = inPool;
exports.emitWithAcks = emitWithAcks;
exports.closeSockets = closeSockets;
const node_perf_hooks_1 = require("node:perf_hooks");
const socket_io_client_1 = require("socket.io-client");
function openSocket(url, timeoutMs, token) {
    return (0, socket_io_client_1.io)(url, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        timeout: timeoutMs,
        ...(token === undefined ? {} : { auth: { token: `Bearer ${token}` } }),
    });
}
/** Settles once with the first outcome, or `failed` after `timeoutMs`. */
function firstOutcome(socket, timeoutMs, listen) {
    return new Promise((resolve) => {
        let settled = false;
        const finish = (outcome) => {
            if (settled)
                return;
            settled = true;
            clearTimeout(timer);
            resolve(outcome);
        };
        const timer = setTimeout(() => finish({ kind: 'failed', socket, reason: 'timeout' }), timeoutMs);
        listen(finish);
    });
}
/** Token in the handshake (`auth.token`): `connect` or `connect_error`. */
function attemptHandshake(url, token, timeoutMs) {
    const started = node_perf_hooks_1.performance.now();
    const socket = openSocket(url, timeoutMs, token);
    return firstOutcome(socket, timeoutMs, (finish) => {
        socket.once('connect', () => finish({ kind: 'accepted', socket, readyMs: node_perf_hooks_1.performance.now() - started }));
        socket.once('connect_error', (error) => finish({ kind: 'refused', socket, code: error.data?.code ?? `connect_error: ${error.message}` }));
    });
}
/** Event mode: connect, emit `authenticate { token }`, then `authenticated` or `unauthorized`. */
function attemptEvent(url, token, timeoutMs) {
    const started = node_perf_hooks_1.performance.now();
    let connectedAt = 0;
    const socket = openSocket(url, timeoutMs);
    return firstOutcome(socket, timeoutMs, (finish) => {
        socket.once('connect', () => {
            connectedAt = node_perf_hooks_1.performance.now();
            socket.emit('authenticate', { token });
        });
        socket.once('authenticated', () => {
            const now = node_perf_hooks_1.performance.now();
            finish({ kind: 'accepted', socket, readyMs: now - started, authMs: now - connectedAt });
        });
        socket.once('unauthorized', (payload) => finish({ kind: 'refused', socket, code: payload?.data?.code ?? 'unauthorized' }));
        socket.once('connect_error', (error) => finish({ kind: 'failed', socket, reason: `connect_error: ${error.message}` }));
        socket.once('disconnect', (reason) => finish({ kind: 'failed', socket, reason: `disconnected: ${reason}` }));
    });
}
function attempt(scenario, url, token, timeoutMs) {
    return scenario.protocol === 'event' ? attemptEvent(url, token, timeoutMs) : attemptHandshake(url, token, timeoutMs);
}
/** Runs `run` over `items` with at most `concurrency` in flight; results in input order. */
async function inPool(items, concurrency, run) {
    const results = new Array(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const index = next++;
            results[index] = await run(items[index]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
    return results;
}
/** Every socket emits `event` with an ack `perSocket` times in a row, all sockets at once. */
async function emitWithAcks(sockets, event, perSocket, timeoutMs) {
    let wrongAnswers = 0;
    const started = node_perf_hooks_1.performance.now();
    await Promise.all(sockets.map(async (socket) => {
        for (let index = 0; index < perSocket; index++) {
            const answer = await socket.timeout(timeoutMs).emitWithAck(event, index);
            if (answer !== 'ok')
                wrongAnswers++;
        }
    }));
    return { elapsedMs: node_perf_hooks_1.performance.now() - started, acks: sockets.length * perSocket, wrongAnswers };
}
function closeSockets(outcomes) {
    for (const outcome of outcomes)
        outcome.socket.disconnect();
}
