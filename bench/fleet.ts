import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type {
  CohortResult,
  ConnectResult,
  FleetCommand,
  FleetMessage,
  FleetShare,
  FleetValue,
  StormObservation,
} from './fleet-protocol';
import { trackChildProcess } from './server-process';

const READY_TIMEOUT_MS = 30_000;
/** Commands wait for sockets (connect, storm, cohort); each carries its own timeout, this is the backstop. */
const REQUEST_MARGIN_MS = 30_000;

/** The load generator's handle on one client process. */
class FleetProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: FleetValue): void; reject(error: Error): void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: FleetMessage) => {
      if (message.type !== 'response') return;
      const pending = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error !== undefined) pending?.reject(new Error(`client process: ${message.error}`));
      else pending?.resolve(message.value);
    });
    child.on('exit', (code, signal) => {
      for (const { reject } of this.pending.values()) reject(new Error(`client process exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  static start(share: FleetShare): Promise<FleetProcess> {
    const child = fork(join(__dirname, 'fleet-client.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    trackChildProcess(child);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('client process did not start')), READY_TIMEOUT_MS);
      child.once('exit', (code) => reject(new Error(`client process exited during startup (${code})`)));
      child.once('message', () => {
        clearTimeout(timer);
        resolve(new FleetProcess(child));
      });
      child.send(share);
    });
  }

  request(command: FleetCommand, timeoutMs: number): Promise<FleetValue> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`client process: no answer to ${command.op}`));
      }, timeoutMs + REQUEST_MARGIN_MS);
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
      this.child.send({ type: 'request', id, ...command });
    });
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}

/** All the storm's client processes, driven together. */
export class ClientFleet {
  private constructor(
    private readonly processes: FleetProcess[],
    private readonly timeoutMs: number,
  ) {}

  static async start(shares: FleetShare[]): Promise<ClientFleet> {
    const processes = await Promise.all(shares.map((share) => FleetProcess.start(share)));
    return new ClientFleet(processes, Math.max(...shares.map((share) => share.timeoutMs)));
  }

  /** Every process opens its share; sums the outcomes. */
  async connect(connectTimeoutMs: number): Promise<ConnectResult> {
    const results = (await this.all({ op: 'connect' }, connectTimeoutMs)) as ConnectResult[];
    return {
      accepted: results.reduce((sum, result) => sum + result.accepted, 0),
      failed: results.reduce((sum, result) => sum + result.failed, 0),
      reasons: results.flatMap((result) => result.reasons),
    };
  }

  async arm(randomizationFactor: number): Promise<void> {
    await this.all({ op: 'arm', randomizationFactor }, this.timeoutMs);
  }

  awaitStorm(timeoutMs: number): Promise<StormObservation[]> {
    return this.all({ op: 'await-storm', timeoutMs }, timeoutMs) as Promise<StormObservation[]>;
  }

  async restore(): Promise<void> {
    await this.all({ op: 'restore' }, this.timeoutMs);
  }

  /** The expiry/revocation cohort lives in the first process: a few hundred sockets at most. */
  async openCohort(url: string, tokens: string[]): Promise<number> {
    return (await this.processes[0].request({ op: 'cohort-open', url, tokens }, this.timeoutMs)) as number;
  }

  awaitCohort(timeoutMs: number): Promise<CohortResult> {
    return this.processes[0].request({ op: 'cohort-await', timeoutMs }, timeoutMs) as Promise<CohortResult>;
  }

  /** Kills the client processes: their sockets drop with them, as they would with a crashed client. */
  stop(): void {
    for (const process of this.processes) process.stop();
  }

  private all(command: FleetCommand, timeoutMs: number): Promise<FleetValue[]> {
    return Promise.all(this.processes.map((process) => process.request(command, timeoutMs)));
  }
}
