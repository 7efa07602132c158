import { createSecretKey, type KeyObject } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import type { Socket } from 'socket.io-client';
import { connectClient, connectOutcome, type UnauthorizedLike } from './client';
import { SECRET } from './tokens';

// jsonwebtoken parses a string secret as a PEM key first (and fails): about 1 ms per token, which
// adds up over thousands of clients. A KeyObject signs the same HS256 token in microseconds.
const SERVER_KEY: KeyObject = createSecretKey(Buffer.from(SECRET));
const OTHER_KEY: KeyObject = createSecretKey(Buffer.from('another-secret-that-the-server-does-not-know'));

export const MISSED_DEADLINE = 'no outcome before the deadline';

/** One client of a crowd: what it sends, where, and a label to group outcomes by. */
export interface Visitor {
  label: string;
  namespace: string;
  token?: string;
}

/** How many visitors of each label got each outcome, e.g. `{ valid: { connected: 1000 } }`. */
export type Tally = Record<string, Record<string, number>>;

export function validToken(subject: string): string {
  return sign({ sub: subject }, SERVER_KEY, { algorithm: 'HS256', expiresIn: '1h' });
}

export function wrongKeyToken(subject: string): string {
  return sign({ sub: subject }, OTHER_KEY, { algorithm: 'HS256', expiresIn: '1h' });
}

export function expiredToken(subject: string): string {
  const now = Math.floor(Date.now() / 1000);
  return sign({ sub: subject, iat: now - 120, exp: now - 60 }, SERVER_KEY, { algorithm: 'HS256' });
}

/**
 * Handshake mode: connects every visitor at once and resolves when each one got `connect` or
 * `connect_error` (outcome `connected` or the error code), or missed the deadline. The sockets stay
 * open until `closeClients()`.
 */
export function handshakeCrowd(url: string, visitors: Visitor[], deadlineMs: number): Promise<Tally> {
  return tallyOutcomes(visitors, deadlineMs, (visitor) => {
    const socket = open(url, visitor, deadlineMs);
    return connectOutcome(socket).then((outcome) =>
      outcome === 'connected' ? outcome : (outcome.data?.code ?? `connect_error ${outcome.message}`),
    );
  });
}

/**
 * Event mode: connects every visitor at once; a visitor with a token sends `authenticate` on
 * connect. Outcomes: `authenticated`, or the `unauthorized` code once the server disconnected the socket.
 */
export function eventModeCrowd(url: string, visitors: Visitor[], deadlineMs: number): Promise<Tally> {
  return tallyOutcomes(visitors, deadlineMs, (visitor) =>
    eventModeOutcome(open(url, visitor, deadlineMs), visitor.token),
  );
}

function open(url: string, visitor: Visitor, deadlineMs: number): Socket {
  const auth = visitor.token === undefined ? {} : { token: visitor.token };
  // The client's own connect timeout (20 s by default) must not end a visitor before its deadline.
  return connectClient(`${url}${visitor.namespace}`, { auth, timeout: deadlineMs * 2 });
}

function eventModeOutcome(socket: Socket, token: string | undefined): Promise<string> {
  return new Promise((resolve) => {
    let refusedWith: string | undefined;
    socket.once('connect', () => {
      if (token !== undefined) socket.emit('authenticate', { token });
    });
    socket.once('authenticated', () => resolve('authenticated'));
    socket.once('unauthorized', (error: UnauthorizedLike) => {
      refusedWith = error.data.code;
    });
    socket.once('disconnect', (reason: string) =>
      resolve(refusedWith ?? `disconnected (${reason}) without unauthorized`),
    );
    socket.once('connect_error', (error: Error) => resolve(`connect_error ${error.message}`));
  });
}

async function tallyOutcomes(
  visitors: Visitor[],
  deadlineMs: number,
  outcomeOf: (visitor: Visitor) => Promise<string>,
): Promise<Tally> {
  const outcomes = await Promise.all(visitors.map((visitor) => withDeadline(outcomeOf(visitor), deadlineMs)));
  const tally: Tally = {};
  visitors.forEach(({ label }, index) => {
    const counts = (tally[label] ??= {});
    counts[outcomes[index]] = (counts[outcomes[index]] ?? 0) + 1;
  });
  return tally;
}

function withDeadline(outcome: Promise<string>, deadlineMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<string>((resolve) => {
    timer = setTimeout(resolve, deadlineMs, MISSED_DEADLINE);
  });
  return Promise.race([outcome, deadline]).finally(() => clearTimeout(timer));
}
