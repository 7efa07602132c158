/**
 * A model-based test, with fast-check, of sockets whose token expired under
 * `expiredTokenAction: 'reject-events'` ("expired-hidden": connected, refused by the guard, out of
 * every adapter room) meeting the app's room operations, broadcasts, refreshes and, with
 * connectionStateRecovery, transport drops.
 *
 * `fc.commands` + `fc.asyncModelRun` over REAL socket.io clients against a REAL Nest app (one app
 * per run, without and with connectionStateRecovery). Commands: connect (short or long token), a
 * gateway handler joins an app room, expire (one shared wait for every short token), refresh in-band
 * (`authenticateSocket`, same subject), `in(room).socketsJoin/socketsLeave/disconnectSockets/
 * fetchSockets` (`except(room)` too) by app room, subject room, token-id room or socket id,
 * broadcasts (`emit`, `to(room).emit`, `emitWithAck`), and with recovery: drop the transport and
 * reconnect with a valid token, another subject's or an expired one. The model says which clients
 * are visible, expired or gone and which app rooms each is in (an expired one: will be back in);
 * after EVERY command `checkInvariants` checks it by observation.
 *
 * Run counts are bounded (about 30 s for this file on 2 cores); raise them for a deeper local
 * search with EXPIRED_ROOMS_MODEL_RUNS, and print every run and command with
 * EXPIRED_ROOMS_MODEL_TRACE=1. On failure fast-check prints the seed, the path and the shrunk
 * commands: replay with `fc.assert(..., { seed, path, endOnFailure: true })`.
 */
import fc from 'fast-check';
import { authenticateSocket, SUBJECT_ROOM_PREFIX, TOKEN_ID_ROOM_PREFIX } from '../lib';
import { isRefusal, RecordingClient, until, untilTime } from './fixtures/model/clients';
import {
  rootAdapterRooms,
  startExpiredWorld,
  type ExpiredModelLifetime,
  type ExpiredModelToken,
  type ExpiredWorld,
} from './fixtures/model/expired-world';
import type { WhoAmI } from './fixtures/model/gateways';
import {
  fail,
  failOnProcessErrors,
  modelTrace,
  pick,
  playModelRun,
  watchProcessErrorsOfFile,
  type ModelChecks,
} from './fixtures/model/model-run';

jest.setTimeout(180_000);

/** Runs per mode (2 modes); `EXPIRED_ROOMS_MODEL_RUNS=100` for a deeper local search. */
const MODEL_RUNS = Number(process.env.EXPIRED_ROOMS_MODEL_RUNS ?? 20);
const MAX_COMMANDS = 16;
const MAX_OPEN_CLIENTS = 3;
/** At most this many `expire()` per run: each costs up to 1.5 s of real waiting. */
const MAX_EXPIRES = 2;
/** Commands first wait out any expiry this close, so what they observe does not straddle it. */
const EXPIRY_HORIZON_MS = 400;

const processErrors = watchProcessErrorsOfFile();

// ---------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------

type Sub = 'alice' | 'bob';
/** `everyone` is joined by app code on every connection (the model gateway); the others by commands. */
type AppRoom = 'everyone' | 'red' | 'blue';
const APP_ROOMS: readonly AppRoom[] = ['everyone', 'red', 'blue'];
const SUBS: readonly Sub[] = ['alice', 'bob'];
type State = 'visible' | 'expired' | 'gone';

interface ClientModel {
  index: number;
  sub: Sub;
  state: State;
  /** The token it is authenticated with (an expired one keeps it until a refresh). */
  token: ExpiredModelToken;
  /** The app rooms it is in (visible) or will be back in after a refresh or a recovery (expired). */
  rooms: Set<AppRoom>;
  /** Every `news` / `poll` payload it must have received, in order. */
  news: string[];
  unauthorized: string[];
  welcomes: number;
  /** Its token expired at some point of this connection: its recoveries replay no missed packet. */
  expiredOnce: boolean;
}

interface Model {
  clients: ClientModel[];
  expires: number;
}

/** What a room operation or a broadcast selects: an app room, a subject room, a client's token-id room or its id. */
type Selector = { room: AppRoom } | { sub: Sub } | { tokenOf: number } | { idOf: number };

const isOpen = (c: ClientModel) => c.state !== 'gone';

const trace = modelTrace('EXPIRED_ROOMS_MODEL_TRACE');

function describeClient(c: ClientModel): string {
  return `client#${c.index} (${c.sub}/${c.token.jti}, ${c.state}, rooms ${[...c.rooms].join('+') || '-'})`;
}

/** The client a `tokenOf` / `idOf` selector names: any client of the run, gone ones included (they select no one). */
function namedClient(m: Model, index: number): ClientModel | undefined {
  return m.clients.length === 0 ? undefined : m.clients[index % m.clients.length];
}

/** The adapter room name a selector stands for. */
function roomOf(m: Model, w: ExpiredWorld, selector: Selector): string {
  if ('room' in selector) return selector.room;
  if ('sub' in selector) return `${SUBJECT_ROOM_PREFIX}${selector.sub}`;
  const named = namedClient(m, 'tokenOf' in selector ? selector.tokenOf : selector.idOf);
  if (!named) return `${TOKEN_ID_ROOM_PREFIX}none`;
  return 'tokenOf' in selector ? `${TOKEN_ID_ROOM_PREFIX}${named.token.jti}` : w.clients[named.index].currentId;
}

/**
 * Whether the model puts `c` in the selected room: by its app rooms, its subject, its token id or its
 * socket id. An expired client is in them too (as room operations see it): by the rooms it will be
 * back in and the identity rooms of the token it expired with.
 */
function isMember(m: Model, c: ClientModel, selector: Selector): boolean {
  if (!isOpen(c)) return false;
  if ('room' in selector) return c.rooms.has(selector.room);
  if ('sub' in selector) return c.sub === selector.sub;
  const named = namedClient(m, 'tokenOf' in selector ? selector.tokenOf : selector.idOf);
  return 'tokenOf' in selector ? named?.token.jti === c.token.jti : named === c;
}

function selectorText(selector: Selector): string {
  if ('room' in selector) return selector.room;
  if ('sub' in selector) return `sub:${selector.sub}`;
  return 'tokenOf' in selector ? `jti of #${selector.tokenOf}` : `id of #${selector.idOf}`;
}

function newToken(w: ExpiredWorld, sub: string, lifetime: ExpiredModelLifetime): ExpiredModelToken {
  const token = w.issuer.issue(sub, lifetime);
  w.tokens.push(token);
  return token;
}

// ---------------------------------------------------------------------------------------------
// Expiry: only ever observed between commands
// ---------------------------------------------------------------------------------------------

/** The server socket left every adapter room, its own id room included: its expiry was applied. */
function isHiddenOnServer(w: ExpiredWorld, c: ClientModel): boolean {
  return !w.io.of('/').adapter.rooms.has(w.clients[c.index].currentId);
}

/**
 * Waits out every expiry due within `horizon` ms, until the server has hidden those sockets, so what
 * follows never straddles an expiry.
 */
async function settleExpiries(m: Model, w: ExpiredWorld, horizon: number): Promise<void> {
  for (;;) {
    const now = Date.now();
    const due = m.clients.filter((c) => c.state === 'visible' && c.token.expiresAt - now < horizon);
    if (due.length === 0) return;
    await untilTime(Math.max(...due.map((c) => c.token.expiresAt)) + 20);
    for (const c of due) {
      await until(() => isHiddenOnServer(w, c), `the server to hide ${describeClient(c)} at its expiry`);
      c.state = 'expired';
      c.expiredOnce = true;
    }
  }
}

const prepare = (m: Model, w: ExpiredWorld) => settleExpiries(m, w, EXPIRY_HORIZON_MS);

// ---------------------------------------------------------------------------------------------
// Invariants, after every command
// ---------------------------------------------------------------------------------------------

/**
 * - each open client is still connected; `ping` answers `pong` when visible and the guard's
 *   `token_expired` refusal when expired (the round trip is also the barrier for the broadcasts);
 * - a visible client's `socket.rooms` (through `whoami`) are its id, the model's app rooms and the
 *   identity rooms of its current token;
 * - every client received exactly the `news` / `poll` payloads the model sent to it, in order (an
 *   expired one none), and exactly its `unauthorized` and `welcome` events;
 * - the server's adapter rooms hold exactly the visible clients, as the model places them (an
 *   expired socket is in no adapter room);
 * - `fetchSockets()` of every room (and `except` room) lists exactly the open clients the model puts
 *   in it, expired ones included by their remembered rooms;
 * - no handler ran after its token's expiry, nothing was logged as an error, no process error.
 */
async function checkInvariants(m: Model, w: ExpiredWorld): Promise<void> {
  await settleExpiries(m, w, 300);
  for (const c of m.clients.filter(isOpen)) await probe(m, w, c);
  for (const c of m.clients) checkReceived(w, c);
  checkAdapterRooms(m, w);
  await checkFetchSockets(m, w);
  checkNoLateHandler(w);
  const errors = w.server.logger.lines.filter((line) => line.startsWith('error'));
  if (errors.length > 0) fail(`the server logged errors: ${errors.join(' | ')}`);
  failOnProcessErrors(processErrors);
}

async function probe(m: Model, w: ExpiredWorld, c: ClientModel): Promise<void> {
  const rc = w.clients[c.index];
  if (!rc.connected) fail(`${describeClient(c)} was disconnected (${rc.disconnects.join(',')})`);
  const answer = await rc.ask('ping');
  if (c.state === 'visible' && answer !== 'pong') fail(`ping of ${describeClient(c)}: ${JSON.stringify(answer)}`);
  if (c.state === 'expired') expectRefusal(answer, 'token_expired', `ping of ${describeClient(c)}`);
  if (c.state === 'visible') await checkRooms(w, c);
}

function expectRefusal(answer: unknown, code: string, what: string): void {
  const refusal = isRefusal(answer) && answer.data.type === 'UnauthorizedError' && typeof answer.message === 'string';
  if (!refusal || answer.data.code !== code) {
    fail(`${what}: expected the refusal ${code}, got ${JSON.stringify(answer)}`);
  }
}

function expectedRooms(w: ExpiredWorld, c: ClientModel): string[] {
  return [
    w.clients[c.index].currentId,
    ...c.rooms,
    `${SUBJECT_ROOM_PREFIX}${c.sub}`,
    `${TOKEN_ID_ROOM_PREFIX}${c.token.jti}`,
  ].sort();
}

async function checkRooms(w: ExpiredWorld, c: ClientModel): Promise<void> {
  const answer = (await w.clients[c.index].ask('whoami')) as WhoAmI;
  const rooms = [...(answer.rooms ?? [])].sort();
  if (JSON.stringify(rooms) !== JSON.stringify(expectedRooms(w, c))) {
    fail(`rooms of ${describeClient(c)}: ${JSON.stringify(rooms)}, expected ${JSON.stringify(expectedRooms(w, c))}`);
  }
}

function checkReceived(w: ExpiredWorld, c: ClientModel): void {
  const rc = w.clients[c.index];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (!same(rc.news, c.news)) fail(`${describeClient(c)} received ${JSON.stringify(rc.news)}, expected ${c.news}`);
  if (!same(rc.unauthorized, c.unauthorized)) {
    fail(`${describeClient(c)} received unauthorized ${JSON.stringify(rc.unauthorized)}, expected ${c.unauthorized}`);
  }
  if (rc.welcomes !== c.welcomes) fail(`${describeClient(c)} received ${rc.welcomes} welcome, expected ${c.welcomes}`);
}

function checkAdapterRooms(m: Model, w: ExpiredWorld): void {
  const expected = new Map<string, Set<string>>();
  for (const c of m.clients.filter((each) => each.state === 'visible')) {
    for (const room of expectedRooms(w, c)) {
      if (!expected.has(room)) expected.set(room, new Set());
      expected.get(room)!.add(w.clients[c.index].currentId);
    }
  }
  const text = (map: Map<string, Set<string>>) =>
    JSON.stringify([...map].map(([room, ids]) => [room, [...ids].sort()]).sort());
  const actual = rootAdapterRooms(w.io);
  if (text(actual) !== text(expected)) fail(`adapter rooms ${text(actual)}, model ${text(expected)}`);
}

/** Ids of the open clients the model selects (or, with `except`, does not select). */
function expectedIds(m: Model, w: ExpiredWorld, selector: Selector | null, except = false): string[] {
  return m.clients
    .filter(isOpen)
    .filter((c) => selector === null || isMember(m, c, selector) !== except)
    .map((c) => w.clients[c.index].currentId)
    .sort();
}

async function fetchedIds(w: ExpiredWorld, room: string | null, except = false): Promise<string[]> {
  const operator = room === null ? w.io : except ? w.io.except(room) : w.io.in(room);
  return (await operator.fetchSockets()).map((socket) => socket.id).sort();
}

function everySelector(m: Model): Selector[] {
  return [
    ...APP_ROOMS.map((room) => ({ room })),
    ...SUBS.map((sub) => ({ sub })),
    ...m.clients.flatMap((c) => (isOpen(c) ? [{ tokenOf: c.index }, { idOf: c.index }] : [])),
  ];
}

async function checkFetchSockets(m: Model, w: ExpiredWorld): Promise<void> {
  const all = await fetchedIds(w, null);
  if (JSON.stringify(all) !== JSON.stringify(expectedIds(m, w, null))) {
    fail(`fetchSockets() listed ${all}, expected ${expectedIds(m, w, null)}`);
  }
  for (const selector of everySelector(m)) {
    for (const except of [false, true]) {
      const listed = await fetchedIds(w, roomOf(m, w, selector), except);
      const expected = expectedIds(m, w, selector, except);
      if (JSON.stringify(listed) !== JSON.stringify(expected)) {
        const what = `${except ? 'except' : 'in'}(${selectorText(selector)}).fetchSockets()`;
        fail(`${what} listed ${listed}, expected ${expected} (${m.clients.map(describeClient).join('; ')})`);
      }
    }
  }
}

/** The guard let no event through past its token's `exp`. */
function checkNoLateHandler(w: ExpiredWorld): void {
  for (const call of w.log.calls) {
    if (call.what !== 'connection' && typeof call.exp === 'number' && call.at >= call.exp * 1000) {
      fail(`${call.what} ran for ${String(call.sub)}/${String(call.jti)} ${call.at - call.exp * 1000} ms after exp`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

type Command = fc.AsyncCommand<Model, ExpiredWorld>;

/** Answers `poll` (a broadcast with ack) with the client's index, and records it beside `news`. */
function answerPolls(rc: RecordingClient, index: number): void {
  rc.socket.on('poll', (id: string, ack: (who: number) => void) => {
    rc.news.push(id);
    ack(index);
  });
}

/**
 * What a command on one open client (`client`: its index among the open ones) acts on, once any expiry
 * close by is waited out: the client's model, its real client and the command's text on it.
 */
async function openClientOf(
  command: Command & { readonly client: number },
  m: Model,
  w: ExpiredWorld,
): Promise<{ c: ClientModel; rc: RecordingClient; what: string }> {
  await prepare(m, w);
  const c = pick(m, command.client, isOpen)!;
  return { c, rc: w.clients[c.index], what: `${command} on ${describeClient(c)}` };
}

async function becameVisible(w: ExpiredWorld, c: ClientModel, what: string): Promise<void> {
  const rc = w.clients[c.index];
  c.welcomes++;
  await until(() => rc.welcomes >= c.welcomes, `${what}: welcome on ${describeClient(c)}`);
}

class ConnectCommand implements Command {
  constructor(
    readonly sub: Sub,
    readonly lifetime: 'long' | 'short',
  ) {}
  check(m: Readonly<Model>) {
    return m.clients.filter(isOpen).length < MAX_OPEN_CLIENTS;
  }
  async run(m: Model, w: ExpiredWorld) {
    await prepare(m, w);
    const token = newToken(w, this.sub, this.lifetime);
    const c: ClientModel = {
      index: m.clients.length,
      sub: this.sub,
      state: 'visible',
      token,
      rooms: new Set(['everyone']),
      news: [],
      unauthorized: [],
      welcomes: 0,
      expiredOnce: false,
    };
    const rc = RecordingClient.open(w.server.url, { auth: { token: token.token } });
    answerPolls(rc, c.index);
    m.clients.push(c);
    w.clients.push(rc);
    const outcome = await rc.nextConnectOutcome();
    if (!outcome.connected) fail(`${this}: refused with ${outcome.code}`);
    await becameVisible(w, c, `${this}`);
  }
  toString() {
    return `connect(${this.sub}, ${this.lifetime})`;
  }
}

/** The gateway's `join` handler joins the socket to an app room; the guard refuses an expired socket. */
class JoinCommand implements Command {
  constructor(
    readonly client: number,
    readonly room: AppRoom,
  ) {}
  check(m: Readonly<Model>) {
    return m.clients.some(isOpen);
  }
  async run(m: Model, w: ExpiredWorld) {
    const { c, rc, what } = await openClientOf(this, m, w);
    const answer = await rc.ask('join', this.room);
    if (c.state === 'expired') return expectRefusal(answer, 'token_expired', what);
    if (answer !== 'joined') fail(`${what}: ${JSON.stringify(answer)}`);
    c.rooms.add(this.room);
  }
  toString() {
    return `join(#${this.client}, ${this.room})`;
  }
}

/** Waits until every short token of a visible client has expired (one shared wait). */
class ExpireCommand implements Command {
  check(m: Readonly<Model>) {
    return m.expires < MAX_EXPIRES && m.clients.some((c) => c.state === 'visible' && c.token.lifetime === 'short');
  }
  async run(m: Model, w: ExpiredWorld) {
    m.expires++;
    const short = m.clients.filter((c) => c.state === 'visible' && c.token.lifetime === 'short');
    if (short.length === 0) return;
    await untilTime(Math.max(...short.map((c) => c.token.expiresAt)));
    await settleExpiries(m, w, 1);
  }
  toString() {
    return 'expire()';
  }
}

/**
 * An in-band refresh with a token of the same subject: a valid one makes the client visible with its
 * model rooms (joins and leaves done while it was expired included); an expired one is refused with
 * `token_expired` (answer and `unauthorized`) and changes nothing.
 */
class RefreshCommand implements Command {
  constructor(
    readonly client: number,
    readonly lifetime: ExpiredModelLifetime,
  ) {}
  check(m: Readonly<Model>) {
    return m.clients.some(isOpen);
  }
  async run(m: Model, w: ExpiredWorld) {
    const { c, rc, what } = await openClientOf(this, m, w);
    const token = newToken(w, c.sub, this.lifetime);
    const refused = await authenticateSocket(rc.socket, token.token).then(
      () => undefined,
      (error: unknown) => error,
    );
    if (this.lifetime !== 'expired') {
      if (refused !== undefined) fail(`${what}: refused ${JSON.stringify(refused)}`);
      c.state = 'visible';
      c.token = token;
      return;
    }
    expectRefusal({ status: 'error', ...(refused as object) }, 'token_expired', what);
    c.unauthorized.push('token_expired');
    await until(() => rc.unauthorized.length >= c.unauthorized.length, `${what}: unauthorized`);
  }
  toString() {
    return `refresh(#${this.client}, ${this.lifetime})`;
  }
}

type RoomOperation = 'socketsJoin' | 'socketsLeave' | 'disconnectSockets' | 'fetchSockets';

/** `server.in(room).<operation>`, or `server.except(room).fetchSockets()`. */
class RoomOperationCommand implements Command {
  constructor(
    readonly operation: RoomOperation,
    readonly selector: Selector,
    readonly room: AppRoom,
    readonly except: boolean,
  ) {}
  check(m: Readonly<Model>) {
    return m.clients.some(isOpen);
  }
  async run(m: Model, w: ExpiredWorld) {
    await prepare(m, w);
    const target = roomOf(m, w, this.selector);
    const members = m.clients.filter((c) => isMember(m, c, this.selector));
    if (this.operation === 'socketsJoin') {
      w.io.in(target).socketsJoin(this.room);
      for (const c of members) c.rooms.add(this.room);
    } else if (this.operation === 'socketsLeave') {
      w.io.in(target).socketsLeave(this.room);
      for (const c of members) c.rooms.delete(this.room);
    } else if (this.operation === 'disconnectSockets') {
      await this.disconnect(w, target, members);
    } else {
      const listed = await fetchedIds(w, target, this.except);
      const expected = expectedIds(m, w, this.selector, this.except);
      if (JSON.stringify(listed) !== JSON.stringify(expected)) fail(`${this}: listed ${listed}, expected ${expected}`);
    }
  }
  /** Exactly the members are disconnected by the server; the others answer the next probe. */
  private async disconnect(w: ExpiredWorld, target: string, members: ClientModel[]): Promise<void> {
    w.io.in(target).disconnectSockets();
    for (const c of members) {
      const rc = w.clients[c.index];
      await until(() => !rc.connected, `${this}: disconnect of ${describeClient(c)}`);
      const reason = rc.disconnects[rc.disconnects.length - 1];
      if (reason !== 'io server disconnect') fail(`${this}: ${describeClient(c)} disconnected by ${reason}`);
      c.state = 'gone';
    }
  }
  toString() {
    const operator = this.except ? 'except' : 'in';
    const argument = this.operation === 'socketsJoin' || this.operation === 'socketsLeave' ? this.room : '';
    return `${operator}(${selectorText(this.selector)}).${this.operation}(${argument})`;
  }
}

/**
 * Who hears a broadcast: the visible members. An expired client only when the broadcast is addressed
 * to its socket id alone (what `socket.emit` is with recovery on): never through a room.
 */
function receives(m: Model, c: ClientModel, selector: Selector | null): boolean {
  if (c.state === 'visible') return selector === null || isMember(m, c, selector);
  return c.state === 'expired' && selector !== null && 'idOf' in selector && isMember(m, c, selector);
}

/** `server.emit` / `server.to(room).emit` of a unique `news`, or `emitWithAck('poll')`. */
class BroadcastCommand implements Command {
  constructor(
    readonly selector: Selector | null,
    readonly withAck: boolean,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, w: ExpiredWorld) {
    await prepare(m, w);
    const id = `n${++w.broadcasts}`;
    const operator = this.selector === null ? w.io : w.io.to(roomOf(m, w, this.selector));
    const receivers = m.clients.filter((c) => receives(m, c, this.selector));
    for (const c of receivers) c.news.push(id);
    if (!this.withAck) {
      operator.emit('news', id);
      return;
    }
    // Counts exactly the receivers: an expired socket is neither asked nor waited for, unless addressed by its id.
    const answers = (await operator.timeout(4000).emitWithAck('poll', id)) as number[];
    const expected = receivers.map((c) => c.index).sort();
    if (JSON.stringify([...answers].sort()) !== JSON.stringify(expected)) {
      fail(`${this}: answered by ${JSON.stringify(answers)}, expected ${JSON.stringify(expected)}`);
    }
  }
  toString() {
    const target = this.selector === null ? '' : `to(${selectorText(this.selector)}).`;
    return `${target}${this.withAck ? 'emitWithAck(poll)' : 'emit(news)'}`;
  }
}

type Reconnect = 'same-subject' | 'other-subject' | 'expired-token';

/**
 * connectionStateRecovery: drops the client's transport, optionally broadcasts while it is away, and
 * reconnects it with a token. A valid token of the same subject recovers the session with its rooms
 * (and `everyone`, which app code joins on every connection); the packets it missed are replayed
 * only if its token never expired on this connection. Another subject's token or an expired one is refused
 * (`subject_mismatch`, `token_expired`) and gets no missed packet.
 */
class DropAndRecoverCommand implements Command {
  constructor(
    readonly client: number,
    readonly reconnect: Reconnect,
    readonly away: Selector | null | undefined,
  ) {}
  check(m: Readonly<Model>) {
    return m.clients.some(isOpen);
  }
  async run(m: Model, w: ExpiredWorld) {
    const { c, rc, what } = await openClientOf(this, m, w);
    const missed = await this.dropWhile(m, w, c);
    const token = this.tokenFor(w, c);
    rc.socket.auth = { token: token.token };
    const reconnected = rc.nextConnectOutcome();
    rc.socket.connect();
    const outcome = await reconnected;
    if (this.reconnect !== 'same-subject') {
      const code = this.reconnect === 'other-subject' ? 'subject_mismatch' : 'token_expired';
      if (outcome.connected || outcome.code !== code) fail(`${what}: ${JSON.stringify(outcome)}, expected ${code}`);
      return;
    }
    if (!outcome.connected || !outcome.recovered) fail(`${what}: ${JSON.stringify(outcome)}, expected a recovery`);
    c.state = 'visible';
    c.token = token;
    c.rooms.add('everyone');
    c.news.push(...missed);
    await becameVisible(w, c, what);
  }
  /** Drops the transport (and broadcasts while away): the packets a recovery must replay. */
  private async dropWhile(m: Model, w: ExpiredWorld, c: ClientModel): Promise<string[]> {
    const rc = w.clients[c.index];
    const serverSocket = w.io.of('/').sockets.get(rc.currentId);
    if (!serverSocket) fail(`${this}: no server socket for ${describeClient(c)}`);
    const goneOnServer = new Promise((resolve) => serverSocket.once('disconnect', resolve));
    rc.socket.io.engine.close();
    await goneOnServer;
    const visibleAtDrop = c.state === 'visible';
    const wasMember = this.away !== undefined && (this.away === null || isMember(m, c, this.away));
    c.state = 'gone';
    if (this.away === undefined) return [];
    await new BroadcastCommand(this.away, false).run(m, w);
    // Once expired, never: its client's offset may predate the expiry.
    return visibleAtDrop && wasMember && !c.expiredOnce ? [`n${w.broadcasts}`] : [];
  }
  private tokenFor(w: ExpiredWorld, c: ClientModel): ExpiredModelToken {
    if (this.reconnect === 'other-subject') return newToken(w, c.sub === 'alice' ? 'bob' : 'alice', 'long');
    return newToken(w, c.sub, this.reconnect === 'expired-token' ? 'expired' : 'long');
  }
  toString() {
    const away = this.away === undefined ? '' : `, away: ${this.away === null ? 'emit' : selectorText(this.away)}`;
    return `dropAndRecover(#${this.client}, ${this.reconnect}${away})`;
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries and the property
// ---------------------------------------------------------------------------------------------

const subArb = fc.constantFrom<Sub>(...SUBS);
const roomArb = fc.constantFrom<AppRoom>(...APP_ROOMS);
const clientArb = fc.nat(5);
/** Short tokens are as likely as long ones: expired sockets are what this model is about. */
const connectArb = fc
  .tuple(subArb, fc.constantFrom<'long' | 'short'>('short', 'long'))
  .map(([sub, lifetime]) => new ConnectCommand(sub, lifetime));
const selectorArb: fc.Arbitrary<Selector> = fc.oneof(
  { weight: 4, arbitrary: roomArb.map((room) => ({ room })) },
  { weight: 2, arbitrary: subArb.map((sub) => ({ sub })) },
  { weight: 1, arbitrary: clientArb.map((tokenOf) => ({ tokenOf })) },
  { weight: 1, arbitrary: clientArb.map((idOf) => ({ idOf })) },
);
const roomOperationArb = fc
  .tuple(
    // fetchSockets is also checked after every command: the operations that change rooms come first.
    fc.constantFrom<RoomOperation>(
      'socketsJoin',
      'socketsLeave',
      'socketsJoin',
      'socketsLeave',
      'disconnectSockets',
      'fetchSockets',
    ),
    selectorArb,
    roomArb,
    fc.boolean(),
  )
  .map(([operation, selector, room, except]) => new RoomOperationCommand(operation, selector, room, except))
  // `except` only with fetchSockets; the other operations always use `in`.
  .filter((command) => !command.except || command.operation === 'fetchSockets');
const broadcastArb = fc
  .tuple(fc.option(selectorArb, { freq: 3 }), fc.boolean())
  .map(([selector, withAck]) => new BroadcastCommand(selector, withAck));

/** Every run opens with one to three clients, so the commands have sockets to act on. */
const openingArb = fc.array(connectArb, { minLength: 1, maxLength: 3 });

function commandsArb(recovery: boolean): fc.Arbitrary<Iterable<Command>> {
  const dropAndRecover = fc
    .tuple(
      clientArb,
      fc.constantFrom<Reconnect>('same-subject', 'same-subject', 'other-subject', 'expired-token'),
      fc.option(fc.option(selectorArb, { freq: 3 }), { freq: 4, nil: undefined }),
    )
    .map(([client, reconnect, away]) => new DropAndRecoverCommand(client, reconnect, away));
  const refreshArb = fc
    .tuple(clientArb, fc.constantFrom<ExpiredModelLifetime>('long', 'long', 'short', 'expired'))
    .map(([client, lifetime]) => new RefreshCommand(client, lifetime));
  return fc.commands(
    [
      connectArb,
      fc.tuple(clientArb, roomArb).map(([client, room]) => new JoinCommand(client, room)),
      fc.constant(new ExpireCommand()),
      fc.constant(new ExpireCommand()),
      fc.constant(new ExpireCommand()),
      refreshArb,
      refreshArb,
      roomOperationArb,
      roomOperationArb,
      roomOperationArb,
      broadcastArb,
      broadcastArb,
      ...(recovery ? [dropAndRecover, dropAndRecover] : []),
    ],
    { maxCommands: MAX_COMMANDS, size: 'max' },
  );
}

const CHECKS: ModelChecks<Model, ExpiredWorld> = { checkInvariants, checkNothingLeft, trace };

/** One model run: a fresh app, the commands (invariants after each), then nothing left behind. */
async function runModel(recovery: boolean, opening: Command[], commands: Iterable<Command>): Promise<void> {
  const model: Model = { clients: [], expires: 0 };
  const label = `(recovery ${recovery})`;
  await playModelRun({ start: () => startExpiredWorld(recovery), model, opening, commands, label }, CHECKS);
}

/** Once every client is closed: no server socket and no adapter room left. */
async function checkNothingLeft(w: ExpiredWorld): Promise<void> {
  for (const rc of w.clients) rc.close();
  await until(() => w.io.of('/').sockets.size === 0, 'every server socket to go');
  expect([...rootAdapterRooms(w.io).keys()]).toEqual([]);
  expect(await w.io.fetchSockets()).toEqual([]);
}

describe.each([{ recovery: false }, { recovery: true }])(
  "model: expired sockets ('reject-events') under room operations, broadcasts and refreshes (recovery $recovery)",
  ({ recovery }) => {
    it(`holds every invariant after every command (${MODEL_RUNS} runs of up to ${MAX_COMMANDS} commands)`, async () => {
      await fc.assert(
        fc.asyncProperty(openingArb, commandsArb(recovery), (opening, commands) =>
          runModel(recovery, opening, commands),
        ),
        { numRuns: MODEL_RUNS },
      );
    });
  },
);
