import { createPublicKey } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let requests = 0;

/** Requests the JWKS endpoints of this process answered: the storm checks that a cold key set fetches once. */
export function jwksRequestCount(): number {
  return requests;
}

/** Serves the RS256 public key as a one-key JWKS on a loopback port; returns its URL. */
export async function serveJwks(publicKeyPem: string): Promise<string> {
  const jwk = { ...createPublicKey(publicKeyPem).export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'bench' };
  const body = JSON.stringify({ keys: [jwk] });
  const server = createServer((_, response) => {
    requests++;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
}
