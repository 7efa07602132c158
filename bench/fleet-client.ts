/**
 * A client process of the storm fleet: holds its share of authenticated socket.io-client sockets
 * (one engine.io connection each, socket.io's own reconnection on), and reports what it sees when
 * the server dies and comes back. Several of these carry the 10,000 sockets: each process has its
 * own file-descriptor budget and its own event loop.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { io, type Socket } from 'socket.io-client';
import type {
  CohortResult,
  ConnectResult,
  FleetCommand,
  FleetMessage,
  FleetRequest,
  FleetShare,
  FleetValue,
  StormObservation,
} from './fleet-protocol';
import { inPool } from './load';

const POLL_MS = 10;
const MAX_REASONS = 3;

interface UnauthorizedPayload {
  data?: { code?: string };
}

const bearer = (token: string) => ({ token: `Bearer ${token}` });

class Fleet {
  private readonly sockets: Socket[] = [];
  private readonly cohort: Socket[] = [];
  private readonly cohortCodes: Record<string, number> = {};
  private storm?: StormTracker;

  constructor(private readonly share: FleetShare) {}

  handle(command: FleetCommand): FleetValue | Promise<FleetValue> {
    switch (command.op) {
      case 'connect':
        return this.connect();
      case 'arm':
        return this.arm(command.randomizationFactor);
      case 'await-storm':
        return this.awaitStorm(command.timeoutMs);
      case 'restore':
        return this.restore();
      case 'cohort-open':
        return this.openCohort(command.url, command.tokens);
      case 'cohort-await':
        return this.awaitCohort(command.timeoutMs);
    }
  }

  private async connect(): Promise<ConnectResult> {
    const { tokens, concurrency, timeoutMs, url } = this.share;
    const outcomes = await inPool(
      tokens.map((_, index) => index),
      concurrency,
      (index) => {
        const socket = io(url, {
          transports: ['websocket'],
          forceNew: true,
          timeout: timeoutMs,
          auth: bearer(tokens[index]),
        });
        this.sockets[index] = socket;
        socket.on('connect', () => this.storm?.connected(index));
        socket.on('connect_error', (error: Error & UnauthorizedPayload) => this.storm?.failed(index, socket, error));
        socket.on('disconnect', () => this.storm?.disconnected());
        return waitForConnect(socket, timeoutMs);
      },
    );
    const failures = outcomes.filter((outcome) => outcome !== 'connected');
    return {
      accepted: outcomes.length - failures.length,
      failed: failures.length,
      reasons: failures.slice(0, MAX_REASONS),
    };
  }

  /** Before a crash: sets the backoff's jitter and swaps the wrong-key tokens in. */
  private arm(randomizationFactor: number): number {
    for (const socket of this.sockets) socket.io.randomizationFactor(randomizationFactor);
    for (const [index, token] of Object.entries(this.share.invalidTokens))
      this.sockets[Number(index)].auth = bearer(token);
    this.storm = new StormTracker(this.sockets.length, Object.keys(this.share.invalidTokens).map(Number));
    return this.sockets.length;
  }

  private async awaitStorm(timeoutMs: number): Promise<StormObservation> {
    const storm = this.storm;
    if (!storm) throw new Error('await-storm before arm');
    const deadline = Date.now() + timeoutMs;
    while (!storm.settled && Date.now() < deadline) await sleep(POLL_MS);
    this.storm = undefined;
    return storm.observation();
  }

  /** After a storm: the wrong-key sockets get their valid token back and reconnect. */
  private async restore(): Promise<number> {
    const restored = Object.keys(this.share.invalidTokens).map(async (key) => {
      const index = Number(key);
      const socket = this.sockets[index];
      socket.auth = bearer(this.share.tokens[index]);
      if (socket.connected) return 'connected';
      socket.connect();
      return waitForConnect(socket, this.share.timeoutMs);
    });
    const outcomes = await Promise.all(restored);
    const failed = outcomes.filter((outcome) => outcome !== 'connected');
    if (failed.length)
      throw new Error(`${failed.length} sockets did not reconnect with their valid token (${failed[0]})`);
    return outcomes.length;
  }

  /** Short-lived tokens for the expiry sweep and the revocations: no reconnection, each one's end recorded. */
  private async openCohort(url: string, tokens: string[]): Promise<number> {
    const outcomes = await Promise.all(
      tokens.map((token) => {
        const socket = io(url, {
          transports: ['websocket'],
          forceNew: true,
          reconnection: false,
          timeout: this.share.timeoutMs,
          auth: bearer(token),
        });
        this.cohort.push(socket);
        let code: string | undefined;
        socket.on('unauthorized', (payload: UnauthorizedPayload) => (code = payload?.data?.code ?? 'unauthorized'));
        socket.on('disconnect', (reason: string) => {
          const key = code ?? `disconnect: ${reason}`;
          this.cohortCodes[key] = (this.cohortCodes[key] ?? 0) + 1;
        });
        return waitForConnect(socket, this.share.timeoutMs);
      }),
    );
    return outcomes.filter((outcome) => outcome === 'connected').length;
  }

  private async awaitCohort(timeoutMs: number): Promise<CohortResult> {
    const deadline = Date.now() + timeoutMs;
    while (this.cohort.some((socket) => socket.connected) && Date.now() < deadline) await sleep(POLL_MS);
    const stillOpen = this.cohort.filter((socket) => socket.connected).length;
    for (const socket of this.cohort) socket.disconnect();
    this.cohort.length = 0;
    const codes = { ...this.cohortCodes };
    for (const key of Object.keys(this.cohortCodes)) delete this.cohortCodes[key];
    return { codes, stillOpen };
  }
}

/** Tallies one storm: which sockets are back, which were refused, and when. */
class StormTracker {
  private readonly pendingValid = new Set<number>();
  private readonly pendingInvalid: Set<number>;
  private readonly result: StormObservation;

  constructor(size: number, invalidIndexes: number[]) {
    this.pendingInvalid = new Set(invalidIndexes);
    for (let index = 0; index < size; index++) if (!this.pendingInvalid.has(index)) this.pendingValid.add(index);
    this.result = {
      validExpected: this.pendingValid.size,
      validBack: 0,
      validRefused: {},
      invalidExpected: this.pendingInvalid.size,
      invalidAccepted: 0,
      invalidRefused: 0,
      firstDisconnectAt: 0,
      lastBackAt: 0,
      backAt: [],
      retriedErrors: 0,
      settled: false,
    };
  }

  get settled(): boolean {
    return this.pendingValid.size === 0 && this.pendingInvalid.size === 0;
  }

  disconnected(): void {
    if (this.result.firstDisconnectAt === 0) this.result.firstDisconnectAt = Date.now();
  }

  connected(index: number): void {
    if (this.pendingInvalid.delete(index)) {
      this.result.invalidAccepted++;
    } else if (this.pendingValid.delete(index)) {
      this.result.validBack++;
      this.result.lastBackAt = Date.now();
      this.result.backAt.push(this.result.lastBackAt);
    }
  }

  /**
   * A refusal by the server destroys the socket (`active` false: socket.io-client does not retry it);
   * a transport error (port closed, timeout) leaves it active, and the reconnection tries again.
   */
  failed(index: number, socket: Socket, error: Error & UnauthorizedPayload): void {
    if (socket.active) {
      this.result.retriedErrors++;
      return;
    }
    if (this.pendingInvalid.delete(index)) {
      this.result.invalidRefused++;
    } else if (this.pendingValid.delete(index)) {
      const code = error.data?.code ?? `connect_error: ${error.message}`;
      this.result.validRefused[code] = (this.result.validRefused[code] ?? 0) + 1;
    }
  }

  observation(): StormObservation {
    return { ...this.result, settled: this.settled };
  }
}

function waitForConnect(socket: Socket, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const finish = (outcome: string) => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('connect_error', onError);
      resolve(outcome);
    };
    const onConnect = () => finish('connected');
    // Only a refusal ends the wait; transport errors are retried by the reconnection until the timeout.
    const onError = (error: Error & UnauthorizedPayload) => {
      if (!socket.active) finish(`refused: ${error.data?.code ?? error.message}`);
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.on('connect', onConnect);
    socket.on('connect_error', onError);
  });
}

function send(message: FleetMessage): void {
  process.send?.(message);
}

function main(): void {
  process.on('disconnect', () => process.exit(0));
  process.once('message', (share: FleetShare) => {
    const fleet = new Fleet(share);
    process.on('message', (request: FleetRequest) => {
      Promise.resolve()
        .then(() => fleet.handle(request))
        .then(
          (value) => send({ type: 'response', id: request.id, value }),
          (error: unknown) =>
            send({ type: 'response', id: request.id, error: error instanceof Error ? error.message : String(error) }),
        );
    });
    send({ type: 'ready' });
  });
}

main();
