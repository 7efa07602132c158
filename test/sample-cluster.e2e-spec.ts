import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import {
  closeClients,
  connectClient,
  connected,
  connectOutcome,
  emitWithAck,
  nextEvent,
  refusal,
} from './support/client';

/**
 * `npm run start:cluster` as a user runs it: a real Node `cluster` primary with two worker
 * processes, `@socket.io/sticky` and `@socket.io/cluster-adapter`, on a free loopback port.
 */

const ROOT = join(__dirname, '..');
const WORKERS = 2;
/** The build (tsc) and two Nest apps on a shared 2-core machine. */
const START_TIMEOUT_MS = 120_000;
/** Bounds a wait for something the test triggered, so a missing event fails with a message. */
const EVENT_TIMEOUT_MS = 15_000;
/** Connections made one after another to catch a lost hand-off (see sample/sticky-handoff.ts). */
const CONNECTIONS_IN_A_ROW = 150;
/** Three processes and a dozen sockets on a 2-core machine that other jobs share. */
const TEST_TIMEOUT_MS = 60_000;

interface RunningCluster {
  child: ChildProcessWithoutNullStreams;
  url: string;
  primaryPid: number;
  workerPids: number[];
  output: () => string;
  exited: Promise<void>;
}

let cluster: RunningCluster | undefined;

/** Polls `value` until it gives something; fails with `failure()` when it does not in time. */
async function eventually<T>(value: () => T | undefined, timeoutMs: number, failure: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = value();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(failure());
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function printed(running: Pick<RunningCluster, 'output'>, pattern: RegExp, timeoutMs: number) {
  return eventually(
    () => pattern.exec(running.output()) ?? undefined,
    timeoutMs,
    () => `expected output matching ${String(pattern)}; got:\n${running.output()}`,
  );
}

/** `npm run start:cluster` in its own process group, so the test can stop the whole tree. */
async function startCluster(): Promise<RunningCluster> {
  const child = spawn('npm', ['run', 'start:cluster'], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, PORT: '0', WORKERS: String(WORKERS), NO_COLOR: '1' },
  });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const output = () => text;
  const listening = await printed(
    { output },
    /Sample cluster listening on (http:\/\/127\.0\.0\.1:\d+) with (\d+) workers \(primary pid (\d+)\)/,
    START_TIMEOUT_MS,
  );
  const workerPids = [...text.matchAll(/^worker \d+ ready \(pid (\d+)\)$/gm)].map((match) => Number(match[1]));
  return { child, url: listening[1], primaryPid: Number(listening[3]), workerPids, output, exited };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function tokenFor(url: string, username: string, tenant: string): Promise<string> {
  const response = await fetch(`${url}/auth/login`, {
    signal: AbortSignal.timeout(EVENT_TIMEOUT_MS),
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, tenant }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

/** The pids of the workers that logged "<username> joined the chat", in order (Nest prints its pid). */
function joinedOn(output: string, username: string): number[] {
  const joined = new RegExp(`^\\[Nest\\] (\\d+) .*\\[ChatGateway\\] ${username} joined the chat of`, 'gm');
  return [...output.matchAll(joined)].map((match) => Number(match[1]));
}

/** Joins the chat and returns the socket with the worker that holds it. */
async function joinChat(running: RunningCluster, username: string, token: string) {
  const before = joinedOn(running.output(), username).length;
  const socket = connectClient(`${running.url}/chat`, { auth: { token } });
  const welcome = nextEvent(socket, 'welcome');
  await withinBound(connected(socket), `connection of ${username}`);
  await withinBound(welcome, `welcome of ${username}`);
  const workerPid = await eventually(
    () => joinedOn(running.output(), username)[before],
    EVENT_TIMEOUT_MS,
    () => `no worker logged that ${username} joined; output:\n${running.output()}`,
  );
  return { socket, workerPid };
}

/**
 * Sockets of `username` until two of them sit on different workers. The primary balances new
 * connections to the least busy worker, so the second one normally does; a few more allow for the
 * primary counting a connection late.
 */
async function socketsOnTwoWorkers(running: RunningCluster, username: string, tenant: string) {
  const token = await tokenFor(running.url, username, tenant);
  const joined: Array<{ socket: Socket; workerPid: number }> = [];
  while (new Set(joined.map(({ workerPid }) => workerPid)).size < 2 && joined.length < 6) {
    joined.push(await joinChat(running, username, token));
  }
  return joined;
}

/** Fails with what the cluster printed last when `promise` does not settle within the bound. */
function withinBound<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const lastLines = (cluster?.output() ?? '').split('\n').slice(-30).join('\n');
      reject(new Error(`no ${what} within ${EVENT_TIMEOUT_MS} ms; the cluster printed last:\n${lastLines}`));
    }, EVENT_TIMEOUT_MS);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

describe('sample on a Node cluster (npm run start:cluster)', () => {
  jest.setTimeout(TEST_TIMEOUT_MS);

  beforeAll(async () => {
    cluster = await startCluster();
  }, START_TIMEOUT_MS + 10_000);

  afterEach(() => closeClients());

  afterAll(async () => {
    // Only if a test failed before stopping it: end the whole process group.
    if (cluster && cluster.child.exitCode === null && cluster.child.signalCode === null) {
      process.kill(-cluster.child.pid!, 'SIGKILL');
      await cluster.exited;
    }
  });

  it('starts one primary and the requested number of workers on one port', async () => {
    const running = cluster!;
    expect(running.workerPids).toHaveLength(WORKERS);
    expect(new Set([running.primaryPid, ...running.workerPids]).size).toBe(WORKERS + 1);
    const tenants = (await (
      await fetch(`${running.url}/tenants`, { signal: AbortSignal.timeout(EVENT_TIMEOUT_MS) })
    ).json()) as Array<{ name: string }>;
    expect(tenants.map(({ name }) => name)).toEqual(['acme', 'globex', 'initech']);
  });

  it('a token issued by one worker verifies on the others, and a chat message reaches every worker', async () => {
    const running = cluster!;
    const [first, second] = await socketsOnTwoWorkers(running, 'carol', 'globex');
    expect(first.workerPid).not.toBe(second.workerPid);
    expect(running.workerPids).toEqual(expect.arrayContaining([first.workerPid, second.workerPid]));

    const heardOnOtherWorker = nextEvent(second.socket, 'message');
    await emitWithAck(first.socket, 'message', 'across workers');
    expect(await withinBound(heardOnOtherWorker, 'message')).toEqual({ from: 'carol', text: 'across workers' });
  });

  it('connects every WebSocket client: none loses its CONNECT packet while the primary hands the connection off', async () => {
    const running = cluster!;
    const token = await tokenFor(running.url, 'erin', 'acme');
    // One after another, as in the measurement: before the hand-off fix (sample/sticky-handoff.ts)
    // about 1 connection in 40 never got an answer, so 150 of them all but surely show it.
    const outcomes: Array<Awaited<ReturnType<typeof connectOutcome>>> = [];
    for (let attempt = 0; attempt < CONNECTIONS_IN_A_ROW; attempt++) {
      const socket = connectClient(`${running.url}/chat`, { auth: { token } });
      outcomes.push(await withinBound(connectOutcome(socket), `outcome of connection ${attempt + 1}`));
      socket.disconnect();
    }
    expect(outcomes.filter((outcome) => outcome !== 'connected')).toEqual([]);
  });

  it('revoking a subject through the HTTP API disconnects its sockets on every worker with token_revoked', async () => {
    const running = cluster!;
    const alice = await socketsOnTwoWorkers(running, 'alice', 'acme');
    const workersOfAlice = new Set(alice.map(({ workerPid }) => workerPid));
    expect(workersOfAlice.size).toBe(WORKERS);
    const bystanders = await socketsOnTwoWorkers(running, 'bob', 'acme');
    const refusals = alice.map(({ socket }) => refusal(socket));

    const response = await fetch(`${running.url}/admin/revoke`, {
      signal: AbortSignal.timeout(EVENT_TIMEOUT_MS),
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ subject: 'alice' }),
    });
    expect(response.status).toBe(200);
    const { revokedHere } = (await response.json()) as { revokedHere: number };
    // The worker that served the request counts its own sockets only; it holds some of alice's, not all.
    expect(revokedHere).toBeGreaterThan(0);
    expect(revokedHere).toBeLessThan(alice.length);

    for (const outcome of await withinBound(Promise.all(refusals), 'unauthorized and disconnect')) {
      expect(outcome.order).toEqual(['unauthorized', 'disconnect']);
      expect(outcome.error.data.code).toBe('token_revoked');
      expect(outcome.reason).toBe('io server disconnect');
    }
    for (const { socket } of bystanders) {
      expect(await emitWithAck(socket, 'whoami')).toMatchObject({ sub: 'bob', tenant: 'acme' });
    }
  });

  it('stops the primary and every worker on Ctrl-C (SIGINT to the process group)', async () => {
    const running = cluster!;
    process.kill(-running.child.pid!, 'SIGINT');
    await withinBound(running.exited, 'exit of npm');
    const stillRunning = () => [running.primaryPid, ...running.workerPids].filter(isRunning);
    await eventually(
      () => (stillRunning().length === 0 ? true : undefined),
      EVENT_TIMEOUT_MS,
      () => `still running: ${stillRunning().join(', ')}`,
    );
    expect(stillRunning()).toEqual([]);
  });
});
