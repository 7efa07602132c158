import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type {
  ControlOperation,
  ControlValue,
  LoopDelayReading,
  MemoryReading,
  ServerKeys,
  ServerMessage,
  ServerStartOptions,
  ServerStats,
  TimedCall,
} from './protocol';

const READY_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 15_000;
const children = new Set<ChildProcess>();

/**
 * V8 grows the young generation (1 MB to 16 MB semi-spaces) at its own pace, and each process
 * settled somewhere else: server processes running the same code differed by 30% in CPU per event
 * for a whole run. Fixed at the ceiling, the size a busy server grows to, every scenario runs alike.
 */
const FIXED_YOUNG_GENERATION = ['--min-semi-space-size=16', '--max-semi-space-size=16'];

/** Kills this child with the servers (on exit, on a signal, on the watchdog): the storm's client processes. */
export function trackChildProcess(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Kills every server (and tracked client) process still running (on exit, on a signal, on the watchdog). */
export function killServers(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

/** The load generator's handle on one scenario's server process. */
export class ServerProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private readonly exited: Promise<void>;

  private constructor(
    readonly scenario: string,
    readonly url: string,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (message: ServerMessage) => {
      if (message.type !== 'response') return;
      const pending = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error !== undefined) pending?.reject(new Error(`server ${scenario}: ${message.error}`));
      else pending?.resolve(message.value);
    });
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        children.delete(child);
        for (const { reject } of this.pending.values())
          reject(new Error(`server ${scenario} exited (${code ?? signal})`));
        this.pending.clear();
        resolve();
      });
    });
  }

  static start(scenario: string, keys: ServerKeys, options: ServerStartOptions = {}): Promise<ServerProcess> {
    const child = fork(join(__dirname, 'server.js'), [], {
      execArgv: ['--expose-gc', ...FIXED_YOUNG_GENERATION],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.add(child);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server ${scenario} did not start`)), READY_TIMEOUT_MS);
      child.once('exit', (code) => reject(new Error(`server ${scenario} exited during startup (${code})`)));
      child.on('message', (message: ServerMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(new ServerProcess(scenario, `http://127.0.0.1:${message.port}`, child));
        } else if (message.type === 'failed') {
          clearTimeout(timer);
          reject(new Error(`server ${scenario} failed to start: ${message.error}`));
        }
      });
      child.send({ type: 'start', scenario, keys, options });
    });
  }

  cpuStart(): Promise<number> {
    return this.request('cpu-start') as Promise<number>;
  }

  /** Server CPU (user + system, µs) since the last `cpuStart`. */
  cpuStop(): Promise<number> {
    return this.request('cpu-stop') as Promise<number>;
  }

  /** `heapUsed` after a full GC in the server. */
  heapAfterGc(): Promise<number> {
    return this.request('heap') as Promise<number>;
  }

  stats(): Promise<ServerStats> {
    return this.request('stats') as Promise<ServerStats>;
  }

  /** `heapUsed` and RSS after a full GC in the server. */
  memory(): Promise<MemoryReading> {
    return this.request('memory') as Promise<MemoryReading>;
  }

  /** A server started with `deferListen` opens its port now; its CPU mark and event-loop monitor start with it. */
  listen(): Promise<number> {
    return this.request('listen') as Promise<number>;
  }

  /** Peak and p99 event-loop delay since `listen` or the previous reading. */
  loopDelay(): Promise<LoopDelayReading> {
    return this.request('loop-delay') as Promise<LoopDelayReading>;
  }

  /** One `JwtSocketRevoker.revokeSubject` in the server, timed there. */
  revokeSubject(subject: string): Promise<TimedCall> {
    return this.request('revoke-subject', subject) as Promise<TimedCall>;
  }

  /** The library's expiry sweeps since the previous call, each timed in the server. */
  sweeps(): Promise<TimedCall[]> {
    return this.request('sweeps') as Promise<TimedCall[]>;
  }

  stop(): void {
    this.child.kill('SIGTERM');
  }

  /** The crash of a storm: SIGKILL, no goodbye to any client; resolves once the process is gone. */
  kill(): Promise<void> {
    this.child.kill('SIGKILL');
    return this.exited;
  }

  private request(op: ControlOperation, arg?: string): Promise<ControlValue | undefined> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`server ${this.scenario}: no answer to ${op}`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as ControlValue | undefined);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.send({ type: 'request', id, op, arg });
    });
  }
}
