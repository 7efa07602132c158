/**
 * One scenario's server: a real Nest app on loopback with the bench gateway, run by the load
 * generator with `node --expose-gc`. It measures itself: `process.cpuUsage()` deltas around the
 * phases the load generator marks, and `heapUsed` after a full GC. Control goes over process IPC.
 */
import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { benchGateway, type BenchGatewayInstance } from './gateway';
import type { ControlRequest, ServerMessage, ServerStats, StartMessage } from './protocol';
import { findScenario } from './scenarios';

const START_TIMEOUT_MS = 30_000;

function send(message: ServerMessage): void {
  process.send?.(message);
}

async function startApp(message: StartMessage): Promise<{ app: INestApplication; gateway: BenchGatewayInstance }> {
  const setup = await findScenario(message.scenario).server(message.keys);
  const Gateway = benchGateway(setup.guard);

  @Module({ imports: setup.imports, providers: [Gateway] })
  class BenchModule {}

  const app = await NestFactory.create(BenchModule, { logger: ['error', 'warn'] });
  app.useWebSocketAdapter(setup.adapter(app));
  await app.listen(0, '127.0.0.1');
  return { app, gateway: app.get(Gateway) };
}

function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the server with --expose-gc');
  gc();
  gc();
}

function controller(gateway: BenchGatewayInstance): (request: ControlRequest) => number | ServerStats {
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
      case 'stats':
        return { engineClients: gateway.server.engine.clientsCount, gatewayConnections: gateway.connections };
    }
  };
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
    startApp(message).then(
      ({ app, gateway }) => {
        const handle = controller(gateway);
        process.on('message', (request: ControlRequest) => {
          if (request.type === 'request') send({ type: 'response', id: request.id, value: handle(request) });
        });
        send({ type: 'ready', port: (app.getHttpServer().address() as AddressInfo).port });
      },
      (error: unknown) => {
        send({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
        process.exit(1);
      },
    );
  });
}

main();
