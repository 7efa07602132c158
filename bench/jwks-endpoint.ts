import { createPublicKey } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Serves the RS256 public key as a one-key JWKS on a loopback port; returns its URL. */
export async function serveJwks(publicKeyPem: string): Promise<string> {
  const jwk = { ...createPublicKey(publicKeyPem).export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'bench' };
  const body = JSON.stringify({ keys: [jwk] });
  const server = createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
}
