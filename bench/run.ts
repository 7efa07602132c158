/**
 * `npm run bench [-- --quick]`: starts one server process per scenario, then acts as the load
 * generator, running the scenarios interleaved (A B C A B C ...) for several rounds. Prints a
 * markdown report and writes bench/results/latest.json. Exits non-zero if an invalid token got
 * in or the harness could not measure.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createTokenPool, generateKeys, type TokenPool } from './keys';
import { evaluateTargets, renderMarkdown, summarize, type SamplesByScenario } from './report';
import { Checks, runRound, type RoundConfig } from './round';
import { BASELINE, SCENARIOS, type Scenario } from './scenarios';
import { killServers, ServerProcess } from './server-process';
import { isStormRun, runStormBench } from './storm-run';

interface RunConfig extends RoundConfig {
  mode: 'quick' | 'full';
  rounds: number;
  warmupRounds: number;
  /** Stop starting rounds once this much time has gone (at least 2 measured rounds always run). */
  budgetSeconds: number;
  /** Hard stop: kill everything and exit 2. */
  watchdogSeconds: number;
  only?: string[];
  /** Print each scenario round's duration to stderr. */
  verbose: boolean;
}

const PRESETS: Record<RunConfig['mode'], Omit<RunConfig, 'mode' | 'verbose'>> = {
  quick: {
    rounds: 3,
    warmupRounds: 1,
    connections: 300,
    concurrency: 16,
    eventsPerSocket: 16,
    timeoutMs: 10_000,
    budgetSeconds: 60,
    watchdogSeconds: 150,
  },
  full: {
    rounds: 12,
    warmupRounds: 2,
    connections: 300,
    concurrency: 16,
    eventsPerSocket: 40,
    timeoutMs: 10_000,
    budgetSeconds: 400,
    watchdogSeconds: 600,
  },
};

const RESULTS_DIR = join(__dirname, '..', '..', 'bench', 'results');
const MIN_ROUNDS = 2;

function parseArgs(argv: string[]): RunConfig {
  const mode = argv.includes('--quick') ? 'quick' : 'full';
  const config: RunConfig = { mode, ...PRESETS[mode], verbose: argv.includes('--verbose') };
  const numeric: Record<string, keyof RunConfig> = {
    '--rounds': 'rounds',
    '--warmup': 'warmupRounds',
    '--connections': 'connections',
    '--concurrency': 'concurrency',
    '--events': 'eventsPerSocket',
    '--budget': 'budgetSeconds',
  };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    if (flag === '--quick' || flag === '--verbose') continue;
    const value = argv[++index];
    if (flag === '--only') {
      config.only = value.split(',');
    } else if (numeric[flag] && Number.isInteger(Number(value)) && Number(value) >= (flag === '--warmup' ? 0 : 1)) {
      (config as unknown as Record<string, number>)[numeric[flag]] = Number(value);
    } else {
      throw new Error(`unknown or invalid argument: ${flag} ${value ?? ''}`);
    }
  }
  return config;
}

function selectScenarios(only?: string[]): Scenario[] {
  if (!only) return SCENARIOS;
  const unknown = only.filter((name) => !SCENARIOS.some((scenario) => scenario.name === name));
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}`);
  return SCENARIOS.filter((scenario) => scenario.name === BASELINE || only.includes(scenario.name));
}

function gitCommit(): string | undefined {
  try {
    return execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}

function installStopHandlers(watchdogSeconds: number): void {
  process.on('exit', killServers);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killServers();
      process.exit(130);
    });
  }
  setTimeout(() => {
    console.error(`bench: watchdog: still running after ${watchdogSeconds} s, stopping`);
    killServers();
    process.exit(2);
  }, watchdogSeconds * 1000).unref();
}

async function main(): Promise<number> {
  const config = parseArgs(process.argv.slice(2));
  installStopHandlers(config.watchdogSeconds);
  const started = performance.now();
  const elapsedSeconds = () => (performance.now() - started) / 1000;
  const scenarios = selectScenarios(config.only);
  const loadAtStart = loadavg();

  const keys = generateKeys();
  const pools = new Map<string, TokenPool>();
  for (const kind of new Set(scenarios.map((scenario) => scenario.keyKind))) {
    pools.set(kind, createTokenPool(keys, kind, config.connections));
  }
  const servers: ServerProcess[] = [];
  for (const scenario of scenarios) servers.push(await ServerProcess.start(scenario.name, keys.server));
  if (config.verbose)
    process.stderr.write(`bench: keys, tokens and servers ready (${elapsedSeconds().toFixed(1)} s)\n`);
  const checks = new Checks();
  const samples: SamplesByScenario = Object.fromEntries(scenarios.map((scenario) => [scenario.name, []]));

  const runAll = async (roundIndex: number, record: boolean) => {
    // Each round starts one scenario further (A B C, B C A, ...), so an order effect (what ran just
    // before, on the same two cores) cannot always favour the same scenario.
    for (let position = 0; position < scenarios.length; position++) {
      const index = (roundIndex + position) % scenarios.length;
      const scenario = scenarios[index];
      const roundStarted = performance.now();
      const sample = await runRound(scenario, servers[index], pools.get(scenario.keyKind)!, config, roundIndex, checks);
      if (record) samples[scenario.name].push({ ...sample, position });
      if (config.verbose) {
        process.stderr.write(
          `bench: ${record ? 'round' : 'warm-up'} ${roundIndex + 1} ${scenario.name}: ${((performance.now() - roundStarted) / 1000).toFixed(1)} s\n`,
        );
      }
    }
  };

  let error: unknown;
  let roundsDone = 0;
  try {
    for (let warmup = 0; warmup < config.warmupRounds; warmup++) await runAll(warmup, false);
    const measuringStarted = elapsedSeconds();
    for (let round = 0; round < config.rounds; round++) {
      const perRound = round === 0 ? 0 : (elapsedSeconds() - measuringStarted) / round;
      if (round >= MIN_ROUNDS && elapsedSeconds() + perRound > config.budgetSeconds) break;
      await runAll(round, true);
      roundsDone++;
      process.stderr.write(`bench: round ${roundsDone}/${config.rounds} done (${elapsedSeconds().toFixed(0)} s)\n`);
    }
  } catch (caught) {
    error = caught;
  } finally {
    for (const server of servers) server.stop();
  }

  const summaries = summarize(samples);
  const targets = evaluateTargets(samples, scenarios);
  const jsonPath = join(RESULTS_DIR, 'latest.json');
  const invalidLine = `${checks.securityFailed ? '**SECURITY FAILURE** ' : ''}Invalid tokens: ${checks.invalidAccepted} of ${checks.invalidAttempts} got in, ${checks.invalidReachedGateway} reached handleConnection; refusal codes ${JSON.stringify(checks.rejectionCodes)}.`;
  const header = {
    title: `nestjs-socketio-jwt benchmark (${config.mode})`,
    details: [
      `${roundsDone} measured rounds (+${config.warmupRounds} warm-up), scenarios interleaved; ${config.connections} connections per phase, ${config.concurrency} in flight; ${config.eventsPerSocket} acked events per socket per handler`,
      `node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), load average at start ${loadAtStart.map((load) => load.toFixed(2)).join(' ')}`,
      ...scenarios.map((scenario) => `\`${scenario.name}\`: ${scenario.summary}`),
    ],
  };
  const footer = [
    invalidLine,
    ...checks.failures.map((failure) => `FAILED: ${failure}`),
    ...(error && !checks.failures.length ? [`FAILED: ${error instanceof Error ? error.message : String(error)}`] : []),
    `Total time ${elapsedSeconds().toFixed(0)} s. JSON: ${relative(process.cwd(), jsonPath) || jsonPath}`,
  ];
  console.log(renderMarkdown(header, scenarios, summaries, targets, footer));

  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = {
    date: new Date().toISOString(),
    commit: gitCommit(),
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
    scenarios: scenarios.map(({ name, summary, protocol, keyKind }) => ({ name, summary, protocol, keyKind })),
    summaries,
    targets,
    checks: { ...checks, securityFailed: checks.securityFailed },
    error: error instanceof Error ? error.message : error === undefined ? undefined : String(error),
    samples,
  };
  writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);

  if (checks.securityFailed) console.error('bench: an invalid token got in');
  return checks.securityFailed || error !== undefined || roundsDone === 0 ? 1 : 0;
}

const argv = process.argv.slice(2);
(isStormRun(argv) ? runStormBench(argv) : main()).then(
  (code) => {
    killServers();
    process.exit(code);
  },
  (error: unknown) => {
    console.error('bench:', error);
    killServers();
    process.exit(1);
  },
);
