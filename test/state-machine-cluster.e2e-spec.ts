/**
 * Model-based test (fast-check `fc.commands` + `fc.asyncModelRun`) of revocation on a two-node
 * cluster: two real Nest apps composing JwtSocketIoAdapter with the classic @socket.io/redis-adapter
 * over a real redis-server, real socket.io clients.
 *
 * Both authentication modes, one cluster each. Commands: connect on node A or B (event mode:
 * authenticated at once or left pending), authenticate (event mode's first one, or a refresh to the
 * same or another subject with a new token id), disconnect, revoke by subject / token id on A or B,
 * and revoke on one node while an authentication of that subject is held inside the other node's
 * (or the same node's) RevocationCheck. The remote node acts on the revocation asynchronously (serverSideEmit through
 * Redis): the model waits for it (bounded polls), then checks that no socket of the revoked subject /
 * token id has access on either node. After every command: each client's access (ping, whoami)
 * matches the model, each node's own view (sockets with access, identity rooms) matches, and
 * `fetchSockets()` across the cluster lists exactly the sockets with access. After each run (all
 * clients closed): no socket, room, expiry or authentication in flight left on either node, and no
 * unhandled rejection or uncaught exception.
 *
 * On failure fast-check prints the seed, the path and the shrunk commands.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Server } from 'socket.io';
import {
  getDecodedToken,
  JwtSocketModule,
  JwtSocketRevoker,
  REVOKE_EVENT,
  RevocationCheck,
  SUBJECT_ROOM_PREFIX,
  TOKEN_ID_ROOM_PREFIX,
} from '../lib';
import { JwtSocketSessions } from '../lib/socket/session-lifecycle';
import { isRefusal, RecordingClient, until } from './fixtures/model/clients';
import { ModelDenylist } from './fixtures/model/denylist';
import { ModelLog, modelGateway, type WhoAmI } from './fixtures/model/gateways';
import { TokenIssuer, type ModelToken } from './fixtures/model/tokens';
import { adapterRooms, authenticatedIds, serverSocketsOf } from './fixtures/model/world';
import { checkedAfter, fail, failOnProcessErrors, pick } from './fixtures/model/model-run';
import { connectRedisPair, LifecycleRedisIoAdapter, type RedisPair } from './fixtures/lifecycle/redis-adapter';
import { watchProcessErrors, type ProcessErrorWatch } from './fixtures/secrets/process-errors';
import { startApp, type TestApp } from './support/app';
import { startRedis, type TestRedis } from './support/redis';
import { SECRET } from './support/tokens';

jest.setTimeout(120_000);

const CLUSTER_RUNS = Number(process.env.STATE_MACHINE_CLUSTER_RUNS ?? 30);
const MAX_COMMANDS = 10;
const MAX_OPEN_CLIENTS = 4;
/** How long the remote node may take to act on a revocation it hears through Redis. */
const PROPAGATION_MS = 3000;

type NodeName = 'A' | 'B';
type Sub = 'alice' | 'bob';

interface ClusterNode extends TestApp {
  name: NodeName;
  io: Server;
  revoker: JwtSocketRevoker;
  sessions: JwtSocketSessions;
  denylist: ModelDenylist;
  /** Revocations this node heard from the other one (its own listener runs after the library's). */
  heard: number;
}

interface Cluster {
  nodes: Record<NodeName, ClusterNode>;
  close(): Promise<void>;
}

async function startCluster(redisUrl: string, handshake: boolean): Promise<Cluster> {
  const key = `state-machine-${randomUUID()}`;
  const pairs: RedisPair[] = [];
  const Gateway = modelGateway({}, 'Cluster');
  const startNode = async (name: NodeName): Promise<ClusterNode> => {
    const pair = await connectRedisPair(redisUrl);
    pairs.push(pair);
    const app = await startApp({
      jwtModule: JwtSocketModule.forRoot({
        secret: SECRET,
        handshake,
        timeout: 0,
        allowSubjectChange: true,
        revocationCheck: ModelDenylist,
      }),
      gateways: [Gateway],
      providers: [ModelLog],
      adapter: (nest) => new LifecycleRedisIoAdapter(nest, pair, key),
    });
    const node: ClusterNode = {
      ...app,
      name,
      io: app.app.get(Gateway).server as Server,
      revoker: app.app.get(JwtSocketRevoker),
      sessions: app.app.get(JwtSocketSessions),
      denylist: app.app.get(RevocationCheck) as ModelDenylist,
      heard: 0,
    };
    node.io.of('/').on(REVOKE_EVENT, () => node.heard++);
    return node;
  };
  const nodes = { A: await startNode('A'), B: await startNode('B') };
  return {
    nodes,
    close: async () => {
      await nodes.A.close();
      await nodes.B.close();
      await Promise.all(pairs.map((pair) => pair.close()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------------

interface ClientModel {
  index: number;
  node: NodeName;
  /** `pending`: event mode, connected and not authenticated yet (hidden on both nodes). */
  status: 'pending' | 'authenticated' | 'gone';
  token?: ModelToken;
}

interface Model {
  handshake: boolean;
  run: number;
  clients: ClientModel[];
  tokens: ModelToken[];
}

interface Real {
  cluster: Cluster;
  clients: RecordingClient[];
  issuer: TokenIssuer;
}

const other = (node: NodeName): NodeName => (node === 'A' ? 'B' : 'A');
/** Subjects are per run, so a run never sees what an earlier one left on the shared cluster. */
const subjectOf = (m: Model, sub: Sub) => `${sub}-${m.run}`;
const isOpen = (c: ClientModel) => c.status !== 'gone';
const describeClient = (c: ClientModel) =>
  `client#${c.index} (node ${c.node}, ${c.status}${c.token ? ` ${c.token.sub}/${c.token.jti}` : ''})`;

function issue(m: Model, r: Real, sub: Sub): ModelToken {
  const token = r.issuer.issue(subjectOf(m, sub), 'long');
  m.tokens.push(token);
  return token;
}

/** A new client on `node`: with its token in the handshake, or (event mode) unauthenticated. */
function openClient(m: Model, r: Real, node: NodeName, token: ModelToken): ClientModel {
  const rc = RecordingClient.open(r.cluster.nodes[node].url, m.handshake ? { auth: { token: token.token } } : {});
  const c: ClientModel = { index: m.clients.length, node, status: 'pending' };
  m.clients.push(c);
  r.clients.push(rc);
  return c;
}

const isOk = (answer: unknown) => JSON.stringify(answer) === '{"status":"ok"}';

/**
 * Revokes on `node` and checks: the count is this node's (its sockets with access, plus
 * `inFlightHere` held here); at once nothing matching has access on `node`; once the other node
 * heard it, nothing matching has access there either; every matching client got
 * `unauthorized token_revoked` and was disconnected.
 */
async function revoke(
  m: Model,
  r: Real,
  node: NodeName,
  target: { sub: string } | { jti: string },
  inFlightHere: number,
): Promise<void> {
  const matches = (claims: { sub?: unknown; jti?: unknown }) =>
    'sub' in target ? claims.sub === target.sub : claims.jti === target.jti;
  const what = `revoke ${JSON.stringify(target)} on ${node}`;
  const revoker = r.cluster.nodes[node];
  const remote = r.cluster.nodes[other(node)];
  const targets = m.clients.filter((c) => c.status === 'authenticated' && matches(c.token!));
  const heardBefore = remote.heard;
  const count = 'sub' in target ? revoker.revoker.revokeSubject(target.sub) : revoker.revoker.revokeTokenId(target.jti);
  for (const socket of serverSocketsOf(revoker.io)) {
    const claims = getDecodedToken(socket);
    if (claims && matches(claims)) fail(`${what}: socket ${socket.id} on ${node} kept access`);
  }
  const local = targets.filter((c) => c.node === node).length + inFlightHere;
  if (count !== local) fail(`${what} counted ${count}, expected ${local} (this node's)`);
  await until(() => remote.heard > heardBefore, `${what}: node ${remote.name} to hear it`, PROPAGATION_MS);
  for (const socket of serverSocketsOf(remote.io)) {
    const claims = getDecodedToken(socket);
    if (claims && matches(claims)) fail(`${what}: socket ${socket.id} on ${remote.name} kept access`);
  }
  for (const c of targets) {
    const rc = r.clients[c.index];
    await until(() => rc.unauthorized.length > 0 && !rc.connected, `${what}: refusal of ${describeClient(c)}`);
    if (rc.unauthorized[0] !== 'token_revoked') fail(`${what}: ${describeClient(c)} got ${rc.unauthorized}`);
    c.status = 'gone';
  }
}

// ---------------------------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------------------------

async function checkInvariants(m: Model, r: Real): Promise<void> {
  const expectedAccess: Record<NodeName, string[]> = { A: [], B: [] };
  const expectedRooms: Record<NodeName, string[]> = { A: [], B: [] };
  for (const c of m.clients) {
    const rc = r.clients[c.index];
    if (c.status === 'gone') {
      if (rc.connected) fail(`${describeClient(c)} is still connected`);
      continue;
    }
    if (!rc.connected) fail(`${describeClient(c)} was disconnected (${rc.disconnects}, ${rc.unauthorized})`);
    if (rc.unauthorized.length > 0) fail(`${describeClient(c)} received unauthorized ${rc.unauthorized}`);
    const answer = await rc.ask('ping');
    if (c.status === 'pending') {
      if (!isRefusal(answer) || answer.data.code !== 'credentials_required') {
        fail(`${describeClient(c)}: ping answered ${JSON.stringify(answer)}`);
      }
      continue;
    }
    const token = c.token!;
    if (answer !== 'pong') fail(`${describeClient(c)}: ping answered ${JSON.stringify(answer)}`);
    const me = (await rc.ask('whoami')) as WhoAmI;
    if (me.sub !== token.sub || me.claims?.jti !== token.jti || me.viaGetDecodedToken?.jti !== token.jti) {
      fail(`${describeClient(c)}: whoami ${JSON.stringify({ sub: me.sub, jti: me.claims?.jti })}`);
    }
    expectedAccess[c.node].push(rc.currentId);
    expectedRooms[c.node].push(
      `/ ${SUBJECT_ROOM_PREFIX}${token.sub} ${rc.currentId}`,
      `/ ${TOKEN_ID_ROOM_PREFIX}${token.jti} ${rc.currentId}`,
    );
  }
  for (const name of ['A', 'B'] as const) {
    const node = r.cluster.nodes[name];
    const access = [...(authenticatedIds(node.io).get('/') ?? [])].sort();
    if (JSON.stringify(access) !== JSON.stringify(expectedAccess[name].sort())) {
      fail(`node ${name}: sockets with access ${access}, model ${expectedAccess[name]}`);
    }
    const identityRooms = [...adapterRooms(node.io)]
      .filter(([room]) => room.includes(SUBJECT_ROOM_PREFIX) || room.includes(TOKEN_ID_ROOM_PREFIX))
      .flatMap(([room, ids]) => [...ids].map((id) => `${room} ${id}`))
      .sort();
    if (JSON.stringify(identityRooms) !== JSON.stringify(expectedRooms[name].sort())) {
      fail(`node ${name}: identity rooms ${identityRooms}, model ${expectedRooms[name]}`);
    }
    if (node.sessions.authenticationsInFlight !== 0) fail(`node ${name}: authentications left in flight`);
  }
  // Across the cluster (through Redis): exactly the sockets with access are listed, pending ones never.
  const listed = (await r.cluster.nodes.A.io.fetchSockets()).map((socket) => socket.id).sort();
  const expected = [...expectedAccess.A, ...expectedAccess.B].sort();
  if (JSON.stringify(listed) !== JSON.stringify(expected))
    fail(`fetchSockets() on A listed ${listed}, expected ${expected}`);
  failOnProcessErrors(processErrors);
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

type Command = fc.AsyncCommand<Model, Real>;

class ConnectCommand implements Command {
  constructor(
    readonly node: NodeName,
    readonly sub: Sub,
    /** Event mode: authenticate right away (else stay pending). */
    readonly authenticate: boolean,
  ) {}
  check(m: Readonly<Model>) {
    return m.clients.filter(isOpen).length < MAX_OPEN_CLIENTS;
  }
  async run(m: Model, r: Real) {
    const token = issue(m, r, this.sub);
    const c = openClient(m, r, this.node, token);
    const rc = r.clients[c.index];
    const outcome = await rc.nextConnectOutcome();
    if (!outcome.connected) fail(`${this}: refused with ${outcome.code}`);
    if (!m.handshake) {
      if (!this.authenticate) return;
      const answer = await rc.ask('authenticate', { token: token.token });
      if (!isOk(answer)) fail(`${this}: authenticate answered ${JSON.stringify(answer)}`);
    }
    await until(() => rc.welcomes === 1, `${this}: welcome`);
    c.status = 'authenticated';
    c.token = token;
  }
  toString() {
    return `connect(${this.node}, ${this.sub}${this.authenticate ? '' : ', pending in event mode'})`;
  }
}

/** `authenticate` with a new token: a refresh (same or another subject), or event mode's first one. */
class AuthenticateCommand implements Command {
  constructor(
    readonly client: number,
    readonly sub: Sub,
  ) {}
  check(m: Readonly<Model>) {
    return m.clients.some(isOpen);
  }
  async run(m: Model, r: Real) {
    const c = pick(m, this.client, isOpen);
    if (!c) return;
    const rc = r.clients[c.index];
    const token = issue(m, r, this.sub);
    const answer = await rc.ask('authenticate', { token: token.token });
    if (!isOk(answer)) fail(`${this} on ${describeClient(c)}: ${JSON.stringify(answer)}`);
    if (c.status === 'pending') await until(() => rc.welcomes === 1, `${this}: welcome`);
    c.status = 'authenticated';
    c.token = token;
  }
  toString() {
    return `authenticate(#${this.client}, ${this.sub})`;
  }
}

class DisconnectCommand implements Command {
  constructor(readonly client: number) {}
  check(m: Readonly<Model>) {
    return m.clients.some(isOpen);
  }
  async run(m: Model, r: Real) {
    const c = pick(m, this.client, isOpen);
    if (!c) return;
    const rc = r.clients[c.index];
    const id = rc.currentId;
    rc.close();
    c.status = 'gone';
    const node = r.cluster.nodes[c.node];
    await until(() => !serverSocketsOf(node.io).some((socket) => socket.id === id), `${this}: node ${c.node} sees it`);
  }
  toString() {
    return `disconnect(#${this.client})`;
  }
}

class RevokeCommand implements Command {
  constructor(
    readonly node: NodeName,
    readonly by: 'sub' | 'jti',
    readonly sub: Sub,
    readonly token: number,
  ) {}
  check() {
    return true;
  }
  async run(m: Model, r: Real) {
    if (this.by === 'sub') return revoke(m, r, this.node, { sub: subjectOf(m, this.sub) }, 0);
    const jti = m.tokens.length > 0 ? m.tokens[this.token % m.tokens.length].jti : 'unknown';
    return revoke(m, r, this.node, { jti }, 0);
  }
  toString() {
    return this.by === 'sub'
      ? `revokeSubject(${this.sub}) on ${this.node}`
      : `revokeTokenId(token #${this.token}) on ${this.node}`;
  }
}

/**
 * An authentication (handshake, or event-mode `authenticate`) held in `connectNode`'s
 * RevocationCheck while `revokeNode` revokes its subject: once `connectNode` heard the revocation,
 * the held authentication is refused with token_revoked (and counted when held on the revoking node).
 */
class RevokeInFlightCommand implements Command {
  constructor(
    readonly connectNode: NodeName,
    readonly revokeNode: NodeName,
    readonly sub: Sub,
  ) {}
  check(m: Readonly<Model>) {
    return m.clients.filter(isOpen).length < MAX_OPEN_CLIENTS;
  }
  async run(m: Model, r: Real) {
    const holder = r.cluster.nodes[this.connectNode];
    const token = issue(m, r, this.sub);
    const release = holder.denylist.hold();
    try {
      const c = openClient(m, r, this.connectNode, token);
      const rc = r.clients[c.index];
      const connecting = rc.nextConnectOutcome();
      let answer: Promise<unknown> | undefined;
      if (!m.handshake) {
        if (!(await connecting).connected) fail(`${this}: could not connect`);
        answer = rc.ask('authenticate', { token: token.token });
      }
      await until(() => holder.denylist.waiting === 1, `${this}: the authentication to reach the RevocationCheck`);
      await revoke(m, r, this.revokeNode, { sub: token.sub }, this.connectNode === this.revokeNode ? 1 : 0);
      release();
      if (m.handshake) {
        const result = await connecting;
        if (result.connected || result.code !== 'token_revoked') fail(`${this}: ${JSON.stringify(result)}`);
      } else {
        const refused = await answer!;
        if (!isRefusal(refused) || refused.data.code !== 'token_revoked') fail(`${this}: ${JSON.stringify(refused)}`);
        await until(() => !rc.connected && rc.unauthorized.includes('token_revoked'), `${this}: the refusal`);
      }
      c.status = 'gone';
    } finally {
      release();
    }
  }
  toString() {
    return `revokeInFlight(held on ${this.connectNode}, revoked on ${this.revokeNode}, ${this.sub})`;
  }
}

// ---------------------------------------------------------------------------------------------
// The property, per authentication mode
// ---------------------------------------------------------------------------------------------

const nodeArb = fc.constantFrom<NodeName>('A', 'B');
const subArb = fc.constantFrom<Sub>('alice', 'bob');
const clientArb = fc.nat(7);
const connectArb = fc
  .tuple(
    nodeArb,
    subArb,
    fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  )
  .map(([node, sub, authenticate]) => new ConnectCommand(node, sub, authenticate));
const revokeArb = fc
  .tuple(nodeArb, fc.constantFrom<'sub' | 'jti'>('sub', 'jti'), subArb, fc.nat(15))
  .map(([node, by, sub, token]) => new RevokeCommand(node, by, sub, token));

/** Every run opens with one to three clients, so the generated commands have sockets to act on. */
const openingArb = fc.array(connectArb, { minLength: 1, maxLength: 3 });

const commandsArb: fc.Arbitrary<Iterable<Command>> = fc.commands(
  [
    connectArb,
    connectArb,
    fc.tuple(clientArb, subArb).map(([client, sub]) => new AuthenticateCommand(client, sub)),
    clientArb.map((client) => new DisconnectCommand(client)),
    revokeArb,
    revokeArb,
    fc.tuple(nodeArb, nodeArb, subArb).map(([held, revoked, sub]) => new RevokeInFlightCommand(held, revoked, sub)),
  ],
  { maxCommands: MAX_COMMANDS, size: 'max' },
);

let processErrors: ProcessErrorWatch;
let redis: TestRedis;

beforeAll(async () => {
  processErrors = watchProcessErrors();
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
  processErrors.stop();
});

/** Waits until node A's fetchSockets hears node B (the redis adapter only asks nodes that subscribed). */
async function warmUp(cluster: Cluster, handshake: boolean): Promise<void> {
  const token = new TokenIssuer('warmup').issue('warmup', 'long').token;
  const probe = RecordingClient.open(cluster.nodes.B.url, handshake ? { auth: { token } } : {});
  await until(() => probe.connected, 'the warm-up client');
  if (!handshake) await probe.ask('authenticate', { token });
  for (let attempt = 0; ; attempt++) {
    if ((await cluster.nodes.A.io.fetchSockets()).some((socket) => socket.id === probe.currentId)) break;
    if (attempt > 100) throw new Error('node B never answered fetchSockets');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  probe.close();
  await until(() => serverSocketsOf(cluster.nodes.B.io).length === 0, 'the warm-up client to go');
}

describe.each([
  { mode: 'handshake', handshake: true },
  { mode: 'event', handshake: false },
])('model: revocation on a two-node cluster over a real Redis ($mode mode)', ({ handshake }) => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster(redis.url, handshake);
    await warmUp(cluster, handshake);
  });
  afterAll(() => cluster?.close());

  it(`no socket of a revoked subject / token id keeps access on either node (${CLUSTER_RUNS} runs)`, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(openingArb, commandsArb, async (opening, commands) => {
        const model: Model = { handshake, run: ++run, clients: [], tokens: [] };
        const real: Real = { cluster, clients: [], issuer: new TokenIssuer(`r${run}-`) };
        const checked = [...opening, ...commands].map((command) => checkedAfter(command, checkInvariants));
        try {
          await fc.asyncModelRun(() => ({ model, real }), checked);
        } finally {
          for (const rc of real.clients) rc.close();
          for (const node of Object.values(cluster.nodes)) {
            await until(() => serverSocketsOf(node.io).length === 0, `node ${node.name} to have no socket left`);
          }
        }
        for (const node of Object.values(cluster.nodes)) {
          expect([...adapterRooms(node.io).keys()]).toEqual([]);
          expect(node.sessions.scheduledExpiries).toBe(0);
          expect(node.sessions.authenticationsInFlight).toBe(0);
          expect(node.logger.lines.filter((line) => line.startsWith('error'))).toEqual([]);
        }
        expect(processErrors.errors).toEqual([]);
      }),
      { numRuns: CLUSTER_RUNS },
    );
  });
});
