import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { Scenario } from './scenarios';

export type Outcome =
  | { kind: 'accepted'; socket: Socket; readyMs: number; authMs?: number }
  | { kind: 'refused'; socket: Socket; code: string }
  | { kind: 'failed'; socket: Socket; reason: string };

interface UnauthorizedPayload {
  data?: { code?: string };
}

function openSocket(url: string, timeoutMs: number, token?: string): Socket {
  return io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: timeoutMs,
    ...(token === undefined ? {} : { auth: { token: `Bearer ${token}` } }),
  });
}

/** Settles once with the first outcome, or `failed` after `timeoutMs`. */
function firstOutcome(
  socket: Socket,
  timeoutMs: number,
  listen: (finish: (outcome: Outcome) => void) => void,
): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ kind: 'failed', socket, reason: 'timeout' }), timeoutMs);
    listen(finish);
  });
}

/** Token in the handshake (`auth.token`): `connect` or `connect_error`. */
function attemptHandshake(url: string, token: string, timeoutMs: number): Promise<Outcome> {
  const started = performance.now();
  const socket = openSocket(url, timeoutMs, token);
  return firstOutcome(socket, timeoutMs, (finish) => {
    socket.once('connect', () => finish({ kind: 'accepted', socket, readyMs: performance.now() - started }));
    socket.once('connect_error', (error: Error & UnauthorizedPayload) =>
      finish({ kind: 'refused', socket, code: error.data?.code ?? `connect_error: ${error.message}` }),
    );
  });
}

/** Event mode: connect, emit `authenticate { token }`, then `authenticated` or `unauthorized`. */
function attemptEvent(url: string, token: string, timeoutMs: number): Promise<Outcome> {
  const started = performance.now();
  let connectedAt = 0;
  const socket = openSocket(url, timeoutMs);
  return firstOutcome(socket, timeoutMs, (finish) => {
    socket.once('connect', () => {
      connectedAt = performance.now();
      socket.emit('authenticate', { token });
    });
    socket.once('authenticated', () => {
      const now = performance.now();
      finish({ kind: 'accepted', socket, readyMs: now - started, authMs: now - connectedAt });
    });
    socket.once('unauthorized', (payload: UnauthorizedPayload) =>
      finish({ kind: 'refused', socket, code: payload?.data?.code ?? 'unauthorized' }),
    );
    socket.once('connect_error', (error: Error) =>
      finish({ kind: 'failed', socket, reason: `connect_error: ${error.message}` }),
    );
    socket.once('disconnect', (reason: string) =>
      finish({ kind: 'failed', socket, reason: `disconnected: ${reason}` }),
    );
  });
}

export function attempt(scenario: Scenario, url: string, token: string, timeoutMs: number): Promise<Outcome> {
  return scenario.protocol === 'event' ? attemptEvent(url, token, timeoutMs) : attemptHandshake(url, token, timeoutMs);
}

/**
 * Runs `run` over `items` with at most `concurrency` in flight; results in input order. Once a
 * result satisfies `stopAfter`, no new item starts (the results of items never run are absent).
 */
export async function inPool<T, R>(
  items: readonly T[],
  concurrency: number,
  run: (item: T) => Promise<R>,
  stopAfter: (result: R) => boolean = () => false,
): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  let stopped = false;
  const worker = async () => {
    while (!stopped && next < items.length) {
      const index = next++;
      results[index] = await run(items[index]);
      if (stopAfter(results[index])) stopped = true;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results.filter((result) => result !== undefined);
}

export interface EventPhase {
  elapsedMs: number;
  acks: number;
  /** Acks whose answer was not the handler's `'ok'` (a guard refusal, for instance). */
  wrongAnswers: number;
}

/** Every socket emits `event` with an ack `perSocket` times in a row, all sockets at once. */
export async function emitWithAcks(
  sockets: readonly Socket[],
  event: string,
  perSocket: number,
  timeoutMs: number,
): Promise<EventPhase> {
  let wrongAnswers = 0;
  const started = performance.now();
  await Promise.all(
    sockets.map(async (socket) => {
      for (let index = 0; index < perSocket; index++) {
        const answer: unknown = await socket.timeout(timeoutMs).emitWithAck(event, index);
        if (answer !== 'ok') wrongAnswers++;
      }
    }),
  );
  return { elapsedMs: performance.now() - started, acks: sockets.length * perSocket, wrongAnswers };
}

export function closeSockets(outcomes: readonly Outcome[]): void {
  for (const outcome of outcomes) outcome.socket.disconnect();
}
