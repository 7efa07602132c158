/**
 * One scenario's server: a real Nest app on loopback with the bench gateway, run by the load
 * generator with `node --expose-gc`. It measures itself: `process.cpuUsage()` deltas around the
 * phases the load generator marks, `heapUsed` after a full GC, and (storm, scale) event-loop delay
 * and the wall time of library calls. Control goes over process IPC.
 */
import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { benchGateway, type BenchGatewayInstance } from './gateway';
import type { ControlRequest, ControlValue, ServerMessage, StartMessage } from './protocol';
import { joinRedisCluster } from './redis-cluster';
import { findScenario } from './scenarios';
import { readLoopDelay, startLoopDelayMonitor, takeSweeps, timeExpirySweeps, timeRevokeSubject } from './server-probes';

const START_TIMEOUT_MS = 30_000;

function send(message: ServerMessage): void {
  process.send?.(message);
}

async function bootApp(message: StartMessage): Promise<{ app: INestApplication; gateway: BenchGatewayInstance }> {
  const setup = await findScenario(message.scenario).server(message.keys);
  const Gateway = benchGateway(setup.guard);

  @Module({ imports: setup.imports, providers: [Gateway] })
  class BenchModule {}

  const app = await NestFactory.create(BenchModule, { logger: ['error', 'warn'] });
  const adapter = setup.adapter(app);
  if (message.options?.redisUrl) await joinRedisCluster(adapter, message.options.redisUrl);
  app.useWebSocketAdapter(adapter);
  await app.init();
  return { app, gateway: app.get(Gateway) };
}

/** Listens on the requested port (a replacement takes its predecessor's), starting the storm's probes. */
async function listen(app: INestApplication, port: number): Promise<number> {
  await app.listen(port, '127.0.0.1');
  startLoopDelayMonitor();
  return (app.getHttpServer().address() as AddressInfo).port;
}

function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the server with --expose-gc');
  gc();
  gc();
}

function controller(
  app: INestApplication,
  gateway: BenchGatewayInstance,
  port: number,
): (request: ControlRequest) => ControlValue | Promise<ControlValue> {
  let cpuAtStart = process.cpuUsage();
  return (request) => {
    switch (request.op) {
      case 'cpu-start':
        cpuAtStart = process.cpuUsage();
        return 0;
      case 'cpu-stop': {
        const { user, system } = process.cpuUsage(cpuAtStart);
        return user + system;
      }
      case 'heap':
        fullGc();
        return process.memoryUsage().heapUsed;
      case 'memory': {
        fullGc();
        const { heapUsed, rss } = process.memoryUsage();
        return { heapUsed, rss };
      }
      case 'stats':
        return {
          engineClients: gateway.server.engine?.clientsCount ?? 0,
          gatewayConnections: gateway.connections,
          adapter: gateway.server.of('/').adapter.constructor.name,
        };
      case 'listen':
        // The CPU mark is taken with the first instruction after the port opens: the storm starts there.
        return listen(app, port).then((listening) => {
          cpuAtStart = process.cpuUsage();
          return listening;
        });
      case 'loop-delay':
        return readLoopDelay();
      case 'revoke-subject':
        return timeRevokeSubject(app, request.arg ?? '');
      case 'sweeps':
        return takeSweeps();
    }
  };
}

function answer(request: ControlRequest, handle: ReturnType<typeof controller>): void {
  Promise.resolve()
    .then(() => handle(request))
    .then(
      (value) => send({ type: 'response', id: request.id, value }),
      (error: unknown) =>
        send({ type: 'response', id: request.id, error: error instanceof Error ? error.message : String(error) }),
    );
}

function main(): void {
  // The load generator owns this process: when it goes away, so do we.
  process.on('disconnect', () => process.exit(0));
  const startTimer = setTimeout(() => {
    console.error('bench server: no start message');
    process.exit(1);
  }, START_TIMEOUT_MS);

  process.once('message', (message: StartMessage) => {
    clearTimeout(startTimer);
    timeExpirySweeps();
    const port = message.options?.port ?? 0;
    bootApp(message)
      .then(async ({ app, gateway }) => {
        const handle = controller(app, gateway, port);
        process.on('message', (request: ControlRequest) => {
          if (request.type === 'request') answer(request, handle);
        });
        send({ type: 'ready', port: message.options?.deferListen ? port : await listen(app, port) });
      })
      .catch((error: unknown) => {
        send({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
        process.exit(1);
      });
  });
}

main();
