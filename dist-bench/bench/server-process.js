"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ServerProcess = void 0;
exports.killServers = killServers;
const node_child_process_1 = require("node:child_process");
const node_path_1 = require("node:path");
const READY_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 15_000;
const children = new Set();
/** Kills every server process still running (on exit, on a signal, on the watchdog). */
function killServers() {
    for (const child of children)
        child.kill('SIGKILL');
    children.clear();
}
/** The load generator's handle on one scenario's server process. */
class ServerProcess {
    scenario;
    url;
    child;
    nextId = 1;
    pending = new Map();
    constructor(scenario, url, child) {
        this.scenario = scenario;
        this.url = url;
        this.child = child;
        child.on('message', (message) => {
            if (message.type !== 'response')
                return;
            this.pending.get(message.id)?.resolve(message.value);
            this.pending.delete(message.id);
        });
        child.on('exit', (code) => {
            children.delete(child);
            for (const { reject } of this.pending.values())
                reject(new Error(`server ${scenario} exited (${code})`));
            this.pending.clear();
        });
    }
    static start(scenario, keys) {
        const child = (0, node_child_process_1.fork)((0, node_path_1.join)(__dirname, 'server.js'), [], {
            execArgv: ['--expose-gc'],
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        children.add(child);
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`server ${scenario} did not start`)), READY_TIMEOUT_MS);
            child.once('exit', (code) => reject(new Error(`server ${scenario} exited during startup (${code})`)));
            child.on('message', (message) => {
                if (message.type === 'ready') {
                    clearTimeout(timer);
                    resolve(new ServerProcess(scenario, `http://127.0.0.1:${message.port}`, child));
                }
                else if (message.type === 'failed') {
                    clearTimeout(timer);
                    reject(new Error(`server ${scenario} failed to start: ${message.error}`));
                }
            });
            child.send({ type: 'start', scenario, keys });
        });
    }
    cpuStart() {
        return this.request('cpu-start');
    }
    /** Server CPU (user + system, µs) since the last `cpuStart`. */
    cpuStop() {
        return this.request('cpu-stop');
    }
    /** `heapUsed` after a full GC in the server. */
    heapAfterGc() {
        return this.request('heap');
    }
    stats() {
        return this.request('stats');
    }
    stop() {
        this.child.kill('SIGTERM');
    }
    request(op) {
        const id = this.nextId++;
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.pending.delete(id);
                reject(new Error(`server ${this.scenario}: no answer to ${op}`));
            }, REQUEST_TIMEOUT_MS);
            this.pending.set(id, {
                resolve: (value) => {
                    clearTimeout(timer);
                    resolve(value);
                },
                reject: (error) => {
                    clearTimeout(timer);
                    reject(error);
                },
            });
            this.child.send({ type: 'request', id, op });
        });
    }
}
exports.ServerProcess = ServerProcess;
