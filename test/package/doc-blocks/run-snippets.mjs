// Runs the blocks that open connections, against the documented servers, and checks they end by themselves.
import { execFile, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';

/** A liveness bound only: a snippet that does not end by itself hangs until this, then fails. */
const SNIPPET_LIMIT_MS = 30_000;
const SECRET = 'doc-blocks-secret-of-at-least-32-bytes!';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Rejects if `promise` has not settled within the liveness bound: a missing event fails instead of hanging. */
function bounded(promise, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what}`)), SNIPPET_LIMIT_MS);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** Starts a long-running process and resolves once its output shows `ready`. */
function startProcess(command, args, { cwd, env, ready, name }) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const started = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output}`)), SNIPPET_LIMIT_MS);
    const onData = (chunk) => {
      output += chunk;
      if (!ready.test(output)) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with code ${code}:\n${output}`));
    });
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.removeAllListeners('exit');
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { started, stop, output: () => output };
}

/** Runs a compiled snippet to its end; rejects if it exits non-zero or does not end by itself. */
function runSnippet(dir, file, env) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join('out', file)],
      { cwd: dir, env: { ...process.env, ...env }, timeout: SNIPPET_LIMIT_MS, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (error?.killed) reject(new Error(`${file} did not end by itself:\n${stdout}${stderr}`));
        else if (error) reject(new Error(`${file} failed: ${error.message}\n${stdout}${stderr}`));
        else resolve(`${stdout}${stderr}`);
      },
    );
  });
}

const NEST_READY = /Nest application successfully started/;

/** The quick start's main.ts serves the chat gateway; node-client.ts asks it `whoami`, then ends. */
export async function checkNodeClient(dir, check) {
  const require = createRequire(join(dir, 'package.json'));
  const jwt = require('jsonwebtoken');
  const port = await freePort();
  const server = startProcess(process.execPath, ['out/main.js'], {
    cwd: dir,
    env: { PORT: String(port), JWT_SECRET: SECRET },
    ready: NEST_READY,
    name: 'main.ts',
  });
  try {
    await server.started;
    const url = `http://127.0.0.1:${port}/chat`;
    await check('node-client.ts gets its whoami answer from the quick start app, then ends', async () => {
      const token = jwt.sign({ sub: 'alice' }, SECRET, { expiresIn: 60 });
      const output = await runSnippet(dir, 'node-client.js', { SERVER_URL: url, ACCESS_TOKEN: token });
      if (!/sub: 'alice'/.test(output)) throw new Error(`no whoami answer for alice:\n${output}`);
    });
    await check('node-client.ts with a bad token is refused, then ends', async () => {
      const output = await runSnippet(dir, 'node-client.js', { SERVER_URL: url, ACCESS_TOKEN: 'not-a-jwt' });
      if (!/refused:/.test(output)) throw new Error(`not refused:\n${output}`);
    });
  } finally {
    await server.stop();
  }
}

/**
 * main-redis.ts (the Redis adapter composed as documented) holds alice's socket; the emitter snippet,
 * run as another service would, revokes her: the socket gets `token_revoked`, and the snippet ends.
 */
export async function checkRevocationFromAnotherService(dir, check) {
  const require = createRequire(join(dir, 'package.json'));
  const jwt = require('jsonwebtoken');
  const { io } = require('socket.io-client');
  const redisPort = await freePort();
  const redis = startProcess(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { cwd: dir, env: {}, ready: /Ready to accept connections/, name: 'redis-server' },
  );
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const port = await freePort();
  const server = startProcess(process.execPath, ['out/main-redis.js'], {
    cwd: dir,
    env: { PORT: String(port), JWT_SECRET: SECRET, REDIS_URL: redisUrl },
    ready: NEST_READY,
    name: 'main-redis.ts',
  });
  let socket;
  try {
    await redis.started;
    await server.started;
    await check('revoke-from-another-service.ts disconnects alice through Redis, then ends', async () => {
      socket = io(`http://127.0.0.1:${port}/chat`, {
        transports: ['websocket'],
        reconnection: false,
        auth: { token: jwt.sign({ sub: 'alice' }, SECRET, { expiresIn: 60 }) },
      });
      await bounded(
        new Promise((resolve, reject) => {
          socket.once('connect', resolve);
          socket.once('connect_error', reject);
        }),
        'connection for alice',
      );
      const refusal = new Promise((resolve) => socket.once('unauthorized', resolve));
      const disconnected = new Promise((resolve) => socket.once('disconnect', resolve));
      await runSnippet(dir, 'revoke-from-another-service.js', { REDIS_URL: redisUrl });
      const payload = await bounded(refusal, '`unauthorized` event after the revocation');
      if (payload?.data?.code !== 'token_revoked') throw new Error(`unexpected refusal ${JSON.stringify(payload)}`);
      await bounded(disconnected, 'disconnect after the revocation');
    });
  } finally {
    socket?.close();
    await server.stop();
    await redis.stop();
  }
}
