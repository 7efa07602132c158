/**
 * Model-based tests of the per-socket state machine, with fast-check.
 *
 * 1. `fc.commands` + `fc.asyncModelRun` over REAL socket.io clients against a REAL Nest app (one app
 *    per run): connect (root or a RegExp child namespace), authenticate / refresh (same or other
 *    subject), expiry (`exp` or `maxAge`), revoke by subject / token id (also while an authentication
 *    is held in the RevocationCheck), flip the RevocationCheck, disconnect, drop the transport and
 *    recover with the same or another subject's token, app room joins, broadcasts. The model says
 *    what each client should be (pending, authenticated with token T, closing, gone); after EVERY
 *    command the invariants are checked by observation (see `checkInvariants`), and at the end of a
 *    run (all clients closed) that nothing is left behind (see `checkNothingLeft`).
 * 2. `fc.scheduler()` reorders the library's async steps (SecretProvider, RevocationCheck,
 *    `onAuthenticated`) against revocations, disconnects and expiry (see the second half).
 *
 * On failure fast-check prints the seed, the path and the shrunk command list: replay with
 * `fc.assert(..., { seed, path, endOnFailure: true })`.
 */
import fc from 'fast-check';
import type { JwtPayload } from 'jsonwebtoken';
import { getDecodedToken, SUBJECT_ROOM_PREFIX, TOKEN_ID_ROOM_PREFIX } from '../lib';
import { isRefusal, RecordingClient, until, untilTime, type RefusalAnswer } from './fixtures/model-clients';
import type { ModelLog, WhoAmI } from './fixtures/model-gateways';
import { expiryOfModelToken, MODEL_MAX_AGE_SECONDS, type Lifetime, type ModelToken } from './fixtures/model-tokens';
import {
  adapterRooms,
  authenticatedIds,
  namespacesOf,
  ROOT,
  serverSocketsOf,
  startWorld,
  TEAM,
  userOf,
  type Nsp,
  type RunConfig,
  type World,
} from './fixtures/model-world';
import { watchProcessErrors, type ProcessErrorWatch } from './fixtures/secrets-process-errors';

jest.setTimeout(180_000);

/** Runs per mode for the real-socket model (4 modes); `STATE_MACHINE_RUNS=200` for a deeper local search. */
const MODEL_RUNS = Number(process.env.STATE_MACHINE_RUNS ?? 12);
const MAX_COMMANDS = 12;
/** At most this many clients are open at once in a run. */
const MAX_OPEN_CLIENTS = 4;
/** Commands first wait out any expiry this close, so what they observe does not straddle it. */
const EXPIRY_HORIZON_MS = 400;

let processErrors: ProcessErrorWatch;
beforeAll(() => {
  processErrors = watchProcessErrors();
});
afterAll(() => processErrors.stop());

// ---------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------

type Sub = 'alice' | 'bob';
type AppRoom = 'red' | 'blue';
type Status = 'pending' | 'authenticated' | 'closing' | 'gone';

interface ExpectedNews {
  id: string;
  /** Sent at or after the token's expiry, before the server's expiry timer ran: may or may not arrive. */
  optional: boolean;
}

interface ClientModel {
  index: number;
  nsp: Nsp;
  status: Status;
  /** The token the socket is authenticated with now. */
  token?: ModelToken;
  /** The refusal a closing socket answers with. */
  closingCode?: string;
  /** App rooms joined while authenticated (besides `everyone`, which app code joins every socket to). */
  rooms: Set<AppRoom>;
  news: ExpectedNews[];
  unauthorized: number;
  authenticatedEvents: number;
  welcomes: number;
  /** Guarded handler calls that reached the server from the current socket id. */
  handled: number;
  /** Event mode: a session restored by recovery, waiting for the socket's first `authenticate`. */
  restored?: { sub: string; rooms: Set<AppRoom>; missed: string[] };
}

interface Model {
  config: RunConfig;
  clients: ClientModel[];
  /** Entries the RevocationCheck denies: `sub:<subject>`, `jti:<token id>`. */
  denied: Set<string>;
  tokens: ModelToken[];
  expireUsed: boolean;
}

interface TokenSpec {
  sub: Sub;
  lifetime: Lifetime;
  /** Present the latest token already issued for `sub` (same `jti`, same expiry), if any. */
  reuse: boolean;
}

const specText = (spec: TokenSpec) => `${spec.sub}/${spec.lifetime}${spec.reuse ? '/reuse' : ''}`;

function expiresAt(m: Model, token: ModelToken): number {
  return expiryOfModelToken(token, m.config.maxAge);
}

function isOpen(c: ClientModel): boolean {
  return c.status !== 'gone';
}

function describeClient(m: Model, c: ClientModel): string {
  const token = c.token ? ` ${c.token.sub}/${c.token.jti} exp+${expiresAt(m, c.token) - Date.now()}ms` : '';
  return `client#${c.index} (${c.nsp}, ${c.status}${c.closingCode ? ` ${c.closingCode}` : ''}${token})`;
}

/** The refusals the server may answer `token` with (empty: it must accept it). */
function refusalCodes(m: Model, token: ModelToken, context: { refreshFrom?: string; restoredSub?: string } = {}) {
  const codes = new Set<string>();
  if (Date.now() >= expiresAt(m, token)) codes.add('token_expired');
  if (m.denied.has(`sub:${token.sub}`) || m.denied.has(`jti:${token.jti}`)) codes.add('token_revoked');
  if (context.refreshFrom !== undefined && !m.config.allowSubjectChange && context.refreshFrom !== token.sub) {
    codes.add('subject_mismatch');
  }
  if (context.restoredSub !== undefined && context.restoredSub !== token.sub) codes.add('subject_mismatch');
  return codes;
}

function fail(message: string): never {
  throw new Error(message);
}

function expectRefusal(answer: unknown, codes: Iterable<string>, what: string): string {
  const allowed = [...codes];
  if (!isRefusal(answer) || !allowed.includes(answer.data.code)) {
    fail(`${what}: expected a refusal with ${allowed.join('|')}, got ${JSON.stringify(answer)}`);
  }
  return (answer as RefusalAnswer).data.code;
}

// ---------------------------------------------------------------------------------------------
// Steps shared by the commands
// ---------------------------------------------------------------------------------------------

async function resolveToken(m: Model, w: World, spec: TokenSpec): Promise<ModelToken> {
  let token = spec.reuse ? [...m.tokens].reverse().find((each) => each.sub === spec.sub) : undefined;
  if (!token) {
    token = w.issuer.issue(spec.sub, spec.lifetime);
    m.tokens.push(token);
  }
  // Never present a token right at its expiry: what the server decides would depend on the ms.
  const deadline = expiresAt(m, token);
  if (deadline - Date.now() > -50 && deadline - Date.now() < EXPIRY_HORIZON_MS) await untilTime(deadline + 50);
  return token;
}

/**
 * The socket was refused for good: `unauthorized` with one of `codes` arrives, then (without
 * `callback`) the disconnect. With `callback` it stays closing until the server gives up waiting.
 */
async function expectClosing(m: Model, w: World, c: ClientModel, codes: string[], what: string): Promise<void> {
  const rc = w.clients[c.index];
  const seen = c.unauthorized;
  await until(() => rc.unauthorized.length > seen, `${what}: unauthorized on ${describeClient(m, c)}`);
  const code = rc.unauthorized[seen];
  if (!codes.includes(code)) fail(`${what}: ${describeClient(m, c)} was refused with ${code}, expected ${codes}`);
  c.unauthorized++;
  c.status = 'closing';
  c.closingCode = code;
  c.rooms.clear();
  c.restored = undefined;
  if (!m.config.lingering) {
    await until(() => !rc.connected, `${what}: disconnect of ${describeClient(m, c)}`);
    c.status = 'gone';
  }
}

/**
 * Waits out every expiry due within `horizon` ms and checks the server ended those sockets with
 * `token_expired`, so what follows never straddles an expiry.
 */
async function settleExpiries(m: Model, w: World, horizon: number): Promise<void> {
  for (;;) {
    const now = Date.now();
    const due = m.clients.filter((c) => c.status === 'authenticated' && expiresAt(m, c.token!) - now < horizon);
    if (due.length === 0) return;
    await untilTime(Math.max(...due.map((c) => expiresAt(m, c.token!))) + 30);
    for (const c of due) await expectClosing(m, w, c, ['token_expired'], 'expiry');
  }
}

const prepare = (m: Model, w: World) => settleExpiries(m, w, EXPIRY_HORIZON_MS);

function clientUrl(w: World, nsp: Nsp): string {
  return nsp === ROOT ? w.server.url : `${w.server.url}${nsp}`;
}

/** The socket is authenticated with `token` and active: the gateway's (deferred) callback said welcome. */
async function becameAuthenticated(m: Model, w: World, c: ClientModel, token: ModelToken, what: string) {
  const rc = w.clients[c.index];
  c.welcomes++;
  await until(() => rc.welcomes >= c.welcomes, `${what}: welcome on ${describeClient(m, c)}`);
  c.status = 'authenticated';
  c.token = token;
}

function pick(m: Model, index: number, eligible: (c: ClientModel) => boolean): ClientModel | undefined {
  const candidates = m.clients.filter(eligible);
  return candidates.length === 0 ? undefined : candidates[index % candidates.length];
}

/** A closing client whose server gave up waiting is gone; anything else disconnected is a failure. */
function noteDisconnect(m: Model, w: World, c: ClientModel): boolean {
  if (w.clients[c.index].connected) return false;
  if (c.status !== 'closing') {
    fail(`${describeClient(m, c)} was disconnected (${w.clients[c.index].disconnects.join(',')})`);
  }
  c.status = 'gone';
  return true;
}

// ---------------------------------------------------------------------------------------------
// Invariants, after every command
// ---------------------------------------------------------------------------------------------

/**
 * - the server's own view: the sockets with access are exactly the model's authenticated ones, and
 *   every adapter room (identity rooms, app rooms, `everyone`, own id) holds only sockets with access
 *   (a pending or closing socket is in no room, whatever app code joined it to), with identity rooms
 *   of the CURRENT claims only; `fetchSockets()` lists exactly the sockets with access;
 * - each connected client, probed: `ping` reaches the handler (pong) only with access, and then only
 *   while its token is unexpired; a socket without access gets the refusal (credentials_required
 *   when pending, its closing code when closing) and a fire-and-forget `ping` reaches no handler;
 * - `whoami` (@DecodedToken, getDecodedToken, socket.data incl. the hook's user, socket.rooms)
 *   describes the current token, never a previous one;
 * - broadcasts arrived exactly where the model sent them (after the probes, which act as a barrier);
 * - `unauthorized`, `authenticated` and `welcome` counts, and the server's handler log per socket id;
 * - no unhandled rejection or uncaught exception so far.
 */
async function checkInvariants(m: Model, w: World): Promise<void> {
  await settleExpiries(m, w, 300);
  await checkServerView(m, w);

  for (const c of m.clients) {
    if (!isOpen(c) || noteDisconnect(m, w, c)) continue;
    const rc = w.clients[c.index];
    if (c.status !== 'authenticated') rc.socket.emit('ping'); // must reach no handler
    const t0 = Date.now();
    const answer = await rc.ask('ping');
    const t1 = Date.now();
    if (answer === 'disconnected') {
      noteDisconnect(m, w, c);
      continue;
    }
    if (c.status === 'pending') expectRefusal(answer, ['credentials_required'], `ping from ${describeClient(m, c)}`);
    if (c.status === 'closing') expectRefusal(answer, [c.closingCode!], `ping from ${describeClient(m, c)}`);
    if (c.status !== 'authenticated') continue;
    const deadline = expiresAt(m, c.token!);
    if (answer === 'pong') {
      if (t0 >= deadline) fail(`${describeClient(m, c)} reached a handler after its token expired`);
      c.handled++;
    } else {
      // Only an expiry during the probe excuses a refusal.
      expectRefusal(answer, ['token_expired'], `ping from ${describeClient(m, c)}`);
      if (t1 < deadline) fail(`${describeClient(m, c)} was refused token_expired before its expiry`);
      await expectClosing(m, w, c, ['token_expired'], 'expiry during a probe');
      continue;
    }
    await checkWhoAmI(m, w, c);
  }

  for (const c of m.clients) {
    const rc = w.clients[c.index];
    matchNews(m, c, rc.news);
    if (rc.unauthorized.length !== c.unauthorized) {
      fail(`${describeClient(m, c)} received unauthorized ${JSON.stringify(rc.unauthorized)}, expected ${c.unauthorized}`);
    }
    if (rc.authenticated !== c.authenticatedEvents) {
      fail(`${describeClient(m, c)} received ${rc.authenticated} authenticated, expected ${c.authenticatedEvents}`);
    }
    if (rc.welcomes !== c.welcomes) fail(`${describeClient(m, c)} received ${rc.welcomes} welcome, expected ${c.welcomes}`);
    if (rc.ids.length > 0) {
      const handled = w.log.handled(rc.currentId);
      if (handled.length !== c.handled) {
        fail(`${describeClient(m, c)}: ${handled.length} handler calls reached the server, expected ${c.handled}`);
      }
    }
  }
  checkCallsBeforeExpiry(w.log, m.config.maxAge);
  if (processErrors.errors.length > 0) fail(`process errors: ${processErrors.errors.map((e) => String(e.error))}`);
}

/** No guarded handler and no gateway connection callback ran with claims past their expiry. */
function checkCallsBeforeExpiry(log: ModelLog, maxAge: boolean): void {
  for (const call of log.calls) {
    if (typeof call.exp !== 'number' || typeof call.iat !== 'number') continue;
    const deadline = (maxAge ? Math.min(call.exp, call.iat + MODEL_MAX_AGE_SECONDS) : call.exp) * 1000;
    if (call.at >= deadline) fail(`${call.what} ran for ${call.sub}/${call.jti} ${call.at - deadline} ms after its expiry`);
  }
}

async function checkWhoAmI(m: Model, w: World, c: ClientModel): Promise<void> {
  const rc = w.clients[c.index];
  const token = c.token!;
  const t0 = Date.now();
  const answer = await rc.ask('whoami');
  if (answer === 'disconnected' || isRefusal(answer)) {
    if (t0 < expiresAt(m, token)) fail(`whoami of ${describeClient(m, c)} was refused: ${JSON.stringify(answer)}`);
    await expectClosing(m, w, c, ['token_expired'], 'expiry during whoami');
    return;
  }
  c.handled++;
  const me = answer as WhoAmI;
  const what = `whoami of ${describeClient(m, c)}`;
  const jtiOf = (claims: unknown) => (claims as JwtPayload | undefined)?.jti;
  const seen = {
    sub: me.sub,
    decoratorJti: jtiOf(me.claims),
    getDecodedTokenJti: jtiOf(me.viaGetDecodedToken),
    dataJti: jtiOf(me.data.decoded_token),
    dataSub: (me.data.decoded_token as JwtPayload | undefined)?.sub,
    user: me.data.user,
    dataKeys: Object.keys(me.data).sort(),
    rooms: [...me.rooms].sort(),
  };
  const expectedUser = m.config.hook ? userOf(token) : undefined;
  const expected = {
    sub: token.sub,
    decoratorJti: token.jti,
    getDecodedTokenJti: token.jti,
    dataJti: token.jti,
    dataSub: token.sub,
    user: expectedUser,
    dataKeys: expectedUser === undefined ? ['decoded_token'] : ['decoded_token', 'user'],
    rooms: [
      rc.currentId,
      'everyone',
      ...c.rooms,
      `${SUBJECT_ROOM_PREFIX}${token.sub}`,
      `${TOKEN_ID_ROOM_PREFIX}${token.jti}`,
    ].sort(),
  };
  if (JSON.stringify(seen) !== JSON.stringify(expected)) {
    fail(`${what}: got ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}`);
  }
}

function matchNews(m: Model, c: ClientModel, actual: string[]): void {
  let next = 0;
  for (const entry of c.news) {
    if (actual[next] === entry.id) next++;
    else if (!entry.optional) break;
  }
  const required = c.news.filter((entry) => !entry.optional).map((entry) => entry.id);
  if (next !== actual.length || !required.every((id) => actual.includes(id))) {
    fail(`${describeClient(m, c)} received news ${JSON.stringify(actual)}, expected ${JSON.stringify(c.news)}`);
  }
  c.news = actual.map((id) => ({ id, optional: false }));
}

/** What the server itself holds: who has access, who is in which room, what fetchSockets lists. */
async function checkServerView(m: Model, w: World): Promise<void> {
  const expectedAccess = new Map<string, Set<string>>();
  const roomsExpected = new Map<string, Set<string>>();
  const add = (map: Map<string, Set<string>>, key: string, id: string) => {
    if (!map.has(key)) map.set(key, new Set());
    map.get(key)!.add(id);
  };
  for (const c of m.clients) {
    if (c.status !== 'authenticated') continue;
    const id = w.clients[c.index].currentId;
    add(expectedAccess, c.nsp, id);
    for (const room of [id, 'everyone', ...c.rooms]) add(roomsExpected, `${c.nsp} ${room}`, id);
    add(roomsExpected, `${c.nsp} ${SUBJECT_ROOM_PREFIX}${c.token!.sub}`, id);
    add(roomsExpected, `${c.nsp} ${TOKEN_ID_ROOM_PREFIX}${c.token!.jti}`, id);
  }
  const text = (map: Map<string, Set<string>>) =>
    JSON.stringify(
      [...map]
        .filter(([, ids]) => ids.size > 0)
        .map(([key, ids]) => [key, [...ids].sort()])
        .sort(),
    );
  const access = authenticatedIds(w.io);
  if (text(access) !== text(expectedAccess)) {
    fail(`server-side access ${text(access)}, model ${text(expectedAccess)} (${m.clients.map((c) => describeClient(m, c))})`);
  }
  const rooms = adapterRooms(w.io);
  if (text(rooms) !== text(roomsExpected)) fail(`adapter rooms ${text(rooms)}, model ${text(roomsExpected)}`);
  const listed = (await w.io.fetchSockets()).map((socket) => socket.id).sort();
  const expectedListed = [...(expectedAccess.get(ROOT) ?? [])].sort();
  if (JSON.stringify(listed) !== JSON.stringify(expectedListed)) {
    fail(`fetchSockets() listed ${listed}, expected ${expectedListed}`);
  }
}

/**
 * After every client is closed: no socket, no room, no child namespace, no expiry scheduled, no
 * authentication in flight, no unexpected error logged, no process error.
 */
async function checkNothingLeft(w: World): Promise<void> {
  for (const rc of w.clients) rc.close();
  await until(() => serverSocketsOf(w.io).length === 0, 'every server socket to go');
  await until(() => w.team.children.size === 0, 'the child namespaces to be removed');
  expect([...namespacesOf(w.io).keys()]).toEqual([ROOT]);
  expect([...adapterRooms(w.io).keys()]).toEqual([]);
  expect(w.sessions.scheduledExpiries).toBe(0);
  expect(w.sessions.authenticationsInFlight).toBe(0);
  expect(w.server.logger.lines.filter((line) => line.startsWith('error'))).toEqual([]);
  expect(processErrors.errors).toEqual([]);
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

type Command = fc.AsyncCommand<Model, World>;

/** Connect a new client: with a token in the handshake, or (event mode) unauthenticated. */
class ConnectCommand implements Command {
  constructor(
    readonly nsp: Nsp,
    readonly spec: TokenSpec,
  ) {}
  check(m: Readonly<Model>) {
    return m.clients.filter(isOpen).length < MAX_OPEN_CLIENTS;
  }
  async run(m: Model, w: World) {
    await prepare(m, w);
    const c: ClientModel = {
      index: m.clients.length,
      nsp: this.nsp,
      status: 'pending',
      rooms: new Set(),
      news: [],
      unauthorized: 0,
      authenticatedEvents: 0,
      welcomes: 0,
      handled: 0,
    };
    const token = m.config.handshake ? await resolveToken(m, w, this.spec) : undefined;
    const rc = RecordingClient.open(clientUrl(w, this.nsp), token ? { auth: { token: token.token } } : {});
    m.clients.push(c);
    w.clients.push(rc);
    const outcome = await rc.nextConnectOutcome();
    const codes = token ? refusalCodes(m, token) : new Set<string>();
    if (codes.size > 0) {
      if (outcome.connected) fail(`${this}: connected, expected a refusal with ${[...codes]}`);
      expectRefusal({ status: 'error', data: { code: outcome.code } }, codes, `${this}`);
      c.status = 'gone';
      return;
    }
    if (!outcome.connected) fail(`${this}: refused with ${outcome.code}`);
    if (token) await becameAuthenticated(m, w, c, token, `${this}`);
  }
  toString() {
    return `connect(${this.nsp}, ${specText(this.spec)})`;
  }
}

/** `authenticate` with an ack: event-mode authentication, or an in-band refresh. */
class AuthenticateCommand implements Command {
  constructor(
    readonly client: number,
    readonly spec: TokenSpec,
  ) {}
  check(m: Readonly<Model>) {
    return m.clients.some(isOpen);
  }
  async run(m: Model, w: World) {
    await prepare(m, w);
    const c = pick(m, this.client, isOpen);
    if (!c || noteDisconnect(m, w, c)) return;
    const rc = w.clients[c.index];
    const token = await resolveToken(m, w, this.spec);
    const what = `${this} on ${describeClient(m, c)}`;
    if (c.status === 'authenticated' && expiresAt(m, c.token!) - Date.now() < EXPIRY_HORIZON_MS) await prepare(m, w);
    const answer = await rc.ask('authenticate', { token: token.token });
    if (answer === 'disconnected') {
      if (c.status !== 'closing') fail(`${what}: disconnected`);
      c.status = 'gone';
      return;
    }
    if (c.status === 'closing') {
      // A closing socket cannot authenticate again.
      expectRefusal(answer, [c.closingCode!], what);
      return;
    }
    const refresh = c.status === 'authenticated';
    const codes = refusalCodes(
      m,
      token,
      refresh ? { refreshFrom: c.token!.sub } : { restoredSub: c.restored?.sub },
    );
    if (codes.size > 0) {
      const code = expectRefusal(answer, codes, what);
      if (!refresh || m.config.disconnectOnRefreshFailure) {
        await expectClosing(m, w, c, [code], what);
      } else {
        await until(() => rc.unauthorized.length > c.unauthorized, `${what}: unauthorized`);
        if (rc.unauthorized[c.unauthorized] !== code) fail(`${what}: unauthorized ${rc.unauthorized}`);
        c.unauthorized++;
      }
      return;
    }
    if (JSON.stringify(answer) !== JSON.stringify({ status: 'ok' })) fail(`${what}: answered ${JSON.stringify(answer)}`);
    c.authenticatedEvents++;
    await until(() => rc.authenticated >= c.authenticatedEvents, `${what}: authenticated`);
    if (refresh) {
      c.token = token;
      return;
    }
    if (c.restored) {
      c.rooms = c.restored.rooms;
      c.news.push(...c.restored.missed.map((id) => ({ id, optional: false })));
      c.restored = undefined;
    }
    await becameAuthenticated(m, w, c, token, what);
  }
  toString() {
    return `authenticate(#${this.client}, ${specText(this.spec)})`;
  }
}

class DisconnectCommand implements Command {
  constructor(readonly client: number) {}
  check(m: Readonly<Model>) {
    return m.clients.some(isOpen);
  }
  async run(m: Model, w: World) {
    const c = pick(m, this.client, isOpen);
    if (!c) return;
    const rc = w.clients[c.index];
    const id = rc.currentId;
    rc.close();
    c.status = 'gone';
    await until(() => !serverSocketsOf(w.io).some((socket) => socket.id === id), `${this}: server sees the disconnect`);
  }
  toString() {
    return `disconnect(#${this.client})`;
  }
}

interface Target {
  nsp: Nsp;
  room?: AppRoom | 'everyone';
}
const targetText = (target: Target) => `${target.nsp}${target.room ? `→${target.room}` : ''}`;

function reaches(target: Target, c: ClientModel, rooms: Set<AppRoom> = c.rooms): boolean {
  if (c.nsp !== target.nsp) return false;
  return target.room === undefined || target.room === 'everyone' || rooms.has(target.room);
}

/** `server.emit` / `to(room).emit` of `news` on the root namespace or every `/team-*` child. */
function broadcast(m: Model, w: World, target: Target): string {
  const id = `b${++w.broadcasts}`;
  const sentAt = Date.now();
  const namespace = target.nsp === ROOT ? w.io.of(ROOT) : w.team;
  (target.room ? namespace.to(target.room) : namespace).emit('news', id);
  for (const c of m.clients) {
    if (c.status === 'authenticated' && reaches(target, c)) {
      c.news.push({ id, optional: sentAt >= expiresAt(m, c.token!) });
    }
  }
  return id;
}

class BroadcastCommand implements Command {
  constructor(readonly target: Target) {}
  check() {
    return true;
  }
  async run(m: Model, w: World) {
    await prepare(m, w);
    broadcast(m, w, this.target);
  }
  toString() {
    return `broadcast(${targetText(this.target)})`;
  }
}

class JoinCommand implements Command {
  constructor(
    readonly client: number,
    readonly room: AppRoom,
  ) {}
  check(m: Readonly<Model>) {
    return m.clients.some(isOpen);
  }
  async run(m: Model, w: World) {
    await prepare(m, w);
    const c = pick(m, this.client, isOpen);
    if (!c || noteDisconnect(m, w, c)) return;
    const t0 = Date.now();
    const answer = await w.clients[c.index].ask('join', this.room);
    const what = `${this} on ${describeClient(m, c)}`;
    if (answer === 'disconnected') {
      noteDisconnect(m, w, c);
      return;
    }
    if (c.status === 'pending') expectRefusal(answer, ['credentials_required'], what);
    if (c.status === 'closing') expectRefusal(answer, [c.closingCode!], what);
    if (c.status !== 'authenticated') return;
    if (answer !== 'joined') {
      expectRefusal(answer, ['token_expired'], what);
      if (t0 < expiresAt(m, c.token!)) fail(`${what}: refused before the token expired`);
      await expectClosing(m, w, c, ['token_expired'], what);
      return;
    }
    c.handled++;
    c.rooms.add(this.room);
  }
  toString() {
    return `join(#${this.client}, ${this.room})`;
  }
}

/** The sockets that must have lost access the moment the revocation returned. */
function assertNoAccessLeft(w: World, matches: (claims: JwtPayload) => boolean, what: string): void {
  for (const socket of serverSocketsOf(w.io)) {
    const claims = getDecodedToken(socket);
    if (claims && matches(claims)) fail(`${what}: socket ${socket.id} (${claims.sub}/${claims.jti}) still has access`);
  }
}

class RevokeCommand implements Command {
  constructor(
    readonly by: 'sub' | 'jti',
    readonly sub: Sub,
    readonly token: number,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, w: World) {
    await prepare(m, w);
    const jti = m.tokens.length > 0 ? m.tokens[this.token % m.tokens.length].jti : 'unknown';
    const matches = (claims: { sub?: unknown; jti?: unknown }) =>
      this.by === 'sub' ? claims.sub === this.sub : claims.jti === jti;
    const targets = m.clients.filter((c) => c.status === 'authenticated' && matches(c.token!));
    const count = this.by === 'sub' ? w.revoker.revokeSubject(this.sub) : w.revoker.revokeTokenId(jti);
    assertNoAccessLeft(w, matches, `${this}`);
    if (count !== targets.length) fail(`${this} (${jti}) counted ${count}, expected ${targets.length}`);
    for (const c of targets) await expectClosing(m, w, c, ['token_revoked'], `${this}`);
  }
  toString() {
    return this.by === 'sub' ? `revokeSubject(${this.sub})` : `revokeTokenId(token #${this.token})`;
  }
}

class FlipDenylistCommand implements Command {
  constructor(
    readonly entry: { sub: Sub } | { token: number },
  ) {}
  check() {
    return true;
  }
  async run(m: Model, w: World) {
    let entry: string;
    if ('sub' in this.entry) entry = `sub:${this.entry.sub}`;
    else if (m.tokens.length > 0) entry = `jti:${m.tokens[this.entry.token % m.tokens.length].jti}`;
    else return;
    for (const set of [m.denied, w.denylist.denied]) {
      if (set.has(entry)) set.delete(entry);
      else set.add(entry);
    }
  }
  toString() {
    return 'sub' in this.entry ? `flipDenylist(sub:${this.entry.sub})` : `flipDenylist(jti of token #${this.entry.token})`;
  }
}

/**
 * Drops the transport of an authenticated root client (a network failure), optionally broadcasts
 * while it is away, and reconnects it presenting `spec`'s token (handshake) — the same or another
 * subject's. With connectionStateRecovery the server restores the session: it must be handed back
 * only to a valid token of the same subject (missed packets and rooms included), else refused.
 */
class DropAndRecoverCommand implements Command {
  constructor(
    readonly client: number,
    readonly spec: TokenSpec,
    readonly away: Target | null,
  ) {}
  check(m: Readonly<Model>) {
    return m.clients.some((c) => c.status === 'authenticated' && c.nsp === ROOT);
  }
  async run(m: Model, w: World) {
    await prepare(m, w);
    const c = pick(m, this.client, (each) => each.status === 'authenticated' && each.nsp === ROOT);
    if (!c) return;
    const rc = w.clients[c.index];
    const what = `${this} on ${describeClient(m, c)}`;
    const oldId = rc.currentId;
    const previous = { sub: c.token!.sub, rooms: new Set(c.rooms) };
    const serverSocket = w.io.of(ROOT).sockets.get(oldId);
    if (!serverSocket) fail(`${what}: no server socket ${oldId}`);
    const goneOnServer = new Promise((resolve) => serverSocket.once('disconnect', resolve));
    rc.socket.io.engine.close();
    await goneOnServer;
    c.status = 'pending';
    c.token = undefined;
    let missed: string[] = [];
    if (this.away) {
      const id = broadcast(m, w, this.away);
      if (m.config.recovery && reaches(this.away, c, previous.rooms)) missed = [id];
    }
    const token = m.config.handshake ? await resolveToken(m, w, this.spec) : undefined;
    rc.socket.auth = token ? { token: token.token } : {};
    const reconnected = rc.nextConnectOutcome();
    rc.socket.connect();
    const outcome = await reconnected;
    const recovering = m.config.recovery;
    if (!recovering) c.rooms.clear();

    if (!token) {
      // Event mode: connected, pending (hidden) until it authenticates, with the restored session waiting.
      if (!outcome.connected) fail(`${what}: refused with ${outcome.code}`);
      if (outcome.recovered !== recovering) fail(`${what}: recovered=${outcome.recovered}`);
      if (recovering) c.restored = { sub: previous.sub, rooms: previous.rooms, missed };
      c.rooms = new Set();
      if (rc.currentId !== oldId) c.handled = 0;
      return;
    }
    const codes = refusalCodes(m, token, recovering ? { restoredSub: previous.sub } : {});
    const refusedAtConnect = codes.size > 0 && !(recovering && m.config.skipMiddlewares);
    if (refusedAtConnect) {
      if (outcome.connected) fail(`${what}: connected, expected a refusal with ${[...codes]}`);
      expectRefusal({ status: 'error', data: { code: outcome.code } }, codes, what);
      c.status = 'gone';
      c.rooms.clear();
      return;
    }
    if (!outcome.connected) fail(`${what}: refused with ${outcome.code}`);
    if (outcome.recovered !== recovering) fail(`${what}: recovered=${outcome.recovered}, expected ${recovering}`);
    if (rc.currentId !== oldId) c.handled = 0;
    if (codes.size > 0) {
      // Recovered without the middleware: the re-check refuses it after the connect.
      await expectClosing(m, w, c, [...codes], what);
      return;
    }
    c.news.push(...missed.map((id) => ({ id, optional: false })));
    await becameAuthenticated(m, w, c, token, what);
  }
  toString() {
    return `dropAndRecover(#${this.client}, ${specText(this.spec)}${this.away ? `, away: ${targetText(this.away)}` : ''})`;
  }
}

/**
 * An authentication held inside the RevocationCheck (a new handshake, an event-mode authenticate
 * or a refresh) while its subject or token id is revoked: the count includes it, it ends refused
 * with token_revoked, and nothing of that subject / token id has access once revoke returned.
 */
class RevokeInFlightCommand implements Command {
  constructor(
    readonly client: number | null,
    readonly nsp: Nsp,
    readonly sub: Sub,
    readonly by: 'sub' | 'jti',
  ) {}
  check(m: Readonly<Model>) {
    return this.client === null
      ? m.clients.filter(isOpen).length < MAX_OPEN_CLIENTS
      : m.clients.some((c) => c.status === 'pending' || c.status === 'authenticated');
  }
  async run(m: Model, w: World) {
    await prepare(m, w);
    const token = await resolveToken(m, w, { sub: this.sub, lifetime: 'long', reuse: false });
    let c: ClientModel | undefined;
    if (this.client === null) {
      c = {
        index: m.clients.length,
        nsp: this.nsp,
        status: 'pending',
        rooms: new Set(),
        news: [],
        unauthorized: 0,
        authenticatedEvents: 0,
        welcomes: 0,
        handled: 0,
      };
      m.clients.push(c);
      w.clients.push(
        RecordingClient.open(clientUrl(w, this.nsp), m.config.handshake ? { auth: { token: token.token } } : {}),
      );
    } else {
      c = pick(m, this.client, (each) => each.status === 'pending' || each.status === 'authenticated');
      if (!c) return;
    }
    const rc = w.clients[c.index];
    const what = `${this} on ${describeClient(m, c)}`;
    const viaHandshake = this.client === null && m.config.handshake;
    const release = w.denylist.hold();
    let connectOutcome: ReturnType<RecordingClient['nextConnectOutcome']> | undefined;
    let answer: Promise<unknown> | undefined;
    try {
      if (viaHandshake) {
        connectOutcome = rc.nextConnectOutcome();
      } else {
        if (this.client === null) {
          const outcome = await rc.nextConnectOutcome();
          if (!outcome.connected) fail(`${what}: could not connect`);
        }
        answer = rc.ask('authenticate', { token: token.token });
      }
      await until(() => w.denylist.waiting === 1, `${what}: the authentication to reach the RevocationCheck`);
      const matches = (claims: { sub?: unknown; jti?: unknown }) =>
        this.by === 'sub' ? claims.sub === token.sub : claims.jti === token.jti;
      const closedByRoom = m.clients.filter((each) => each.status === 'authenticated' && matches(each.token!));
      const counted = new Set([...closedByRoom, c]);
      const count = this.by === 'sub' ? w.revoker.revokeSubject(token.sub) : w.revoker.revokeTokenId(token.jti);
      assertNoAccessLeft(w, matches, what);
      if (count !== counted.size) fail(`${what}: counted ${count}, expected ${counted.size}`);
      release();
      for (const each of closedByRoom) await expectClosing(m, w, each, ['token_revoked'], what);
      if (viaHandshake) {
        const outcome = await connectOutcome!;
        if (outcome.connected || outcome.code !== 'token_revoked') fail(`${what}: ${JSON.stringify(outcome)}`);
        c.status = 'gone';
        return;
      }
      const answered = await answer!;
      if (c.status === 'gone') return;
      if (answered === 'disconnected') {
        if (c.status !== 'closing') fail(`${what}: disconnected`);
        c.status = 'gone';
        return;
      }
      expectRefusal(answered, ['token_revoked'], what);
      if (c.status === 'closing') return;
      if (c.status === 'pending' || m.config.disconnectOnRefreshFailure) {
        await expectClosing(m, w, c, ['token_revoked'], what);
      } else {
        await until(() => rc.unauthorized.length > c.unauthorized, `${what}: unauthorized`);
        if (rc.unauthorized[c.unauthorized] !== 'token_revoked') fail(`${what}: unauthorized ${rc.unauthorized}`);
        c.unauthorized++;
      }
    } finally {
      release();
    }
  }
  toString() {
    return `revokeInFlight(${this.client === null ? `new ${this.nsp}` : `#${this.client}`}, ${this.sub}, by ${this.by})`;
  }
}

/** Waits until the short-lived tokens of the open sockets have expired (once per run: it costs 1-2 s). */
class ExpireCommand implements Command {
  check(m: Readonly<Model>) {
    return !m.expireUsed && m.clients.some((c) => c.status === 'authenticated' && c.token!.lifetime.startsWith('short'));
  }
  async run(m: Model, w: World) {
    m.expireUsed = true;
    const soon = m.clients.filter(
      (c) => c.status === 'authenticated' && expiresAt(m, c.token!) - Date.now() < 2500,
    );
    if (soon.length === 0) return;
    await untilTime(Math.max(...soon.map((c) => expiresAt(m, c.token!))) + 30);
    await settleExpiries(m, w, 0);
  }
  toString() {
    return 'expire()';
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries and the property
// ---------------------------------------------------------------------------------------------

const subArb = fc.constantFrom<Sub>('alice', 'bob');
const nspArb = fc.oneof({ weight: 3, arbitrary: fc.constant<Nsp>(ROOT) }, { weight: 1, arbitrary: fc.constant<Nsp>(TEAM) });
const lifetimeArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Lifetime>('long') },
  { weight: 1, arbitrary: fc.constantFrom<Lifetime>('short-exp', 'short-maxage') },
  { weight: 1, arbitrary: fc.constantFrom<Lifetime>('expired-exp', 'expired-maxage') },
);
const tokenSpecArb: fc.Arbitrary<TokenSpec> = fc.record({
  sub: subArb,
  lifetime: lifetimeArb,
  reuse: fc.boolean(),
});
const clientArb = fc.nat(7);
const roomArb = fc.constantFrom<AppRoom>('red', 'blue');
const targetArb: fc.Arbitrary<Target> = fc.record(
  { nsp: nspArb, room: fc.constantFrom<AppRoom | 'everyone'>('red', 'blue', 'everyone') },
  { requiredKeys: ['nsp'] },
);

const connectArb = fc.tuple(nspArb, tokenSpecArb).map(([nsp, spec]) => new ConnectCommand(nsp, spec));

/** Every run opens with one to three clients, so the generated commands have sockets to act on. */
const openingArb = fc.array(connectArb, { minLength: 1, maxLength: 3 });

function commandsArb(): fc.Arbitrary<Iterable<Command>> {
  const connect = connectArb;
  return fc.commands(
    [
      connect,
      connect,
      fc.tuple(clientArb, tokenSpecArb).map(([client, spec]) => new AuthenticateCommand(client, spec)),
      fc.tuple(clientArb, tokenSpecArb).map(([client, spec]) => new AuthenticateCommand(client, spec)),
      clientArb.map((client) => new DisconnectCommand(client)),
      fc
        .tuple(clientArb, tokenSpecArb, fc.option(targetArb, { freq: 2 }))
        .map(([client, spec, away]) => new DropAndRecoverCommand(client, spec, away)),
      fc.tuple(clientArb, roomArb).map(([client, room]) => new JoinCommand(client, room)),
      targetArb.map((target) => new BroadcastCommand(target)),
      targetArb.map((target) => new BroadcastCommand(target)),
      fc
        .tuple(fc.constantFrom<'sub' | 'jti'>('sub', 'jti'), subArb, fc.nat(15))
        .map(([by, sub, token]) => new RevokeCommand(by, sub, token)),
      fc
        .oneof(subArb.map((sub) => ({ sub })), fc.nat(15).map((token) => ({ token })))
        .map((entry) => new FlipDenylistCommand(entry)),
      fc
        .tuple(fc.option(clientArb), nspArb, subArb, fc.constantFrom<'sub' | 'jti'>('sub', 'jti'))
        .map(([client, nsp, sub, by]) => new RevokeInFlightCommand(client, nsp, sub, by)),
      fc.constant(new ExpireCommand()),
    ],
    { maxCommands: MAX_COMMANDS, size: 'max' },
  );
}

function configArb(handshake: boolean, recovery: boolean): fc.Arbitrary<RunConfig> {
  return fc.record({
    handshake: fc.constant(handshake),
    recovery: fc.constant(recovery),
    skipMiddlewares: recovery ? fc.boolean() : fc.constant(false),
    allowSubjectChange: fc.boolean(),
    disconnectOnRefreshFailure: fc.boolean(),
    lingering: fc.boolean(),
    hook: fc.boolean(),
    maxAge: fc.boolean(),
  });
}

/** One model run: a fresh app, the commands (invariants after each), then nothing left. */
async function runModel(config: RunConfig, opening: Command[], commands: Iterable<Command>): Promise<void> {
  const world = await startWorld(config);
  try {
    const model: Model = { config, clients: [], denied: new Set(), tokens: [], expireUsed: false };
    const checked = [...opening, ...commands].map((command) => checkedAfter(command));
    if (process.env.STATE_MACHINE_TRACE) process.stdout.write(`--- run (${checked.length} commands) ${JSON.stringify(config)}\n`);
    await fc.asyncModelRun(() => ({ model, real: world }), checked);
    await checkNothingLeft(world);
  } finally {
    await world.server.close();
  }
}

/** The command, then the invariants. */
function checkedAfter(command: Command): Command {
  return {
    check: (m) => command.check(m),
    run: async (m, w) => {
      if (process.env.STATE_MACHINE_TRACE) process.stdout.write(`${command}\n`);
      await command.run(m, w);
      await checkInvariants(m, w);
    },
    toString: () => command.toString(),
  };
}

const MODES = [
  { handshake: true, recovery: false },
  { handshake: true, recovery: true },
  { handshake: false, recovery: false },
  { handshake: false, recovery: true },
];

describe.each(MODES)('model: the socket state machine over real sockets (handshake $handshake, recovery $recovery)', ({ handshake, recovery }) => {
  it(`holds every invariant after every command (${MODEL_RUNS} runs of up to ${MAX_COMMANDS} commands)`, async () => {
    await fc.assert(
      fc.asyncProperty(configArb(handshake, recovery), openingArb, commandsArb(), (config, opening, commands) =>
        runModel(config, opening, commands),
      ),
      { numRuns: MODEL_RUNS },
    );
  });
});

