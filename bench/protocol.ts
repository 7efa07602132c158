/** IPC messages between the load generator (parent) and a scenario's server process (child). */

/** Key material a server needs. Private keys never leave the load generator. */
export interface ServerKeys {
  hs256Secret: string;
  rs256PublicKeyPem: string;
}

export interface StartMessage {
  type: 'start';
  scenario: string;
  keys: ServerKeys;
}

export type ControlOperation = 'cpu-start' | 'cpu-stop' | 'heap' | 'stats';

export interface ControlRequest {
  type: 'request';
  id: number;
  op: ControlOperation;
}

export interface ServerStats {
  /** Open engine.io connections (transport level, authenticated or not). */
  engineClients: number;
  /** How many times the gateway's `handleConnection` ran since the server started. */
  gatewayConnections: number;
}

export type ServerMessage =
  | { type: 'ready'; port: number }
  | { type: 'failed'; error: string }
  | { type: 'response'; id: number; value: number | ServerStats };
