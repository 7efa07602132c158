/**
 * Talks to a running sample (`npm start`): logs in over HTTP, chats on `/chat` with the token in the
 * handshake, refreshes it in-band (the `authenticate` event), and shows two refusals.
 * Usage: npm run sample:client   (SAMPLE_URL defaults to http://127.0.0.1:3000)
 */
import { io, type Socket } from 'socket.io-client';
import { authenticateSocket, isUnauthorizedError, type UnauthorizedPayload } from '../lib/client';

const baseUrl = process.env.SAMPLE_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
const ACK_TIMEOUT_MS = 5000;

async function login(username: string, tenant: string): Promise<string> {
  const response = await fetch(`${baseUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, tenant }),
  });
  if (!response.ok) throw new Error(`login failed: HTTP ${response.status}`);
  const { accessToken } = (await response.json()) as { accessToken: string };
  return accessToken;
}

function connectToChat(token: string): Socket {
  return io(`${baseUrl}/chat`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
}

/** Resolves on `connect`; rejects with the `connect_error` (its `data` carries the code). */
function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}

function nextEvent<T>(socket: Socket, event: string): Promise<T> {
  return new Promise((resolve) => socket.once(event, resolve));
}

function request<T>(socket: Socket, event: string, ...args: unknown[]): Promise<T> {
  return socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, ...args) as Promise<T>;
}

/** The code of a refusal, or rethrows what is not one. */
function codeOf(error: unknown): string {
  if (!isUnauthorizedError(error)) throw error;
  return `${error.data.code} (${error.data.message})`;
}

/** The same token with one claim edited, signature untouched: what a forger would try. */
function withClaim(token: string, claim: string, value: string): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  claims[claim] = value;
  return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
}

async function chatAsAlice(token: string): Promise<void> {
  const socket = connectToChat(token);
  const welcome = nextEvent(socket, 'welcome');
  const firstMessage = nextEvent(socket, 'message');
  await connected(socket);
  console.log(`connected to /chat (handshake mode), welcome: ${JSON.stringify(await welcome)}`);

  const me = await request<{ jti: string }>(socket, 'whoami');
  console.log(`whoami: ${JSON.stringify(me)}`);

  await request(socket, 'message', 'hello from the sample client');
  console.log(`received message: ${JSON.stringify(await firstMessage)}`);

  // In-band refresh (the event-mode `authenticate` message) on the open socket: no reconnect.
  await authenticateSocket(socket, await login('alice', 'acme'));
  const refreshed = await request<{ jti: string }>(socket, 'whoami');
  console.log(`refreshed in-band: authenticated, token id ${me.jti} -> ${refreshed.jti}`);

  // A refresh may not switch users: refused, and the socket keeps its current token.
  const refusal = await authenticateSocket(socket, await login('mallory', 'acme')).then(
    () => 'accepted',
    (error: UnauthorizedPayload) => codeOf(error),
  );
  const still = await request<{ sub: string }>(socket, 'whoami');
  console.log(`refresh as mallory refused: ${refusal}; still connected as ${still.sub}`);
  socket.disconnect();
}

async function showRejectedConnection(token: string): Promise<void> {
  const socket = connectToChat(withClaim(token, 'tenant', 'globex'));
  const outcome = await connected(socket).then(
    () => 'connected',
    (error: unknown) => codeOf(error),
  );
  socket.close();
  console.log(`token edited to claim tenant globex: connect_error ${outcome}`);
}

async function main(): Promise<void> {
  const token = await login('alice', 'acme');
  console.log(`logged in over HTTP as alice@acme (${baseUrl})`);
  await chatAsAlice(token);
  await showRejectedConnection(token);
  console.log('done');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`sample client failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`);
    console.error('Is the sample running? Start it with: npm start');
    process.exit(1);
  },
);
