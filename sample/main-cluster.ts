/**
 * The sample on every core (`npm run start:cluster`): a Node `cluster` primary accepts the
 * connections and hands each to a worker, a whole Nest app. `@socket.io/sticky` keeps every HTTP
 * request of a socket.io session on the worker that holds it (long-polling needs that), and
 * `@socket.io/cluster-adapter` carries broadcasts and revocations between the workers.
 * WORKERS sets the number of workers (default: one per core), PORT the port (default 3000, 0 for any).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { setupPrimary as setupClusterAdapterPrimary } from '@socket.io/cluster-adapter';
import { setupMaster as setupStickyPrimary, setupWorker as setupStickyWorker } from '@socket.io/sticky';
import cluster, { type Worker } from 'node:cluster';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { AppModule } from './app.module';
import { ClusterJwtSocketIoAdapter } from './cluster-io.adapter';
import { shareableDemoKeys } from './demo-keys';
import { stopReadingBeforeHandOff } from './sticky-handoff';

const WORKER_READY = 'sample:worker-ready';

function workerCount(): number {
  const requested = Number(process.env.WORKERS);
  return Number.isInteger(requested) && requested > 0 ? requested : availableParallelism();
}

async function startPrimary(): Promise<void> {
  const httpServer = createServer();
  setupStickyPrimary(httpServer, { loadBalancingMethod: 'least-connection' });
  stopReadingBeforeHandOff(httpServer);
  setupClusterAdapterPrimary();
  // Structured clone over IPC: the first bytes of each connection reach the worker as a Buffer, not JSON.
  cluster.setupPrimary({ serialization: 'advanced' });

  const workers = await forkWorkers(workerCount());
  await new Promise<void>((resolve) => httpServer.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  for (const worker of workers) console.log(`worker ${worker.id} ready (pid ${worker.process.pid})`);
  console.log(`Sample cluster listening on ${url} with ${workers.length} workers (primary pid ${process.pid})`);
  console.log(`Open ${url}/ in a browser, or revoke a user on every worker: POST ${url}/admin/revoke`);
  stopOnSignal(httpServer, workers);
}

/** Every worker gets the same demo keys: a token issued by one worker verifies on all of them. */
async function forkWorkers(count: number): Promise<Worker[]> {
  const keys = shareableDemoKeys();
  const workers = Array.from({ length: count }, () => cluster.fork(keys));
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping) console.error(`worker ${worker.id} (pid ${worker.process.pid}) exited (${signal ?? code})`);
  });
  await Promise.all(workers.map(ready));
  return workers;
}

let stopping = false;

/** Ctrl-C or SIGTERM: stop accepting, let each worker's Nest app close, then exit. */
function stopOnSignal(httpServer: Server, workers: Worker[]): void {
  const stop = () => {
    if (stopping) return;
    stopping = true;
    httpServer.close();
    void Promise.all(workers.map(stopWorker)).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function ready(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (message !== WORKER_READY) return;
      worker.off('exit', onExit);
      worker.off('message', onMessage);
      resolve();
    };
    const onExit = (code: number) => reject(new Error(`worker ${worker.id} exited (${code}) before it was ready`));
    worker.on('message', onMessage);
    worker.once('exit', onExit);
  });
}

/** SIGTERM lets the worker's Nest app close its sockets and servers (enableShutdownHooks). */
function stopWorker(worker: Worker): Promise<void> {
  if (worker.isDead()) return Promise.resolve();
  return new Promise((resolve) => {
    worker.once('exit', () => resolve());
    worker.process.kill('SIGTERM');
  });
}

async function startWorker(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  const adapter = new ClusterJwtSocketIoAdapter(app);
  app.useWebSocketAdapter(adapter);
  app.enableShutdownHooks();
  // No listen: the primary owns the port and passes each connection to a worker.
  await app.init();
  setupStickyWorker(adapter.httpAttachedServer());
  process.send?.(WORKER_READY);
}

const start = cluster.isPrimary ? startPrimary : startWorker;
start().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
