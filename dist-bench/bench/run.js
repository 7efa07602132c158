"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * `npm run bench [-- --quick]`: starts one server process per scenario, then acts as the load
 * generator, running the scenarios interleaved (A B C A B C ...) for several rounds. Prints a
 * markdown report and writes bench/results/latest.json. Exits non-zero if an invalid token got
 * in or the harness could not measure.
 */
const node_child_process_1 = require("node:child_process");
const node_fs_1 = require("node:fs");
const node_os_1 = require("node:os");
const node_path_1 = require("node:path");
const node_perf_hooks_1 = require("node:perf_hooks");
const keys_1 = require("./keys");
const report_1 = require("./report");
const round_1 = require("./round");
const scenarios_1 = require("./scenarios");
const server_process_1 = require("./server-process");
const PRESETS = {
    quick: { rounds: 3, warmupRounds: 1, connections: 300, concurrency: 16, eventsPerSocket: 12, timeoutMs: 10_000, budgetSeconds: 70, watchdogSeconds: 150 },
    full: { rounds: 12, warmupRounds: 2, connections: 300, concurrency: 16, eventsPerSocket: 24, timeoutMs: 10_000, budgetSeconds: 420, watchdogSeconds: 600 },
};
const RESULTS_DIR = (0, node_path_1.join)(__dirname, '..', '..', 'bench', 'results');
const MIN_ROUNDS = 2;
const WARMUP_CONNECTIONS = 100;
function parseArgs(argv) {
    const mode = argv.includes('--quick') ? 'quick' : 'full';
    const config = { mode, ...PRESETS[mode], verbose: argv.includes('--verbose') };
    const numeric = {
        '--rounds': 'rounds',
        '--warmup': 'warmupRounds',
        '--connections': 'connections',
        '--concurrency': 'concurrency',
        '--events': 'eventsPerSocket',
        '--budget': 'budgetSeconds',
    };
    for (let index = 0; index < argv.length; index++) {
        const flag = argv[index];
        if (flag === '--quick' || flag === '--verbose')
            continue;
        const value = argv[++index];
        if (flag === '--only') {
            config.only = value.split(',');
        }
        else if (numeric[flag] && Number(value) > 0) {
            config[numeric[flag]] = Number(value);
        }
        else {
            throw new Error(`unknown or invalid argument: ${flag} ${value ?? ''}`);
        }
    }
    return config;
}
function selectScenarios(only) {
    if (!only)
        return scenarios_1.SCENARIOS;
    const unknown = only.filter((name) => !scenarios_1.SCENARIOS.some((scenario) => scenario.name === name));
    if (unknown.length)
        throw new Error(`unknown scenario(s): ${unknown.join(', ')}`);
    return scenarios_1.SCENARIOS.filter((scenario) => scenario.name === scenarios_1.BASELINE || only.includes(scenario.name));
}
function gitCommit() {
    try {
        return (0, node_child_process_1.execSync)('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    }
    catch {
        return undefined;
    }
}
function installStopHandlers(watchdogSeconds) {
    process.on('exit', server_process_1.killServers);
    for (const signal of ['SIGINT', 'SIGTERM']) {
        process.on(signal, () => {
            (0, server_process_1.killServers)();
            process.exit(130);
        });
    }
    setTimeout(() => {
        console.error(`bench: watchdog: still running after ${watchdogSeconds} s, stopping`);
        (0, server_process_1.killServers)();
        process.exit(2);
    }, watchdogSeconds * 1000).unref();
}
async function main() {
    const config = parseArgs(process.argv.slice(2));
    installStopHandlers(config.watchdogSeconds);
    const started = node_perf_hooks_1.performance.now();
    const elapsedSeconds = () => (node_perf_hooks_1.performance.now() - started) / 1000;
    const scenarios = selectScenarios(config.only);
    const loadAtStart = (0, node_os_1.loadavg)();
    const keys = (0, keys_1.generateKeys)();
    const pools = new Map();
    for (const kind of new Set(scenarios.map((scenario) => scenario.keyKind))) {
        pools.set(kind, (0, keys_1.createTokenPool)(keys, kind, config.connections));
    }
    const servers = await Promise.all(scenarios.map((scenario) => server_process_1.ServerProcess.start(scenario.name, keys.server)));
    if (config.verbose)
        process.stderr.write(`bench: keys, tokens and servers ready (${elapsedSeconds().toFixed(1)} s)\n`);
    const checks = new round_1.Checks();
    const samples = Object.fromEntries(scenarios.map((scenario) => [scenario.name, []]));
    const runAll = async (roundIndex, record) => {
        for (const [index, scenario] of scenarios.entries()) {
            const roundStarted = node_perf_hooks_1.performance.now();
            const pool = pools.get(scenario.keyKind);
            // A warm-up round only needs to get the code hot, not to measure.
            const tokens = record ? pool : { valid: pool.valid.slice(0, WARMUP_CONNECTIONS), invalid: pool.invalid.slice(0, WARMUP_CONNECTIONS) };
            const sample = await (0, round_1.runRound)(scenario, servers[index], tokens, config, roundIndex, checks);
            if (record)
                samples[scenario.name].push(sample);
            if (config.verbose) {
                process.stderr.write(`bench: ${record ? 'round' : 'warm-up'} ${roundIndex + 1} ${scenario.name}: ${((node_perf_hooks_1.performance.now() - roundStarted) / 1000).toFixed(1)} s\n`);
            }
        }
    };
    let error;
    let roundsDone = 0;
    try {
        for (let warmup = 0; warmup < config.warmupRounds; warmup++)
            await runAll(warmup, false);
        const measuringStarted = elapsedSeconds();
        for (let round = 0; round < config.rounds; round++) {
            const perRound = round === 0 ? 0 : (elapsedSeconds() - measuringStarted) / round;
            if (round >= MIN_ROUNDS && elapsedSeconds() + perRound > config.budgetSeconds)
                break;
            await runAll(round, true);
            roundsDone++;
            process.stderr.write(`bench: round ${roundsDone}/${config.rounds} done (${elapsedSeconds().toFixed(0)} s)\n`);
        }
    }
    catch (caught) {
        error = caught;
    }
    finally {
        for (const server of servers)
            server.stop();
    }
    const summaries = (0, report_1.summarize)(samples);
    const targets = (0, report_1.evaluateTargets)(samples, scenarios);
    const jsonPath = (0, node_path_1.join)(RESULTS_DIR, 'latest.json');
    const invalidLine = `Invalid tokens: ${checks.invalidAccepted} of ${checks.invalidAttempts} got in, ${checks.invalidReachedGateway} reached handleConnection; refusal codes ${JSON.stringify(checks.rejectionCodes)}.`;
    const header = {
        title: `nestjs-socketio-jwt benchmark (${config.mode})`,
        details: [
            `${roundsDone} measured rounds (+${config.warmupRounds} warm-up), scenarios interleaved; ${config.connections} connections per phase, ${config.concurrency} in flight; ${config.eventsPerSocket} acked events per socket per handler`,
            `node ${process.version}, ${(0, node_os_1.cpus)().length} CPUs (${(0, node_os_1.cpus)()[0]?.model ?? 'unknown'}), load average at start ${loadAtStart.map((load) => load.toFixed(2)).join(' ')}`,
            ...scenarios.map((scenario) => `\`${scenario.name}\`: ${scenario.summary}`),
        ],
    };
    const footer = [
        invalidLine,
        ...checks.failures.map((failure) => `FAILED: ${failure}`),
        ...(error && !checks.failures.length ? [`FAILED: ${error instanceof Error ? error.message : String(error)}`] : []),
        `Total time ${elapsedSeconds().toFixed(0)} s. JSON: ${(0, node_path_1.relative)(process.cwd(), jsonPath) || jsonPath}`,
    ];
    console.log((0, report_1.renderMarkdown)(header, scenarios, summaries, targets, footer));
    (0, node_fs_1.mkdirSync)(RESULTS_DIR, { recursive: true });
    const json = {
        date: new Date().toISOString(),
        commit: gitCommit(),
        environment: { node: process.version, cpus: (0, node_os_1.cpus)().length, cpuModel: (0, node_os_1.cpus)()[0]?.model, loadAtStart, loadAtEnd: (0, node_os_1.loadavg)() },
        config,
        roundsDone,
        durationSeconds: elapsedSeconds(),
        scenarios: scenarios.map(({ name, summary, protocol, keyKind }) => ({ name, summary, protocol, keyKind })),
        summaries,
        targets,
        checks: { ...checks, securityFailed: checks.securityFailed },
        error: error instanceof Error ? error.message : error === undefined ? undefined : String(error),
        samples,
    };
    (0, node_fs_1.writeFileSync)(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
    if (checks.securityFailed)
        console.error('bench: an invalid token got in');
    return checks.securityFailed || error !== undefined || roundsDone === 0 ? 1 : 0;
}
main().then((code) => {
    (0, server_process_1.killServers)();
    process.exit(code);
}, (error) => {
    console.error('bench:', error);
    (0, server_process_1.killServers)();
    process.exit(1);
});
