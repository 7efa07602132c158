/**
 * `npm run bench -- --storm` / `-- --cluster`: the reconnect storm and scale figures at N sockets
 * (10,000 by default), and the connect phase on a two-node Redis cluster. Each round runs every
 * scenario once, interleaved like the steady-state bench; prints a markdown report and writes
 * bench/results/storm-latest.json. Exits non-zero if a wrong-key client got in, a valid client was
 * left out, or the harness could not measure.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startRedis, type TestRedis } from '../test/support/redis';
import { runClusterRound } from './cluster';
import { serveJwks } from './jwks-endpoint';
import { generateKeys, type KeyKind } from './keys';
import { BASELINE, findScenario, type Scenario } from './scenarios';
import { killServers } from './server-process';
import { BACKOFF_VARIANTS, runStormRound, StormChecks, type StormConfig } from './storm';
import { evaluateStormTargets, renderStormMarkdown, summarizeStorm, type StormSamples } from './storm-report';
import { createStormTokens, type StormTokens } from './storm-tokens';

/** The storm's side-by-side set: the baseline, the other library's handshake, and this library's handshake modes. */
const STORM_SCENARIOS = ['none', 'thream', 'handshake', 'rs256', 'jwks'];
/** Every this-many-th client has its token swapped for a wrong-key one before each crash. */
const INVALID_EVERY = 100;
/** File descriptors a server needs besides its sockets (listening socket, IPC, Redis, JWKS, libuv). */
const FD_MARGIN = 256;

interface StormRunConfig extends StormConfig {
  mode: 'quick' | 'full';
  storm: boolean;
  cluster: boolean;
  rounds: number;
  only?: string[];
  watchdogSeconds: number;
  verbose: boolean;
}

const PRESETS: Record<StormRunConfig['mode'], Omit<StormRunConfig, 'mode' | 'storm' | 'cluster' | 'verbose'>> = {
  quick: {
    sockets: 1_000,
    clientProcesses: 2,
    concurrency: 32,
    timeoutMs: 20_000,
    stormTimeoutMs: 60_000,
    rounds: 2,
    watchdogSeconds: 600,
  },
  full: {
    sockets: 10_000,
    clientProcesses: 2,
    concurrency: 32,
    timeoutMs: 20_000,
    stormTimeoutMs: 120_000,
    rounds: 3,
    watchdogSeconds: 2_700,
  },
};

const RESULTS_DIR = join(__dirname, '..', '..', 'bench', 'results');

function stormVariantsLine(): string {
  const variants = BACKOFF_VARIANTS.map(
    (variant) => `${variant.name} = randomizationFactor ${variant.randomizationFactor}`,
  );
  return `storm variants: ${variants.join(', ')}; reconnectionDelay 1000 ms, reconnectionDelayMax 5000 ms (socket.io-client defaults)`;
}

function clusterLine(sockets: number): string {
  const perNode = Math.floor(sockets / 2);
  return `cluster: ${perNode} sockets on 1 node (in-memory adapter), then ${perNode} on each of 2 nodes over the classic @socket.io/redis-adapter and a local redis-server`;
}

/**
 * Each socket holds a file descriptor in its client process and one in the server: a limit below
 * the socket count fails mid-storm with EMFILE, so say so before anything starts.
 */
function checkFileLimit(sockets: number): void {
  let limit: number;
  try {
    limit = Number(
      execSync('ulimit -n', { shell: '/bin/sh', stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim(),
    );
  } catch {
    return;
  }
  if (Number.isFinite(limit) && limit < sockets + FD_MARGIN) {
    throw new Error(`ulimit -n is ${limit}: ${sockets} sockets need at least ${sockets + FD_MARGIN} (CI sets 65536)`);
  }
}

export function isStormRun(argv: readonly string[]): boolean {
  return argv.includes('--storm') || argv.includes('--cluster');
}

function parseArgs(argv: string[]): StormRunConfig {
  const mode = argv.includes('--quick') ? 'quick' : 'full';
  const config: StormRunConfig = {
    mode,
    ...PRESETS[mode],
    storm: argv.includes('--storm'),
    cluster: argv.includes('--cluster'),
    verbose: argv.includes('--verbose'),
  };
  const numeric: Record<string, keyof StormRunConfig> = {
    '--sockets': 'sockets',
    '--rounds': 'rounds',
    '--client-processes': 'clientProcesses',
    '--concurrency': 'concurrency',
  };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    if (['--quick', '--storm', '--cluster', '--verbose'].includes(flag)) continue;
    const value = argv[++index];
    if (flag === '--only') {
      config.only = value.split(',');
    } else if (numeric[flag] && Number.isInteger(Number(value)) && Number(value) >= 1) {
      (config as unknown as Record<string, number>)[numeric[flag]] = Number(value);
    } else {
      throw new Error(`unknown or invalid argument for --storm/--cluster: ${flag} ${value ?? ''}`);
    }
  }
  if (config.sockets < 2 * INVALID_EVERY) throw new Error(`--sockets must be at least ${2 * INVALID_EVERY}`);
  return config;
}

function selectScenarios(only?: string[]): Scenario[] {
  const unknown = (only ?? []).filter((name) => !STORM_SCENARIOS.includes(name));
  if (unknown.length)
    throw new Error(`not a storm scenario: ${unknown.join(', ')} (known: ${STORM_SCENARIOS.join(', ')})`);
  return STORM_SCENARIOS.filter((name) => !only || name === BASELINE || only.includes(name)).map(findScenario);
}

function installStopHandlers(watchdogSeconds: number, redis: () => TestRedis | undefined): void {
  const stopAll = () => {
    killServers();
    void redis()?.stop();
  };
  process.on('exit', killServers);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      stopAll();
      process.exit(130);
    });
  }
  setTimeout(() => {
    console.error(`bench: watchdog: still running after ${watchdogSeconds} s, stopping`);
    stopAll();
    process.exit(2);
  }, watchdogSeconds * 1000).unref();
}

export async function runStormBench(argv: string[]): Promise<number> {
  const config = parseArgs(argv);
  checkFileLimit(config.sockets);
  let redis: TestRedis | undefined;
  installStopHandlers(config.watchdogSeconds, () => redis);
  const started = performance.now();
  const elapsedSeconds = () => (performance.now() - started) / 1000;
  const log = (line: string) => process.stderr.write(`bench: ${line} (${elapsedSeconds().toFixed(0)} s)\n`);
  const scenarios = selectScenarios(config.only);
  const loadAtStart = loadavg();

  const keys = generateKeys();
  // The identity provider runs here, outside every server process: a storm starves the server's event loop.
  if (scenarios.some((scenario) => scenario.name === 'jwks'))
    keys.server.jwksUri = await serveJwks(keys.server.rs256PublicKeyPem);
  const tokens = new Map<KeyKind, StormTokens>();
  for (const kind of new Set(scenarios.map((scenario) => scenario.keyKind)))
    tokens.set(kind, createStormTokens(keys, kind, config.sockets, INVALID_EVERY));
  log(`${config.sockets} tokens per key kind signed`);
  if (config.cluster) redis = await startRedis();

  const checks = new StormChecks();
  const stormSamples: StormSamples = Object.fromEntries(scenarios.map((scenario) => [scenario.name, []]));
  const clusterSamples: StormSamples = config.cluster
    ? Object.fromEntries(scenarios.map((scenario) => [scenario.name, []]))
    : {};
  let error: unknown;
  let roundsDone = 0;
  try {
    for (let round = 0; round < config.rounds; round++) {
      // Each round starts one scenario further, so no scenario always runs first.
      for (let position = 0; position < scenarios.length; position++) {
        const scenario = scenarios[(round + position) % scenarios.length];
        const scenarioTokens = tokens.get(scenario.keyKind)!;
        if (config.storm) {
          stormSamples[scenario.name][round] = await runStormRound(scenario, keys, scenarioTokens, config, checks);
          if (config.verbose)
            log(`round ${round + 1} storm ${scenario.name}: ${JSON.stringify(stormSamples[scenario.name][round])}`);
        }
        if (config.cluster && redis) {
          clusterSamples[scenario.name][round] = await runClusterRound(
            scenario,
            keys,
            scenarioTokens.valid,
            config,
            redis.url,
          );
          if (config.verbose)
            log(`round ${round + 1} cluster ${scenario.name}: ${JSON.stringify(clusterSamples[scenario.name][round])}`);
        }
      }
      roundsDone++;
      log(`round ${roundsDone}/${config.rounds} done`);
    }
  } catch (caught) {
    error = caught;
  } finally {
    killServers();
    await redis?.stop();
  }

  const libraryScenarios = scenarios.filter((scenario) => scenario.isLibrary).map((scenario) => scenario.name);
  const targets = evaluateStormTargets(
    stormSamples,
    clusterSamples,
    config.storm ? checks : undefined,
    libraryScenarios,
  );
  const jsonPath = join(RESULTS_DIR, 'storm-latest.json');
  const securityLine = `${checks.securityFailed ? '**SECURITY FAILURE** ' : ''}Wrong-key clients let in: ${checks.invalidAccepted} of ${checks.invalidExpected} (+${checks.invalidReachedGateway} extra handleConnection calls); valid clients left out: ${checks.validLeftOut} of ${checks.validExpected}.`;
  const markdown = renderStormMarkdown({
    title: `nestjs-socketio-jwt storm, scale and cluster (${config.mode})`,
    details: [
      `${roundsDone} rounds, scenarios interleaved; ${config.sockets} sockets (${config.clientProcesses} client processes, ${config.concurrency} connects in flight each); every ${INVALID_EVERY}th client reconnects with a wrong-key token`,
      ...(config.storm ? [stormVariantsLine()] : []),
      ...(config.cluster ? [clusterLine(config.sockets)] : []),
      `node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), load average at start ${loadAtStart.map((load) => load.toFixed(2)).join(' ')}`,
      ...scenarios.map((scenario) => `\`${scenario.name}\`: ${scenario.summary}`),
    ],
    scenarios: scenarios.map((scenario) => scenario.name),
    storm: summarizeStorm(stormSamples),
    cluster: summarizeStorm(clusterSamples),
    targets,
    footer: [
      ...(config.storm ? [securityLine] : []),
      ...checks.failures.map((failure) => `FAILED: ${failure}`),
      ...(error ? [`FAILED: ${error instanceof Error ? error.message : String(error)}`] : []),
      `Total time ${elapsedSeconds().toFixed(0)} s. JSON: ${relative(process.cwd(), jsonPath) || jsonPath}`,
    ],
  });
  console.log(markdown);

  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = {
    date: new Date().toISOString(),
    environment: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      loadAtStart,
      loadAtEnd: loadavg(),
    },
    config,
    roundsDone,
    durationSeconds: elapsedSeconds(),
    summaries: { storm: summarizeStorm(stormSamples), cluster: summarizeStorm(clusterSamples) },
    targets,
    checks: { ...checks, securityFailed: checks.securityFailed },
    error: error instanceof Error ? error.message : error === undefined ? undefined : String(error),
    samples: { storm: stormSamples, cluster: clusterSamples },
  };
  writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  const broken = checks.securityFailed || checks.validLeftOut > 0 || checks.failures.length > 0;
  return broken || error !== undefined || roundsDone === 0 ? 1 : 0;
}
