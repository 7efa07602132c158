import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './free-port';

/** A Redis server for cluster tests: `REDIS_URL` if set, otherwise a throwaway `redis-server` child. */
export interface TestRedis {
  url: string;
  stop(): Promise<void>;
}

const READY_LINE = /Ready to accept connections/;
const START_TIMEOUT_MS = 10_000;

export async function startRedis(): Promise<TestRedis> {
  const external = process.env.REDIS_URL;
  if (external) return { url: external, stop: async () => undefined };
  const port = await freePort();
  const child = spawn(process.env.REDIS_SERVER ?? 'redis-server', redisArguments(port), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitUntilReady(child);
  return { url: `redis://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

function redisArguments(port: number): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
}

function waitUntilReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const fail = (reason: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start (${reason}). Install it or set REDIS_URL.\n${output}`));
    };
    const timer = setTimeout(() => fail(`not ready after ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code) => fail(`exited with code ${code}`));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!READY_LINE.test(output)) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout?.removeAllListeners('data');
      child.stdout?.resume();
      resolve();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
