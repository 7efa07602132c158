/**
 * Model-based test (fast-check `fc.commands` + `fc.asyncModelRun`) of the durable revocation store on
 * two real Nest nodes over a real redis-server with the classic redis adapter. Node B reaches Redis
 * through a TCP proxy that commands cut and heal. Commands: connect a new login on A or B, reconnect
 * with an earlier token, disconnect, revoke a subject or a token id on A, cut B off, heal, sweep a
 * node. The periodic sweep is out of the way (one hour), so only the commands act.
 *
 * The invariant, checked after every command: each client the model holds open answers a ping, and
 * each client it holds closed received `unauthorized` `token_revoked` (or its connect was refused
 * with it). The model closes a socket of a revoked identity at once on A, on B too when B is
 * connected, and only after a sweep or a heal when B was cut off: after a sweep or a reconnect, no
 * open socket holds a revoked identity. A node cut off from Redis refuses every connect.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { startStoreNode, until, type StoreNode } from './fixtures/revocation-store/nodes';
import { startProxy, type TcpProxy } from './fixtures/revocation-store/proxy';
import { connectClient, connectOutcome, emitWithAck, type UnauthorizedLike } from './support/client';
import { startRedis, type TestRedis } from './support/redis';
import { signToken } from './support/tokens';

const RUNS = 25;
const MAX_COMMANDS = 12;
const SUBJECTS = ['alice', 'bob'] as const;
type NodeName = 'A' | 'B';

interface ModelToken {
  sub: string;
  jti: string;
  /** Issue order: a subject revocation refuses every token issued before it. */
  seq: number;
}

interface ModelClient {
  node: NodeName;
  token: ModelToken;
  state: 'open' | 'revoked' | 'closed';
}

interface Model {
  clients: ModelClient[];
  tokens: ModelToken[];
  nextSeq: number;
  /** Subject -> the last seq its revocation covers. */
  revokedSubjects: Map<string, number>;
  revokedTokenIds: Set<string>;
  partitioned: boolean;
}

interface RealClient {
  socket: Socket;
  /** Resolves with the refusal code once the server refuses the open socket. */
  refused: Promise<string>;
}

interface Real {
  nodes: Record<NodeName, StoreNode>;
  proxy: TcpProxy;
  clients: RealClient[];
  raw: Map<ModelToken, string>;
}

type Command = fc.AsyncCommand<Model, Real>;

function isRevoked(model: Model, token: ModelToken): boolean {
  return model.revokedTokenIds.has(token.jti) || (model.revokedSubjects.get(token.sub) ?? -1) >= token.seq;
}

/** Whether `node` can consult the store now. */
function reachesRedis(model: Model, node: NodeName): boolean {
  return node === 'A' || !model.partitioned;
}

/** Closes, in the model, every open socket of a revoked identity on the nodes that can learn it now. */
function closeRevoked(model: Model, nodes: NodeName[]): void {
  for (const client of model.clients) {
    if (client.state === 'open' && nodes.includes(client.node) && isRevoked(model, client.token)) {
      client.state = 'revoked';
    }
  }
}

function listenForRefusal(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.once('unauthorized', (error: UnauthorizedLike) => resolve(error.data.code));
  });
}

/** Connects with `token` on `node`; the model says whether it gets in. */
async function connect(model: Model, real: Real, node: NodeName, token: ModelToken): Promise<void> {
  const socket = connectClient(real.nodes[node].url, { auth: { token: real.raw.get(token) } });
  const refused = listenForRefusal(socket);
  const outcome = await connectOutcome(socket);
  const admitted = reachesRedis(model, node) && !isRevoked(model, token);
  if (!admitted) {
    expect(outcome).toEqual(expect.objectContaining({ data: expect.objectContaining({ code: 'token_revoked' }) }));
    socket.disconnect();
    return;
  }
  expect(outcome).toBe('connected');
  model.clients.push({ node, token, state: 'open' });
  real.clients.push({ socket, refused });
}

/** Epoch second of the latest revocation: a login waits past it, so its token postdates every revocation. */
let lastRevocationSecond = 0;

async function pastLastRevocation(): Promise<void> {
  await until(() => Math.floor(Date.now() / 1000) > lastRevocationSecond, 'a second after the last revocation');
}

/** Resolves with the refusal, or fails the check after a bounded wait instead of hanging the run. */
function refusalWithin(refused: Promise<string>, what: string): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const missing = new Promise<string>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} was never refused`)), 5000);
  });
  return Promise.race([refused, missing]).finally(() => clearTimeout(timer));
}

class LoginCommand implements Command {
  constructor(
    private readonly node: NodeName,
    private readonly sub: string,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    await pastLastRevocation();
    const token: ModelToken = { sub: this.sub, jti: `t${model.nextSeq}-${randomUUID()}`, seq: model.nextSeq++ };
    model.tokens.push(token);
    real.raw.set(token, signToken({ sub: token.sub, jti: token.jti }));
    await connect(model, real, this.node, token);
  }
  toString = () => `login(${this.node}, ${this.sub})`;
}

class ReconnectCommand implements Command {
  constructor(
    private readonly node: NodeName,
    private readonly pick: number,
  ) {}
  check = (model: Readonly<Model>) => model.tokens.length > 0;
  async run(model: Model, real: Real) {
    await connect(model, real, this.node, model.tokens[this.pick % model.tokens.length]);
  }
  toString = () => `reconnect(${this.node}, token #${this.pick})`;
}

class DisconnectCommand implements Command {
  constructor(private readonly pick: number) {}
  check = (model: Readonly<Model>) => model.clients.some((client) => client.state === 'open');
  async run(model: Model, real: Real) {
    const open = model.clients
      .map((client, index) => ({ client, index }))
      .filter(({ client }) => client.state === 'open');
    const { client, index } = open[this.pick % open.length];
    client.state = 'closed';
    real.clients[index].socket.disconnect();
  }
  toString = () => `disconnect(#${this.pick})`;
}

class RevokeCommand implements Command {
  constructor(
    private readonly by: 'sub' | 'jti',
    private readonly sub: string,
    private readonly pick: number,
  ) {}
  check = (model: Readonly<Model>) => this.by === 'sub' || model.tokens.length > 0;
  async run(model: Model, real: Real) {
    const revoker = real.nodes.A.revoker;
    if (this.by === 'sub') {
      model.revokedSubjects.set(this.sub, model.nextSeq - 1);
      await revoker.revokeSubjectDurably(this.sub);
    } else {
      const token = model.tokens[this.pick % model.tokens.length];
      model.revokedTokenIds.add(token.jti);
      await revoker.revokeTokenIdDurably(token.jti);
    }
    lastRevocationSecond = Math.floor(Date.now() / 1000);
    closeRevoked(model, model.partitioned ? ['A'] : ['A', 'B']);
  }
  toString = () => (this.by === 'sub' ? `revokeSubject(${this.sub})` : `revokeTokenId(token #${this.pick})`);
}

class CutCommand implements Command {
  check = (model: Readonly<Model>) => !model.partitioned;
  async run(model: Model, real: Real) {
    model.partitioned = true;
    await real.proxy.cut();
    await until(() => !real.nodes.B.storeClient.isReady(), "B's store client notices the cut");
  }
  toString = () => 'cut(B)';
}

class HealCommand implements Command {
  check = (model: Readonly<Model>) => model.partitioned;
  async run(model: Model, real: Real) {
    model.partitioned = false;
    await real.proxy.heal();
    await until(() => real.nodes.B.redisReady(), "B's Redis clients are back");
    closeRevoked(model, ['B']);
  }
  toString = () => 'heal(B)';
}

class SweepCommand implements Command {
  constructor(private readonly node: NodeName) {}
  check = () => true;
  async run(model: Model, real: Real) {
    await real.nodes[this.node].revoker.recheckOpenSockets();
    if (reachesRedis(model, this.node)) closeRevoked(model, [this.node]);
  }
  toString = () => `sweep(${this.node})`;
}

/** Every client is where the model says: open ones answer, revoked ones were refused with token_revoked. */
async function checkInvariant(model: Model, real: Real): Promise<void> {
  for (const [index, client] of model.clients.entries()) {
    const { socket, refused } = real.clients[index];
    if (client.state === 'open') expect(await emitWithAck(socket, 'ping')).toBe('pong');
    if (client.state === 'revoked') expect(await refusalWithin(refused, `client #${index}`)).toBe('token_revoked');
  }
}

const nodeArb = fc.constantFrom<NodeName>('A', 'B');
const subArb = fc.constantFrom(...SUBJECTS);
const revokeArb = fc
  .tuple(fc.constantFrom<'sub' | 'jti'>('sub', 'jti'), subArb, fc.nat(20))
  .map(([by, sub, pick]) => new RevokeCommand(by, sub, pick));
/** Every run opens with a login of each subject on each node, so revocations have sockets to reach. */
const opening = (): Command[] =>
  (['A', 'B'] as const).flatMap((node) => SUBJECTS.map((sub) => new LoginCommand(node, sub)));
// Revocations, cuts and heals are listed twice: the partition scenarios are what this test is for.
const commandsArb = fc.commands<Model, Real>(
  [
    fc.tuple(nodeArb, subArb).map(([node, sub]) => new LoginCommand(node, sub)),
    fc.tuple(nodeArb, fc.nat(20)).map(([node, pick]) => new ReconnectCommand(node, pick)),
    fc.nat(20).map((pick) => new DisconnectCommand(pick)),
    revokeArb,
    revokeArb,
    fc.constant(new CutCommand()),
    fc.constant(new CutCommand()),
    fc.constant(new HealCommand()),
    fc.constant(new HealCommand()),
    nodeArb.map((node) => new SweepCommand(node)),
  ],
  { maxCommands: MAX_COMMANDS, size: 'max' },
);

describe('model: revocation store on two nodes, node B cut off and healed', () => {
  let redis: TestRedis;
  let proxy: TcpProxy;
  let nodes: Record<NodeName, StoreNode>;

  beforeAll(async () => {
    redis = await startRedis();
    proxy = await startProxy(redis.url);
    const channel = `model-${randomUUID()}`;
    const store = { maxTokenLifetime: 3600, sweepInterval: 3_600_000, keyPrefix: `${channel}:` };
    const start = (url: string) => startStoreNode({ url, kind: 'redis', channel, store });
    nodes = { A: await start(redis.url), B: await start(proxy.url) };
  });
  afterAll(async () => {
    await nodes?.A.close();
    await nodes?.B.close();
    await proxy.close();
    await redis.stop();
  });

  it(`after a sweep or a reconnection, no open socket holds a revoked identity (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(commandsArb, async (commands) => {
        const model: Model = {
          clients: [],
          tokens: [],
          nextSeq: 0,
          revokedSubjects: new Map(),
          revokedTokenIds: new Set(),
          partitioned: false,
        };
        const real: Real = { nodes, proxy, clients: [], raw: new Map() };
        const checked = [...opening(), ...commands].map((command): Command => ({
          check: (m) => command.check(m),
          run: async (m, r) => {
            await command.run(m, r);
            await checkInvariant(m, r);
          },
          toString: () => command.toString(),
        }));
        try {
          await fc.asyncModelRun(() => ({ model, real }), checked);
        } finally {
          if (model.partitioned) await new HealCommand().run(model, real);
          for (const { socket } of real.clients) socket.disconnect();
        }
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  }, 120_000);
});
