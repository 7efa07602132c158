import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * How a route answers: the key set, an HTTP 500, a body that is not JSON, JSON that is not a key
 * set, or no answer at all (`hang`). `held` answers normally, but only once `release()` is called.
 */
export type JwksRouteMode = 'ok' | 'status-500' | 'invalid-json' | 'not-a-key-set' | 'hang' | 'held';

export interface JwksRoute {
  readonly url: string;
  /** Requests received so far. */
  readonly hits: number;
  /** The JWKs served (`{ keys }`), replaceable mid-test to rotate keys. */
  keys: object[];
  mode: JwksRouteMode;
  /** Answers every request held so far (mode `held`). */
  release(): void;
  /** Resolves once the route has received `count` requests. */
  waitForHits(count: number): Promise<void>;
}

export interface JwksServer {
  readonly url: string;
  /** Requests received on every path, known or not. */
  readonly totalHits: number;
  route(path: string, keys?: object[]): JwksRoute;
  close(): Promise<void>;
}

class Route implements JwksRoute {
  hits = 0;
  mode: JwksRouteMode = 'ok';
  private held: ServerResponse[] = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(
    readonly url: string,
    public keys: object[],
  ) {}

  handle(response: ServerResponse): void {
    this.hits++;
    this.waiters = this.waiters.filter((waiter) => (this.hits >= waiter.count ? (waiter.resolve(), false) : true));
    switch (this.mode) {
      case 'ok':
        return sendJson(response, 200, JSON.stringify({ keys: this.keys }));
      case 'status-500':
        return sendJson(response, 500, JSON.stringify({ error: 'internal' }));
      case 'invalid-json':
        return sendJson(response, 200, '{"keys": [');
      case 'not-a-key-set':
        return sendJson(response, 200, JSON.stringify({ issuer: 'https://idp.example/' }));
      case 'hang':
        return; // Never answers; the client's timeout must end it.
      case 'held':
        this.held.push(response);
        return;
    }
  }

  release(): void {
    const held = this.held;
    this.held = [];
    for (const response of held) sendJson(response, 200, JSON.stringify({ keys: this.keys }));
  }

  waitForHits(count: number): Promise<void> {
    if (this.hits >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }
}

function sendJson(response: ServerResponse, status: number, body: string): void {
  if (response.destroyed) return;
  response.writeHead(status, { 'content-type': 'application/json' }).end(body);
}

/** A real HTTP server on 127.0.0.1 (ephemeral port) serving key sets on the paths you declare. */
export async function startJwksServer(): Promise<JwksServer> {
  const routes = new Map<string, Route>();
  let totalHits = 0;
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    totalHits++;
    const route = routes.get(new URL(request.url ?? '/', 'http://localhost').pathname);
    if (route) route.handle(response);
    else sendJson(response, 404, '{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    get totalHits() {
      return totalHits;
    },
    route(path: string, keys: object[] = []): JwksRoute {
      const route = new Route(`${base}${path}`, keys);
      routes.set(path, route);
      return route;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
