/**
 * One scenario's storm round: N authenticated sockets on a fresh server (connect cost, heap and RSS
 * per socket), then for a library scenario one `revokeSubject` and one expiry sweep at that size,
 * then the crash: the server is SIGKILLed, a replacement opens the same port, and every client
 * reconnects with its token through socket.io-client's own reconnection, once per backoff variant.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { median } from './figures';
import { ClientFleet } from './fleet';
import { jwksRequestCount } from './jwks-endpoint';
import type { StormObservation } from './fleet-protocol';
import type { BenchKeys } from './keys';
import type { Scenario } from './scenarios';
import { ServerProcess } from './server-process';
import { createCohortTokens, splitTokens, type StormTokens } from './storm-tokens';

/** How the clients' reconnection backs off after the crash. */
export interface BackoffVariant {
  name: string;
  /** socket.io-client `randomizationFactor`: 0.5 is its default; 0 makes every client retry at the same instant. */
  randomizationFactor: number;
}

export const BACKOFF_VARIANTS: BackoffVariant[] = [
  { name: 'herd', randomizationFactor: 0 },
  { name: 'jitter', randomizationFactor: 0.5 },
];

export interface StormConfig {
  sockets: number;
  clientProcesses: number;
  /** Connection attempts in flight per client process during the initial connect. */
  concurrency: number;
  timeoutMs: number;
  /** How long the clients get to come back after a crash. */
  stormTimeoutMs: number;
}

/** Flat figures of one scenario in one round (`herd.seconds`...), absent when they do not apply. */
export type FlatSample = Record<string, number>;

/** What must hold whatever the figures, summed over the run. */
export class StormChecks {
  invalidExpected = 0;
  invalidAccepted = 0;
  /** `handleConnection` calls beyond the valid sockets that came back. */
  invalidReachedGateway = 0;
  validExpected = 0;
  validLeftOut = 0;
  readonly jwksFetches: number[] = [];
  readonly failures: string[] = [];

  get securityFailed(): boolean {
    return this.invalidAccepted > 0 || this.invalidReachedGateway > 0;
  }
}

const SETTLE_MS = 20;
/** The cohort's tokens expire together this many whole seconds after they are signed. */
const COHORT_LIFETIME_S = 3;
const REVOCATIONS = 5;

export async function runStormRound(
  scenario: Scenario,
  keys: BenchKeys,
  tokens: StormTokens,
  config: StormConfig,
  checks: StormChecks,
): Promise<FlatSample> {
  let server = await ServerProcess.start(scenario.name, keys.server);
  const shares = splitTokens(tokens, config.clientProcesses);
  const fleet = await ClientFleet.start(
    shares.map((share) => ({
      url: server.url,
      tokens: share.valid,
      invalidTokens: share.invalid,
      concurrency: config.concurrency,
      timeoutMs: config.timeoutMs,
    })),
  );
  try {
    const sample = await measureScale(scenario, server, fleet, config);
    if (scenario.isLibrary)
      Object.assign(sample, await measureRevocationAndSweep(scenario, keys, server, fleet, config, checks));
    for (const variant of BACKOFF_VARIANTS) {
      const { replacement, figures } = await crashAndReconnect(scenario, keys, server, fleet, variant, config, checks);
      server = replacement;
      for (const [key, value] of Object.entries(figures)) sample[`${variant.name}.${key}`] = value;
      await fleet.restore();
    }
    return sample;
  } finally {
    fleet.stop();
    server.stop();
  }
}

/** The connect phase at N sockets, and what N authenticated sockets keep in memory. */
async function measureScale(
  scenario: Scenario,
  server: ServerProcess,
  fleet: ClientFleet,
  config: StormConfig,
): Promise<FlatSample> {
  const before = await server.memory();
  await server.cpuStart();
  const connected = await fleet.connect(connectBudgetMs(config));
  await sleep(SETTLE_MS);
  const cpuUs = await server.cpuStop();
  if (connected.failed > 0) {
    throw new Error(
      `${scenario.name}: ${connected.failed} of ${config.sockets} valid sockets did not connect (${connected.reasons.join('; ')})`,
    );
  }
  const after = await server.memory();
  return {
    connectCpuUs: cpuUs / connected.accepted,
    heapPerSocketBytes: (after.heapUsed - before.heapUsed) / connected.accepted,
    rssPerSocketBytes: (after.rss - before.rss) / connected.accepted,
  };
}

/** Generous: the initial connect runs at the fleet's concurrency, on a machine the server shares. */
export function connectBudgetMs(config: StormConfig): number {
  return config.timeoutMs + config.sockets * 10;
}

/**
 * A cohort of 1% more sockets whose tokens all expire in the same second: a few are revoked by
 * subject (each `revokeSubject` scans every open socket), the rest go in one sweep of the
 * library's expiry timer. Each cohort socket must end with the right refusal code.
 */
async function measureRevocationAndSweep(
  scenario: Scenario,
  keys: BenchKeys,
  server: ServerProcess,
  fleet: ClientFleet,
  config: StormConfig,
  checks: StormChecks,
): Promise<FlatSample> {
  const size = Math.max(REVOCATIONS * 2, Math.round(config.sockets / 100));
  const cohort = createCohortTokens(keys, scenario.keyKind, size, COHORT_LIFETIME_S);
  const opened = await fleet.openCohort(server.url, cohort);
  if (opened !== size) throw new Error(`${scenario.name}: ${size - opened} cohort sockets did not connect`);
  await server.sweeps();
  // A first call compiles the revocation path; a subject nobody holds takes it without a disconnect.
  await server.revokeSubject('nobody');
  const scans = [];
  for (let index = 0; index < REVOCATIONS; index++) scans.push(await server.revokeSubject(`nobody-${index}`));
  const revocations = [];
  for (let index = 0; index < REVOCATIONS; index++) revocations.push(await server.revokeSubject(`cohort-${index}`));
  const ended = await fleet.awaitCohort((COHORT_LIFETIME_S + 5) * 1000);
  const sweeps = await server.sweeps();
  const expected = { token_revoked: REVOCATIONS, token_expired: size - REVOCATIONS };
  const asExpected =
    ended.stillOpen === 0 &&
    Object.keys(ended.codes).length === 2 &&
    ended.codes.token_revoked === expected.token_revoked &&
    ended.codes.token_expired === expected.token_expired;
  if (!asExpected) {
    checks.failures.push(
      `${scenario.name}: cohort ended ${JSON.stringify(ended.codes)} (${ended.stillOpen} still open), expected ${JSON.stringify(expected)}`,
    );
  }
  if (revocations.some((call) => call.sockets !== 1)) {
    checks.failures.push(`${scenario.name}: a revokeSubject did not find its one socket`);
  }
  const sweep = sweeps.reduce((largest, candidate) => (candidate.sockets > largest.sockets ? candidate : largest), {
    ms: 0,
    cpuMs: 0,
    sockets: 0,
  });
  return {
    openAtRevocation: config.sockets + size,
    revokeSubjectMs: median(revocations.map((call) => call.ms)),
    revokeSubjectCpuMs: median(revocations.map((call) => call.cpuMs)),
    revokeScanMs: median(scans.map((call) => call.ms)),
    sweepMs: sweep.ms,
    sweepCpuMs: sweep.cpuMs,
    sweepSockets: sweep.sockets,
  };
}

/**
 * The crash: a replacement boots first (so the figure is the storm, not Nest's boot time), the
 * server is SIGKILLed (every client sees its connection drop at once), the replacement opens the
 * same port, and the clients come back on their own backoff schedule.
 */
async function crashAndReconnect(
  scenario: Scenario,
  keys: BenchKeys,
  server: ServerProcess,
  fleet: ClientFleet,
  variant: BackoffVariant,
  config: StormConfig,
  checks: StormChecks,
): Promise<{ replacement: ServerProcess; figures: FlatSample }> {
  const port = Number(new URL(server.url).port);
  const replacement = await ServerProcess.start(scenario.name, keys.server, { port, deferListen: true });
  await fleet.arm(variant.randomizationFactor);
  const jwksBefore = jwksRequestCount();
  const killedAt = Date.now();
  await server.kill();
  await replacement.listen();
  const listeningAt = Date.now();
  const observations = await fleet.awaitStorm(config.stormTimeoutMs);
  await sleep(SETTLE_MS);
  const cpuUs = await replacement.cpuStop();
  const loop = await replacement.loopDelay();
  const stats = await replacement.stats();
  const jwksRequests = jwksRequestCount() - jwksBefore;
  const seen = sumObservations(observations);
  recordStormChecks(scenario, variant, seen, stats.gatewayConnections, jwksRequests, checks);
  const reconnecting = seen.validExpected + seen.invalidExpected;
  return {
    replacement,
    figures: {
      seconds: (seen.lastBackAt - killedAt) / 1000,
      portClosedMs: listeningAt - killedAt,
      halfBackSeconds: seen.backAt.length ? (median(seen.backAt) - killedAt) / 1000 : 0,
      cpuPerClientUs: cpuUs / reconnecting,
      loopDelayMaxMs: loop.maxMs,
      loopDelayP99Ms: loop.p99Ms,
      retriedErrors: seen.retriedErrors,
      ...(scenario.name === 'jwks' ? { jwksFetches: jwksRequests } : {}),
    },
  };
}

function sumObservations(observations: StormObservation[]): StormObservation {
  const sum = (pick: (observation: StormObservation) => number) =>
    observations.reduce((total, observation) => total + pick(observation), 0);
  const validRefused: Record<string, number> = {};
  for (const observation of observations) {
    for (const [code, count] of Object.entries(observation.validRefused))
      validRefused[code] = (validRefused[code] ?? 0) + count;
  }
  return {
    validExpected: sum((observation) => observation.validExpected),
    validBack: sum((observation) => observation.validBack),
    validRefused,
    invalidExpected: sum((observation) => observation.invalidExpected),
    invalidAccepted: sum((observation) => observation.invalidAccepted),
    invalidRefused: sum((observation) => observation.invalidRefused),
    firstDisconnectAt: Math.min(...observations.map((observation) => observation.firstDisconnectAt)),
    lastBackAt: Math.max(...observations.map((observation) => observation.lastBackAt)),
    backAt: observations.flatMap((observation) => observation.backAt),
    retriedErrors: sum((observation) => observation.retriedErrors),
    settled: observations.every((observation) => observation.settled),
  };
}

function recordStormChecks(
  scenario: Scenario,
  variant: BackoffVariant,
  seen: StormObservation,
  gatewayConnections: number,
  jwksRequests: number,
  checks: StormChecks,
): void {
  const label = `${scenario.name} ${variant.name}`;
  checks.validExpected += seen.validExpected;
  checks.validLeftOut += seen.validExpected - seen.validBack;
  if (seen.validBack < seen.validExpected) {
    checks.failures.push(
      `${label}: ${seen.validExpected - seen.validBack} of ${seen.validExpected} valid clients not back (refused: ${JSON.stringify(seen.validRefused)})`,
    );
  }
  // `none` lets every token in by design; it is the baseline, not a check.
  if (!scenario.authenticates) return;
  checks.invalidExpected += seen.invalidExpected;
  checks.invalidAccepted += seen.invalidAccepted;
  checks.invalidReachedGateway += Math.max(0, gatewayConnections - seen.validBack);
  if (seen.invalidRefused + seen.invalidAccepted < seen.invalidExpected) {
    checks.failures.push(
      `${label}: ${seen.invalidExpected - seen.invalidRefused} wrong-key clients neither refused nor in`,
    );
  }
  if (scenario.name === 'jwks') {
    checks.jwksFetches.push(jwksRequests);
    if (jwksRequests !== 1)
      checks.failures.push(`${label}: ${jwksRequests} JWKS fetches after the restart (expected 1)`);
  }
}
