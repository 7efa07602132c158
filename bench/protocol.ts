/** IPC messages between the load generator (parent) and a scenario's server process (child). */

/** Key material a server needs. Private keys never leave the load generator. */
export interface ServerKeys {
  hs256Secret: string;
  rs256PublicKeyPem: string;
  /**
   * A JWKS endpoint outside the server process (the storm's, in the load generator). Without it the
   * `jwks` scenario serves its key set from inside its own process, which a storm would starve: an
   * identity provider does not share the server's event loop.
   */
  jwksUri?: string;
}

/** How a server process listens; the defaults are the steady-state bench (an ephemeral port, at once, one node). */
export interface ServerStartOptions {
  /** Listen on this port (a replacement takes over its predecessor's port); 0 or absent: any free port. */
  port?: number;
  /** Boot the app, then wait for the `listen` operation: a replacement is ready the moment its predecessor dies. */
  deferListen?: boolean;
  /** Join a cluster: the classic `@socket.io/redis-adapter` on this Redis. */
  redisUrl?: string;
}

export interface StartMessage {
  type: 'start';
  scenario: string;
  keys: ServerKeys;
  options?: ServerStartOptions;
}

export type ControlOperation =
  'cpu-start' | 'cpu-stop' | 'heap' | 'stats' | 'listen' | 'memory' | 'loop-delay' | 'revoke-subject' | 'sweeps';

export interface ControlRequest {
  type: 'request';
  id: number;
  op: ControlOperation;
  /** `revoke-subject`: the subject. */
  arg?: string;
}

export interface ServerStats {
  /** Open engine.io connections (transport level, authenticated or not). */
  engineClients: number;
  /** How many times the gateway's `handleConnection` ran since the server started. */
  gatewayConnections: number;
  /** The root namespace's socket.io adapter class (`RedisAdapter` in a cluster). */
  adapter: string;
}

/** `heapUsed` after a full GC, and the resident set size, in bytes. */
export interface MemoryReading {
  heapUsed: number;
  rss: number;
}

/** Event-loop delay since `listen` (or the previous reading), from `perf_hooks.monitorEventLoopDelay`. */
export interface LoopDelayReading {
  maxMs: number;
  p99Ms: number;
}

/**
 * One timed library call in the server: its wall time (what the event loop is blocked for), the
 * process's CPU time over the same span (the same on a quiet machine, not inflated when the machine
 * is busy and the process waits for a core), and how many sockets it acted on.
 */
export interface TimedCall {
  ms: number;
  cpuMs: number;
  sockets: number;
}

export type ControlValue = number | ServerStats | MemoryReading | LoopDelayReading | TimedCall | TimedCall[];

export type ServerMessage =
  | { type: 'ready'; port: number }
  | { type: 'failed'; error: string }
  | { type: 'response'; id: number; value?: ControlValue; error?: string };
