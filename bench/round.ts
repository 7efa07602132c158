import { setTimeout as sleep } from 'node:timers/promises';
import type { Socket } from 'socket.io-client';
import type { TokenPool } from './keys';
import { attempt, closeSockets, emitWithAcks, inPool, type Outcome } from './load';
import { median, type RoundSample } from './figures';
import type { Scenario } from './scenarios';
import type { ServerProcess } from './server-process';

export interface RoundConfig {
  connections: number;
  concurrency: number;
  eventsPerSocket: number;
  timeoutMs: number;
}

/** What must hold whatever the figures: invalid tokens stay out, valid ones get in. */
export class Checks {
  invalidAttempts = 0;
  invalidAccepted = 0;
  /** `handleConnection` calls during the invalid-token phase. */
  invalidReachedGateway = 0;
  readonly rejectionCodes: Record<string, number> = {};
  readonly failures: string[] = [];

  get securityFailed(): boolean {
    return this.invalidAccepted > 0 || this.invalidReachedGateway > 0;
  }
}

/** Lets the server finish what the last client event started before reading its CPU. */
const SETTLE_MS = 20;
const IDLE_POLL_MS = 20;
const EVENT_SLICES = 4;

export async function runRound(
  scenario: Scenario,
  server: ServerProcess,
  tokens: TokenPool,
  config: RoundConfig,
  roundIndex: number,
  checks: Checks,
): Promise<RoundSample> {
  await waitUntilNoClients(server, config.timeoutMs);
  const sample: RoundSample = {};
  const heapBefore = await server.heapAfterGc();
  const gatewayBefore = (await server.stats()).gatewayConnections;

  const { value: outcomes, cpuUs } = await measureCpu(server, () => attemptAll(scenario, server, tokens.valid, config));
  const accepted = outcomes.filter((outcome) => outcome.kind === 'accepted');
  try {
    assertAllAccepted(scenario, outcomes, checks);
    const gatewayConnections = (await server.stats()).gatewayConnections - gatewayBefore;
    if (gatewayConnections !== accepted.length) {
      fail(
        checks,
        `${scenario.name}: ${accepted.length} sockets connected but handleConnection ran ${gatewayConnections} times`,
      );
    }
    sample.cpuPerAcceptedUs = cpuUs / accepted.length;
    sample.connectMs = median(accepted.map((outcome) => outcome.readyMs));
    if (scenario.protocol === 'event') sample.authMs = median(accepted.map((outcome) => outcome.authMs ?? 0));
    sample.heapPerSocketBytes = ((await server.heapAfterGc()) - heapBefore) / accepted.length;

    Object.assign(
      sample,
      await measureEvents(
        scenario,
        server,
        accepted.map((outcome) => outcome.socket),
        config,
        roundIndex,
        checks,
      ),
    );

    if (scenario.authenticates)
      sample.cpuPerRejectedUs = await measureRejections(scenario, server, tokens, config, checks);
  } finally {
    closeSockets(outcomes);
  }
  await waitUntilNoClients(server, config.timeoutMs);
  return sample;
}

/**
 * `open` and `guarded` in alternating slices (open, guarded, open, guarded... or the reverse on odd
 * rounds), so a burst of load from elsewhere on the machine lands on both handlers alike.
 */
async function measureEvents(
  scenario: Scenario,
  server: ServerProcess,
  sockets: readonly Socket[],
  config: RoundConfig,
  roundIndex: number,
  checks: Checks,
): Promise<RoundSample> {
  const totals = { open: { elapsedMs: 0, acks: 0, cpuUs: 0 }, guarded: { elapsedMs: 0, acks: 0, cpuUs: 0 } };
  const order = roundIndex % 2 === 0 ? (['open', 'guarded'] as const) : (['guarded', 'open'] as const);
  const perSlice = Math.max(1, Math.floor(config.eventsPerSocket / EVENT_SLICES));
  // An unmeasured slice of each first: the first events after the connect phase and the forced GC cost more.
  for (const handler of order) await emitWithAcks(sockets, handler, perSlice, config.timeoutMs);
  for (let slice = 0; slice < EVENT_SLICES; slice++) {
    for (const handler of order) {
      const { value: phase, cpuUs } = await measureCpu(server, () =>
        emitWithAcks(sockets, handler, perSlice, config.timeoutMs),
      );
      if (phase.wrongAnswers > 0)
        fail(checks, `${scenario.name}: ${phase.wrongAnswers} '${handler}' acks were not 'ok'`);
      totals[handler].elapsedMs += phase.elapsedMs;
      totals[handler].acks += phase.acks;
      totals[handler].cpuUs += cpuUs;
    }
  }
  return {
    acksPerSecOpen: (totals.open.acks / totals.open.elapsedMs) * 1000,
    acksPerSecGuarded: (totals.guarded.acks / totals.guarded.elapsedMs) * 1000,
    cpuPerEventOpenUs: totals.open.cpuUs / totals.open.acks,
    cpuPerEventGuardedUs: totals.guarded.cpuUs / totals.guarded.acks,
  };
}

async function measureRejections(
  scenario: Scenario,
  server: ServerProcess,
  tokens: TokenPool,
  config: RoundConfig,
  checks: Checks,
): Promise<number> {
  const gatewayBefore = (await server.stats()).gatewayConnections;
  const { value: outcomes, cpuUs } = await measureCpu(server, () =>
    attemptAll(scenario, server, tokens.invalid, config),
  );
  closeSockets(outcomes);
  checks.invalidAttempts += outcomes.length;
  checks.invalidReachedGateway += (await server.stats()).gatewayConnections - gatewayBefore;
  for (const outcome of outcomes) {
    if (outcome.kind === 'accepted') checks.invalidAccepted++;
    if (outcome.kind === 'refused')
      checks.rejectionCodes[outcome.code] = (checks.rejectionCodes[outcome.code] ?? 0) + 1;
    if (outcome.kind === 'failed')
      fail(checks, `${scenario.name}: an invalid-token attempt failed (${outcome.reason})`);
  }
  return cpuUs / outcomes.length;
}

function attemptAll(scenario: Scenario, server: ServerProcess, tokens: readonly string[], config: RoundConfig) {
  // A server that answers neither way would keep every attempt waiting for its timeout: stop early.
  return inPool(
    tokens,
    config.concurrency,
    (token) => attempt(scenario, server.url, token, config.timeoutMs),
    (outcome) => outcome.kind === 'failed',
  );
}

async function measureCpu<T>(server: ServerProcess, phase: () => Promise<T>): Promise<{ value: T; cpuUs: number }> {
  await server.cpuStart();
  const value = await phase();
  await sleep(SETTLE_MS);
  return { value, cpuUs: await server.cpuStop() };
}

function assertAllAccepted(scenario: Scenario, outcomes: readonly Outcome[], checks: Checks): void {
  const notAccepted = outcomes.filter((outcome) => outcome.kind !== 'accepted');
  if (notAccepted.length === 0) return;
  const first = notAccepted[0];
  const why = first.kind === 'refused' ? `refused: ${first.code}` : first.kind === 'failed' ? first.reason : '';
  fail(
    checks,
    `${scenario.name}: ${notAccepted.length} of ${outcomes.length} attempts with a valid token did not get in (first: ${why})`,
  );
}

/** A broken premise makes every figure of the round meaningless: record it and stop the run. */
function fail(checks: Checks, message: string): never {
  checks.failures.push(message);
  throw new Error(message);
}

async function waitUntilNoClients(server: ServerProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await server.stats()).engineClients > 0) {
    if (Date.now() > deadline)
      throw new Error(`server ${server.scenario}: clients still connected after ${timeoutMs} ms`);
    await sleep(IDLE_POLL_MS);
  }
}
