import type { LoggerService } from '@nestjs/common';
import { generateKeyPair } from '../../test/fixtures/core/key-pairs';
import { startJwksServer, type JwksRoute, type JwksServer } from '../../test/support/jwks-server';
import { JwksKeySet } from './key-set';
import type { JwksOptions } from './options';

class LinesLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown) {
    this.lines.push(`log ${String(message)}`);
  }
  error(message: unknown) {
    this.lines.push(`error ${String(message)}`);
  }
  warn(message: unknown) {
    this.lines.push(`warn ${String(message)}`);
  }
  debug(message: unknown) {
    this.lines.push(`debug ${String(message)}`);
  }
}

const first = generateKeyPair('RS256', 'key-1');
const second = generateKeyPair('ES256', 'key-2');

/** Outcome of a lookup as a string: the kid found, or the refusal code. */
async function lookup(keySet: JwksKeySet, kid: unknown, alg: string): Promise<string> {
  try {
    const found = await keySet.getKey(kid, alg);
    return `found ${found.algorithms.join(',')}`;
  } catch (error) {
    return (error as { data?: { code?: string } }).data?.code ?? `unexpected ${String(error)}`;
  }
}

describe('JwksKeySet against a real HTTP server', () => {
  let server: JwksServer;
  let route: JwksRoute;
  let logger: LinesLogger;
  let clock: number;
  const keySets: JwksKeySet[] = [];

  const keySetFor = (options: Partial<JwksOptions> = {}) => {
    const keySet = new JwksKeySet({ jwksUri: route.url, cooldown: 30_000, ...options }, logger, () => clock);
    keySets.push(keySet);
    return keySet;
  };

  beforeEach(async () => {
    server = await startJwksServer();
    route = server.route('/jwks.json', [first.jwk]);
    logger = new LinesLogger();
    clock = 1_000_000;
  });
  afterEach(async () => {
    keySets.splice(0).forEach((keySet) => keySet.close());
    await server.close();
  });

  it('fetches lazily, then answers from the cache synchronously with the same object', async () => {
    const keySet = keySetFor();
    expect(route.hits).toBe(0);
    const fetched = await keySet.getKey('key-1', 'RS256');
    const cached = keySet.getKey('key-1', 'RS256');
    expect(cached).toBe(fetched);
    expect(fetched.algorithms).toEqual(['RS256']);
    expect(route.hits).toBe(1);
  });

  it('shares one fetch in flight among concurrent lookups, known kids or not', async () => {
    route.mode = 'held';
    const keySet = keySetFor({ cooldown: 0 });
    const lookups = [
      lookup(keySet, 'key-1', 'RS256'),
      ...Array.from({ length: 20 }, (_, index) => lookup(keySet, `random-${index}`, 'RS256')),
    ];
    await route.waitForHits(1);
    route.release();
    const outcomes = await Promise.all(lookups);
    expect(outcomes[0]).toBe('found RS256');
    expect(new Set(outcomes.slice(1))).toEqual(new Set(['unknown_kid']));
    expect(route.hits).toBe(1);
  });

  it('refetches for an unknown kid at most once per cooldown', async () => {
    const keySet = keySetFor({ cooldown: 30_000 });
    await keySet.getKey('key-1', 'RS256');
    clock += 30_000;
    const burst = await Promise.all(
      Array.from({ length: 50 }, (_, index) => lookup(keySet, `random-${index}`, 'RS256')),
    );
    expect(new Set(burst)).toEqual(new Set(['unknown_kid']));
    expect(route.hits).toBe(2);

    clock += 29_999;
    expect(await lookup(keySet, 'still-unknown', 'RS256')).toBe('unknown_kid');
    expect(route.hits).toBe(2);
    clock += 1;
    expect(await lookup(keySet, 'still-unknown', 'RS256')).toBe('unknown_kid');
    expect(route.hits).toBe(3);
    expect(logger.lines.filter((line) => line.startsWith('warn'))).toEqual([
      `warn JWKS ${route.url}: unknown kid "random-0" after a refetch`,
      `warn JWKS ${route.url}: unknown kid "still-unknown" after a refetch`,
    ]);
  });

  it('finds a key added by rotation through the unknown-kid refetch, and drops a removed one', async () => {
    const keySet = keySetFor({ cooldown: 0 });
    expect(await lookup(keySet, 'key-1', 'RS256')).toBe('found RS256');
    route.keys = [second.jwk];
    expect(await lookup(keySet, 'key-2', 'ES256')).toBe('found ES256');
    expect(await lookup(keySet, 'key-1', 'RS256')).toBe('unknown_kid');
    expect(route.hits).toBe(3);
  });

  it('fetches the set again once cacheMaxAge has passed, even for a cached kid and within the cooldown', async () => {
    const keySet = keySetFor({ cacheMaxAge: 60_000, cooldown: 120_000 });
    await keySet.getKey('key-1', 'RS256');
    route.keys = [second.jwk];
    clock += 59_999;
    expect(await lookup(keySet, 'key-1', 'RS256')).toBe('found RS256');
    expect(route.hits).toBe(1);
    clock += 1;
    expect(await lookup(keySet, 'key-1', 'RS256')).toBe('unknown_kid');
    expect(route.hits).toBe(2);
  });

  it('keeps serving cached keys when a refresh fails, and fails unknown kids with jwks_unavailable', async () => {
    const keySet = keySetFor({ cacheMaxAge: 1_000 });
    await keySet.getKey('key-1', 'RS256');
    route.mode = 'status-500';
    clock += 1_000;
    expect(await lookup(keySet, 'key-1', 'RS256')).toBe('found RS256');
    expect(await lookup(keySet, 'key-9', 'RS256')).toBe('jwks_unavailable');
    expect(route.hits).toBe(2);
    expect(logger.lines).toContain(`warn JWKS ${route.url} unavailable: HTTP status 500; keeping the 1 cached keys`);
  });

  it('retries a failed fetch only after the cooldown, then recovers', async () => {
    route.mode = 'status-500';
    const keySet = keySetFor({ cooldown: 10_000 });
    const outage = await Promise.all(Array.from({ length: 10 }, () => lookup(keySet, 'key-1', 'RS256')));
    expect(new Set(outage)).toEqual(new Set(['jwks_unavailable']));
    expect(await lookup(keySet, 'key-1', 'RS256')).toBe('jwks_unavailable');
    expect(route.hits).toBe(1);
    route.mode = 'ok';
    clock += 10_000;
    expect(await lookup(keySet, 'key-1', 'RS256')).toBe('found RS256');
    expect(route.hits).toBe(2);
  });

  it.each([
    ['status-500', 'HTTP status 500'],
    ['invalid-json', 'the response is not valid JSON'],
    ['not-a-key-set', 'the response is not a JSON Web Key Set (no "keys" array)'],
    ['hang', 'no complete answer within 200 ms'],
  ] as const)('answers jwks_unavailable when the endpoint gives %s, and logs why', async (mode, reason) => {
    route.mode = mode;
    const keySet = keySetFor({ timeout: 200 });
    expect(await lookup(keySet, 'key-1', 'RS256')).toBe('jwks_unavailable');
    expect(logger.lines).toEqual([`warn JWKS ${route.url} unavailable: ${reason}`]);
  });

  it('answers jwks_unavailable when nothing listens', async () => {
    const url = route.url;
    await server.close();
    const keySet = new JwksKeySet({ jwksUri: url }, logger, () => clock);
    expect(await lookup(keySet, 'key-1', 'RS256')).toBe('jwks_unavailable');
    expect(logger.lines).toEqual([`warn JWKS ${url} unavailable: the request failed (ECONNREFUSED)`]);
    server = await startJwksServer();
  });

  it('refuses a known kid used with another algorithm (key/algorithm mismatch) without refetching', async () => {
    const keySet = keySetFor({ cooldown: 0 });
    await keySet.getKey('key-1', 'RS256');
    expect(await lookup(keySet, 'key-1', 'HS256')).toBe('invalid_token');
    expect(await lookup(keySet, 'key-1', 'ES256')).toBe('invalid_token');
    expect(route.hits).toBe(1);
  });

  it('serves a token without kid only when exactly one key fits its algorithm', async () => {
    route.keys = [first.jwk, second.jwk, generateKeyPair('ES256').jwk];
    const keySet = keySetFor();
    expect(await lookup(keySet, undefined, 'RS256')).toBe('found RS256');
    expect(await lookup(keySet, undefined, 'ES256')).toBe('unknown_kid');
  });

  it('refuses a kid that is not a string before any fetch', async () => {
    const keySet = keySetFor();
    expect(await lookup(keySet, 42, 'RS256')).toBe('malformed_token');
    expect(route.hits).toBe(0);
  });

  it('skips unusable keys with a log line naming the kid and the reason, never the key', async () => {
    route.keys = [first.jwk, { kty: 'oct', kid: 'hmac', k: 'c3VwZXItc2VjcmV0', alg: 'HS256' }];
    const keySet = keySetFor();
    expect(await lookup(keySet, 'hmac', 'HS256')).toBe('unknown_kid');
    expect(logger.lines[0]).toBe(
      `warn JWKS ${route.url}: skipped key kid="hmac": symmetric keys (kty "oct") are never accepted from a key set`,
    );
    expect(logger.lines.join('\n')).not.toContain('c3VwZXItc2VjcmV0');
    expect(logger.lines.join('\n')).not.toContain(String(first.jwk.n).slice(0, 20));
  });

  it('close() aborts a fetch in flight: waiting lookups get jwks_unavailable', async () => {
    route.mode = 'hang';
    const keySet = keySetFor({ timeout: 60_000 });
    const pending = lookup(keySet, 'key-1', 'RS256');
    await route.waitForHits(1);
    keySet.close();
    expect(await pending).toBe('jwks_unavailable');
    expect(logger.lines).toEqual([`warn JWKS ${route.url} unavailable: the request was aborted (shutting down)`]);
  });

  it('logs the URL without credentials or query', async () => {
    const withSecrets = route.url.replace('http://', 'http://user:pa55word@') + '?api_key=hunter2';
    const keySet = new JwksKeySet({ jwksUri: withSecrets }, logger, () => clock);
    keySets.push(keySet);
    route.mode = 'status-500';
    await lookup(keySet, 'key-1', 'RS256');
    expect(logger.lines.join('\n')).not.toMatch(/pa55word|hunter2/);
    expect(logger.lines[0]).toContain(route.url);
  });
});
