import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';

const opened = new Set<Socket>();

/** A real socket.io-client, websocket only, no reconnection, closed by `closeClients()`. */
export function connectClient(url: string, options: Partial<ManagerOptions & SocketOptions> = {}): Socket {
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, ...options });
  opened.add(socket);
  return socket;
}

export function closeClients(): void {
  for (const socket of opened) socket.disconnect();
  opened.clear();
}

/** Resolves with the arguments of the next `event`; rejects if the socket disconnects first. */
export function nextEvent<T = unknown>(socket: Socket, event: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onDisconnect = (reason: string) => {
      socket.off(event, onEvent);
      reject(new Error(`disconnected (${reason}) before "${event}"`));
    };
    const onEvent = (value: T) => {
      socket.off('disconnect', onDisconnect);
      resolve(value);
    };
    socket.once(event, onEvent);
    if (event !== 'disconnect') socket.once('disconnect', onDisconnect);
  });
}

export interface ConnectErrorLike {
  message: string;
  data?: { type: string; code: string; message: string };
}

/** Resolves `'connected'` or the `connect_error`, whichever comes first. */
export function connectOutcome(socket: Socket): Promise<'connected' | ConnectErrorLike> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (error: Error & { data?: ConnectErrorLike['data'] }) =>
      resolve({ message: error.message, data: error.data }),
    );
  });
}

export async function connected(socket: Socket): Promise<Socket> {
  const outcome = await connectOutcome(socket);
  if (outcome !== 'connected') throw new Error(`expected to connect, got ${JSON.stringify(outcome)}`);
  return socket;
}

export async function rejectedCode(socket: Socket): Promise<string | undefined> {
  const outcome = await connectOutcome(socket);
  if (outcome === 'connected') throw new Error('expected connect_error, but the socket connected');
  return outcome.data?.code;
}

/** Emits with an ack and resolves with the server's answer. */
export function emitWithAck<T = unknown>(socket: Socket, event: string, ...args: unknown[]): Promise<T> {
  return socket.timeout(5000).emitWithAck(event, ...args) as Promise<T>;
}

/** Waits until the server has answered one round trip, so earlier packets have been processed. */
export async function roundTrip(socket: Socket): Promise<void> {
  await emitWithAck(socket, 'ping');
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface UnauthorizedLike {
  message: string;
  data: { type: string; code: string; message: string };
}

/**
 * Listens (from now on) for `unauthorized` followed by the server's disconnect, the way the seed
 * protocol ends a refused socket. Register it BEFORE triggering the refusal: both packets can arrive
 * in one batch.
 */
export function refusal(socket: Socket): Promise<{ error: UnauthorizedLike; reason: string; order: string[] }> {
  return new Promise((resolve) => {
    const order: string[] = [];
    let error: UnauthorizedLike | undefined;
    socket.once('unauthorized', (payload: UnauthorizedLike) => {
      order.push('unauthorized');
      error = payload;
    });
    socket.once('disconnect', (reason: string) => {
      order.push('disconnect');
      resolve({ error: error as UnauthorizedLike, reason, order });
    });
  });
}
