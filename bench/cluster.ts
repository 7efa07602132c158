/**
 * One scenario's cluster round: the storm's connect phase on one node, then on each node of a
 * two-node cluster over the classic Redis adapter, each node taking as many sockets as the single
 * node did. The per-node CPU per connection must not grow with the cluster.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ClientFleet } from './fleet';
import type { BenchKeys } from './keys';
import type { Scenario } from './scenarios';
import { ServerProcess } from './server-process';
import { connectBudgetMs, type FlatSample, type StormConfig } from './storm';
import type { FleetShare } from './fleet-protocol';

const SETTLE_MS = 20;
const NODES = 2;

export async function runClusterRound(
  scenario: Scenario,
  keys: BenchKeys,
  validTokens: readonly string[],
  config: StormConfig,
  redisUrl: string,
): Promise<FlatSample> {
  const perNode = Math.floor(config.sockets / NODES);
  const single = await connectPhase(scenario, keys, [validTokens.slice(0, perNode)], config);
  const cluster = await connectPhase(
    scenario,
    keys,
    Array.from({ length: NODES }, (_, node) => validTokens.slice(node * perNode, (node + 1) * perNode)),
    config,
    redisUrl,
  );
  const clusterCpuUs = cluster.reduce((sum, cpu) => sum + cpu, 0) / cluster.length;
  return { perNodeSockets: perNode, singleCpuUs: single[0], clusterCpuUs, clusterVsSingle: clusterCpuUs / single[0] };
}

/** Starts one server per token list, connects each list to its node at once; CPU per accepted connection per node. */
async function connectPhase(
  scenario: Scenario,
  keys: BenchKeys,
  tokensPerNode: string[][],
  config: StormConfig,
  redisUrl?: string,
): Promise<number[]> {
  const nodes: ServerProcess[] = [];
  let fleet: ClientFleet | undefined;
  try {
    for (const _ of tokensPerNode) nodes.push(await ServerProcess.start(scenario.name, keys.server, { redisUrl }));
    await assertAdapters(scenario, nodes, redisUrl);
    fleet = await ClientFleet.start(shares(nodes, tokensPerNode, config));
    await Promise.all(nodes.map((node) => node.cpuStart()));
    const connected = await fleet.connect(connectBudgetMs(config));
    await sleep(SETTLE_MS);
    const cpuUs = await Promise.all(nodes.map((node) => node.cpuStop()));
    const expected = tokensPerNode.reduce((sum, tokens) => sum + tokens.length, 0);
    if (connected.accepted !== expected) {
      throw new Error(
        `${scenario.name}: ${expected - connected.accepted} of ${expected} valid sockets did not connect (${connected.reasons.join('; ')})`,
      );
    }
    return cpuUs.map((cpu, node) => cpu / tokensPerNode[node].length);
  } finally {
    fleet?.stop();
    for (const node of nodes) node.stop();
  }
}

/** Each node's tokens split over the client processes, at least one process per node. */
function shares(nodes: ServerProcess[], tokensPerNode: string[][], config: StormConfig): FleetShare[] {
  const perNode = Math.max(1, Math.round(config.clientProcesses / nodes.length));
  return nodes.flatMap((node, index) => {
    const tokens = tokensPerNode[index];
    const size = Math.ceil(tokens.length / perNode);
    return Array.from({ length: perNode }, (_, part) => ({
      url: node.url,
      tokens: tokens.slice(part * size, (part + 1) * size),
      invalidTokens: {},
      concurrency: config.concurrency,
      timeoutMs: config.timeoutMs,
    })).filter((share) => share.tokens.length > 0);
  });
}

/** A cluster that silently ran on the in-memory adapter would measure nothing. */
async function assertAdapters(scenario: Scenario, nodes: ServerProcess[], redisUrl?: string): Promise<void> {
  if (!redisUrl) return;
  for (const node of nodes) {
    const { adapter } = await node.stats();
    if (adapter !== 'RedisAdapter')
      throw new Error(`${scenario.name}: cluster node runs on ${adapter}, not RedisAdapter`);
  }
}
