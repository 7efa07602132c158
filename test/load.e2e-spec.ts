import type { Server } from 'socket.io';
import { JwtSocketModule, SecretProvider, type JwtSocketModuleOptions } from '../lib';
import { guardedGateway } from './fixtures/core/gateways';
import { ObservedJwtSocketIoAdapter } from './fixtures/load/observed-adapter';
import { SlowSecretProvider } from './fixtures/load/slow-secret-provider';
import { watchProcessErrors, type ProcessErrorWatch } from './fixtures/secrets/process-errors';
import type { TestApp } from './support/app';
import { listenBacklogCap, openFileLimit, startLoadApp } from './support/load-app';
import { closeClients } from './support/client';
import {
  eventModeCrowd,
  expiredToken,
  handshakeCrowd,
  validToken,
  wrongKeyToken,
  type Tally,
  type Visitor,
} from './support/load-crowd';
import {
  activeResourceCounts,
  emptyRegistryOf,
  engineClientsOf,
  heapUsedAfterGc,
  listenerCountsOf,
  registryOf,
  resourcesAbove,
  settle,
  watchTimers,
  type TimerWatch,
} from './support/load-footprint';
import { SECRET } from './support/tokens';

const CROWD = 2000;
const HALF = CROWD / 2;
/** Far beyond any answer the server owes a client: a visitor still waiting then is hanging. */
const DEADLINE_MS = 45_000;
const TEST_TIMEOUT_MS = 110_000;
const HEAP_GROWTH_BOUND_BYTES = 10 * 1024 * 1024;
const EVENT_MODE_TIMEOUT_MS = 1500;
const SLOW_PROVIDER_SECRET_TIMEOUT_MS = 2000;
const NAMESPACES = ['/', '/load'];
/** Room for every connect of the crowd in the accept queue (the kernel caps it at somaxconn). */
const LISTEN_BACKLOG = 2 * CROWD;

let server: TestApp | undefined;
let processErrors: ProcessErrorWatch;

beforeAll(() => {
  // Each loopback websocket holds two descriptors in this process (client and server end).
  const fileLimit = openFileLimit();
  if (fileLimit !== undefined && fileLimit < 2 * CROWD + 1024) {
    throw new Error(`open file limit ${fileLimit} is too low for ${CROWD} sockets: run \`ulimit -n 65536\` first`);
  }
  const backlogCap = listenBacklogCap();
  if (backlogCap !== undefined && backlogCap < CROWD) {
    throw new Error(
      `net.core.somaxconn ${backlogCap} caps the accept queue below ${CROWD}: run \`sysctl -w net.core.somaxconn=4096\``,
    );
  }
  processErrors = watchProcessErrors();
});
afterAll(() => processErrors.stop());

afterEach(async () => {
  const logged = server?.logger.lines ?? [];
  await server?.close();
  server = undefined;
  expect(processErrors.errors).toEqual([]);
  expect(logged.filter((line) => line.startsWith('error'))).toEqual([]);
});

/** The fixture gateway on two namespaces, behind the library's adapter, with the io server at hand. */
async function startObserved(
  options: JwtSocketModuleOptions,
  secretProvider?: typeof SlowSecretProvider,
): Promise<Server> {
  let adapter: ObservedJwtSocketIoAdapter | undefined;
  server = await startLoadApp(
    {
      jwtModule: JwtSocketModule.forRoot({ ...options, secretProvider }),
      gateways: [guardedGateway(), guardedGateway({ namespace: NAMESPACES[1] }, 'LoadNamespace')],
      adapter: (app) => (adapter = new ObservedJwtSocketIoAdapter(app)),
    },
    LISTEN_BACKLOG,
  );
  expect(adapter!.servers).toHaveLength(1);
  return adapter!.servers[0];
}

/** Spreads visitors over the namespaces in blocks, so every label lands on each. */
function namespaceOf(index: number): string {
  return NAMESPACES[Math.floor(index / 8) % NAMESPACES.length];
}

/** Even visitors hold a valid token with their own subject; odd ones cycle through four ways to be refused. */
function handshakeVisitors(count: number): Visitor[] {
  const refused: Array<(subject: string) => Omit<Visitor, 'namespace'>> = [
    () => ({ label: 'no token' }),
    (subject) => ({ label: 'wrong key', token: wrongKeyToken(subject) }),
    (subject) => ({ label: 'expired', token: expiredToken(subject) }),
    () => ({ label: 'not a JWT', token: 'not-a-jwt' }),
  ];
  return Array.from({ length: count }, (_, index) => {
    const subject = `visitor-${index}`;
    const kind =
      index % 2 === 0
        ? { label: 'valid', token: validToken(subject) }
        : refused[((index - 1) / 2) % refused.length](subject);
    return { ...kind, namespace: namespaceOf(index) };
  });
}

function eventModeVisitors(count: number): Visitor[] {
  return Array.from({ length: count }, (_, index) =>
    index % 2 === 0
      ? { label: 'authenticates', token: validToken(`visitor-${index}`), namespace: namespaceOf(index) }
      : { label: 'stays silent', namespace: namespaceOf(index) },
  );
}

interface Baseline {
  listeners: ReturnType<typeof listenerCountsOf>;
  resources: Record<string, number>;
  heapUsed: number;
}

/** Every client gone, as far as the server and this process can tell. */
async function leaveAndSettle(io: Server, resources?: Record<string, number>): Promise<void> {
  closeClients();
  await settle(
    () =>
      engineClientsOf(io) === 0 &&
      Object.values(registryOf(io)).every((namespace) => namespace.sockets === 0) &&
      (resources === undefined || Object.keys(resourcesAbove(resources)).length === 0),
  );
}

/** Runs a small crowd through the same paths first, so lazy allocations and JIT are not counted as growth. */
async function warmUp(io: Server, crowd: () => Promise<Tally>): Promise<Baseline> {
  await crowd();
  await leaveAndSettle(io);
  return { listeners: listenerCountsOf(io), resources: activeResourceCounts(), heapUsed: await heapUsedAfterGc() };
}

async function expectBackToBaseline(io: Server, baseline: Baseline, timers: TimerWatch): Promise<void> {
  await leaveAndSettle(io, baseline.resources);
  expect(engineClientsOf(io)).toBe(0);
  expect(registryOf(io)).toEqual(emptyRegistryOf(io));
  expect(listenerCountsOf(io)).toEqual(baseline.listeners);
  expect(resourcesAbove(baseline.resources)).toEqual({});
  expect(await timers.live()).toEqual([]);
  const heapGrowth = (await heapUsedAfterGc()) - baseline.heapUsed;
  expect(heapGrowth).toBeLessThan(HEAP_GROWTH_BOUND_BYTES);
}

function connectionsPerNamespace(since: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { namespace } of server!.log.connected.slice(since)) counts[namespace] = (counts[namespace] ?? 0) + 1;
  return counts;
}

describe(`${CROWD} sockets at once`, () => {
  let timers: TimerWatch | undefined;
  afterEach(() => timers?.stop());

  it(
    'handshake mode admits exactly the valid half, then the server returns to its baseline',
    async () => {
      const io = await startObserved({ secret: SECRET });
      const baseline = await warmUp(io, () => handshakeCrowd(server!.url, handshakeVisitors(40), DEADLINE_MS));
      timers = watchTimers();
      const handledBefore = server!.log.connected.length;

      const tally = await handshakeCrowd(server!.url, handshakeVisitors(CROWD), DEADLINE_MS);

      const quarter = HALF / 4;
      expect(tally).toEqual({
        valid: { connected: HALF },
        'no token': { credentials_required: quarter },
        'wrong key': { invalid_token: quarter },
        expired: { token_expired: quarter },
        'not a JWT': { malformed_token: quarter },
      });
      expect(connectionsPerNamespace(handledBefore)).toEqual({ '/': HALF / 2, '/load': HALF / 2 });
      const perNamespace = { sockets: HALF / 2, rooms: HALF, sids: HALF / 2, identityRooms: HALF / 2 };
      expect(registryOf(io)).toEqual({ '/': perNamespace, '/load': perNamespace });

      await expectBackToBaseline(io, baseline, timers);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'event mode authenticates the half that sends a token, times out the silent half, and leaks nothing',
    async () => {
      const io = await startObserved({ secret: SECRET, handshake: false, timeout: EVENT_MODE_TIMEOUT_MS });
      const baseline = await warmUp(io, () => eventModeCrowd(server!.url, eventModeVisitors(40), DEADLINE_MS));
      timers = watchTimers();
      const handledBefore = server!.log.connected.length;

      const tally = await eventModeCrowd(server!.url, eventModeVisitors(CROWD), DEADLINE_MS);

      expect(tally).toEqual({
        authenticates: { authenticated: HALF },
        'stays silent': { authentication_timeout: HALF },
      });
      expect(connectionsPerNamespace(handledBefore)).toEqual({ '/': HALF / 2, '/load': HALF / 2 });
      const perNamespace = { sockets: HALF / 2, rooms: HALF, sids: HALF / 2, identityRooms: HALF / 2 };
      expect(registryOf(io)).toEqual({ '/': perNamespace, '/load': perNamespace });

      await expectBackToBaseline(io, baseline, timers);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('a SecretProvider that takes 200 ms per answer under load', () => {
  it(
    'gives every client a definite outcome within secretTimeout and admits only valid tokens',
    async () => {
      const io = await startObserved({ secretTimeout: SLOW_PROVIDER_SECRET_TIMEOUT_MS }, SlowSecretProvider);
      const provider = server!.app.get(SecretProvider, { strict: false }) as SlowSecretProvider;
      const visitors = Array.from({ length: HALF }, (_, index): Visitor => {
        const subject = `visitor-${index}`;
        const namespace = namespaceOf(index);
        return index % 2 === 0
          ? { label: 'valid', token: validToken(subject), namespace }
          : { label: 'wrong key', token: wrongKeyToken(subject), namespace };
      });

      const tally = await handshakeCrowd(server!.url, visitors, DEADLINE_MS);

      // Every token waited in the provider's line; those served in time got their verdict, the
      // others secret_unavailable. Nobody is left without an answer, and only valid tokens got in.
      expect(provider.asked).toBe(HALF);
      expect(Object.keys(tally.valid).sort()).toEqual(['connected', 'secret_unavailable']);
      expect(Object.keys(tally['wrong key']).sort()).toEqual(['invalid_token', 'secret_unavailable']);
      const admitted = tally.valid.connected;
      expect(server!.log.connected).toHaveLength(admitted);
      const sockets = Object.values(registryOf(io)).reduce((sum, namespace) => sum + namespace.sockets, 0);
      expect(sockets).toBe(admitted);
    },
    TEST_TIMEOUT_MS,
  );
});
