/** IPC messages between the load generator and a client process of the storm fleet (`fleet-client.ts`). */

/** One client process's share of the sockets. */
export interface FleetShare {
  url: string;
  /** One valid token per socket. */
  tokens: string[];
  /** Socket index → a token signed with the wrong key, swapped in before each crash. */
  invalidTokens: Record<number, string>;
  /** Connection attempts in flight during the initial connect. */
  concurrency: number;
  timeoutMs: number;
}

export type FleetCommand =
  | { op: 'connect' }
  | { op: 'arm'; randomizationFactor: number }
  | { op: 'await-storm'; timeoutMs: number }
  | { op: 'restore' }
  | { op: 'cohort-open'; url: string; tokens: string[] }
  | { op: 'cohort-await'; timeoutMs: number };

export type FleetRequest = { type: 'request'; id: number } & FleetCommand;

export interface ConnectResult {
  accepted: number;
  failed: number;
  /** Why the first few did not get in. */
  reasons: string[];
}

/** What one client process saw between the crash and the end of the storm. */
export interface StormObservation {
  validExpected: number;
  /** Valid sockets connected again. */
  validBack: number;
  /** Valid sockets refused, by code: valid clients left out. */
  validRefused: Record<string, number>;
  invalidExpected: number;
  /** Sockets holding a wrong-key token that connected (`none` lets them in by design). */
  invalidAccepted: number;
  invalidRefused: number;
  /** `Date.now()` of the first `disconnect` and of the last valid socket back (0 if none). */
  firstDisconnectAt: number;
  lastBackAt: number;
  /** `Date.now()` of each valid socket's return, in order. */
  backAt: number[];
  /** Failed attempts the reconnection retried (refused port, timeout): not refusals. */
  retriedErrors: number;
  /** Settled before the timeout: every socket either back or refused. */
  settled: boolean;
}

export interface CohortResult {
  /** How each cohort socket was sent off: refusal code, or `disconnect: <reason>` without one. */
  codes: Record<string, number>;
  /** Cohort sockets still connected at the timeout. */
  stillOpen: number;
}

export type FleetValue = ConnectResult | StormObservation | CohortResult | number | undefined;

export type FleetMessage = { type: 'ready' } | { type: 'response'; id: number; value?: FleetValue; error?: string };
