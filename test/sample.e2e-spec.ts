import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { createSecretKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { decode, sign } from 'jsonwebtoken';
import { authenticateSocket, JwtSocketIoAdapter } from '../lib';
import { AppModule } from '../sample/app.module';
import { DemoIdentityProvider } from '../sample/identity-provider';
import { TenantDirectory } from '../sample/tenant-directory';
import { CapturingLogger } from './support/app';
import {
  closeClients,
  connectClient,
  connected,
  connectOutcome,
  emitWithAck,
  nextEvent,
  refusal as unauthorizedThenDisconnect,
} from './support/client';

const ROOT = join(__dirname, '..');

interface Sample {
  app: INestApplication;
  url: string;
  logger: CapturingLogger;
  keyOf(tenant: string): KeyObject;
}

/** The sample's AppModule, bootstrapped as sample/main.ts does, on an ephemeral loopback port. */
async function startSample(): Promise<Sample> {
  const logger = new CapturingLogger();
  const app = await NestFactory.create(AppModule, { logger });
  app.useWebSocketAdapter(new JwtSocketIoAdapter(app));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const directory = app.get(TenantDirectory);
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    logger,
    keyOf: (tenant) => directory.secretOf(tenant)!,
  };
}

function login(url: string, body: object): Promise<Response> {
  return fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function tokenFor(url: string, username: string, tenant: string): Promise<string> {
  const response = await login(url, { username, tenant });
  expect(response.status).toBe(200);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

function signFor(claims: object, key: KeyObject): string {
  return sign(claims, key, { algorithm: 'HS256', expiresIn: '5m' });
}

async function joinChat(url: string, token: string) {
  const socket = connectClient(`${url}/chat`, { auth: { token } });
  const welcome = nextEvent<{ sub: string; tenant: string }>(socket, 'welcome');
  await connected(socket);
  return { socket, welcome: await welcome };
}

async function refusal(url: string, token: string) {
  const outcome = await connectOutcome(connectClient(`${url}/chat`, { auth: { token } }));
  if (outcome === 'connected') throw new Error('expected connect_error, but the socket connected');
  return outcome;
}

function revoke(url: string, body: object): Promise<Response> {
  return fetch(`${url}/admin/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('sample app', () => {
  let sample: Sample;

  beforeEach(async () => {
    sample = await startSample();
  });
  afterEach(async () => {
    closeClients();
    await sample.app.close();
  });

  it('logs in over HTTP with a 15-minute HS256 token carrying sub, tenant and jti', async () => {
    const token = await tokenFor(sample.url, 'alice', 'acme');
    const jwt = decode(token, { complete: true })!;
    const claims = jwt.payload as { sub: string; tenant: string; jti: string; iat: number; exp: number };
    expect(jwt.header.alg).toBe('HS256');
    expect(claims).toMatchObject({ sub: 'alice', tenant: 'acme' });
    expect(claims.exp - claims.iat).toBe(15 * 60);
    expect(typeof claims.jti).toBe('string');
  });

  it('refuses a login for an unknown tenant (401) or without a username (400)', async () => {
    expect((await login(sample.url, { username: 'alice', tenant: 'umbrella' })).status).toBe(401);
    expect((await login(sample.url, { tenant: 'acme' })).status).toBe(400);
  });

  it('chats on /chat: messages carry the sender sub and reach only the sender tenant', async () => {
    const alice = await joinChat(sample.url, await tokenFor(sample.url, 'alice', 'acme'));
    const bob = await joinChat(sample.url, await tokenFor(sample.url, 'bob', 'acme'));
    const carol = await joinChat(sample.url, await tokenFor(sample.url, 'carol', 'globex'));
    expect(alice.welcome).toEqual({ sub: 'alice', tenant: 'acme' });
    expect(carol.welcome).toEqual({ sub: 'carol', tenant: 'globex' });
    const bobHears = nextEvent(bob.socket, 'message');
    const carolHears = nextEvent(carol.socket, 'message');

    expect(await emitWithAck(alice.socket, 'message', 'hi acme')).toEqual({ from: 'alice', text: 'hi acme' });
    expect(await bobHears).toEqual({ from: 'alice', text: 'hi acme' });
    // Carol's own message comes after alice's on her connection: had alice's reached her, it would be first.
    await emitWithAck(carol.socket, 'message', 'hi globex');
    expect(await carolHears).toEqual({ from: 'carol', text: 'hi globex' });
  });

  it('answers whoami with the claims of the socket token', async () => {
    const token = await tokenFor(sample.url, 'alice', 'acme');
    const { socket } = await joinChat(sample.url, token);
    const claims = decode(token) as { jti: string; exp: number };
    expect(await emitWithAck(socket, 'whoami')).toEqual({
      sub: 'alice',
      tenant: 'acme',
      jti: claims.jti,
      exp: claims.exp,
    });
  });

  it('verifies a token with the key of the tenant it claims', async () => {
    const { welcome } = await joinChat(sample.url, signFor({ sub: 'dave', tenant: 'acme' }, sample.keyOf('acme')));
    expect(welcome).toEqual({ sub: 'dave', tenant: 'acme' });
    const signedByGlobex = await refusal(sample.url, signFor({ sub: 'dave', tenant: 'acme' }, sample.keyOf('globex')));
    expect(signedByGlobex.data?.code).toBe('invalid_token');
  });

  it('refuses a token signed with tenant acme key that claims tenant globex', async () => {
    const forged = await refusal(sample.url, signFor({ sub: 'mallory', tenant: 'globex' }, sample.keyOf('acme')));
    expect(forged.data).toEqual({
      type: 'UnauthorizedError',
      code: 'invalid_token',
      message: 'The token signature or algorithm is invalid',
    });
  });

  it('verifies tenant initech through its identity provider JWKS (RS256, by kid), fetched once', async () => {
    const identityProvider = sample.app.get(DemoIdentityProvider);
    const first = await tokenFor(sample.url, 'ivan', 'initech');
    expect(decode(first, { complete: true })?.header).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
    const { socket, welcome } = await joinChat(sample.url, first);
    expect(welcome).toEqual({ sub: 'ivan', tenant: 'initech' });
    expect(await emitWithAck(socket, 'whoami')).toMatchObject({ sub: 'ivan', tenant: 'initech' });

    const second = await joinChat(sample.url, await tokenFor(sample.url, 'iris', 'initech'));
    expect(second.welcome.sub).toBe('iris');
    expect(identityProvider.jwksRequests).toBe(1);
  });

  it('refuses initech tokens the identity provider did not sign: another key under its kid, HS256, an unknown kid', async () => {
    const genuine = decode(await tokenFor(sample.url, 'ivan', 'initech'), { complete: true })!;
    const impostorKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const sameKidOtherKey = sign({ tenant: 'initech', sub: 'mallory' }, impostorKey, {
      algorithm: 'RS256',
      keyid: genuine.header.kid,
      expiresIn: '5m',
    });
    expect((await refusal(sample.url, sameKidOtherKey)).data?.code).toBe('invalid_token');
    const hmacClaimingInitech = signFor({ sub: 'mallory', tenant: 'initech' }, sample.keyOf('acme'));
    // No kid, and the JWKS has no HS256 key: nothing in the key set may verify it.
    expect((await refusal(sample.url, hmacClaimingInitech)).data?.code).toBe('unknown_kid');
    const unknownKid = sign({ tenant: 'initech', sub: 'mallory' }, impostorKey, {
      algorithm: 'RS256',
      keyid: 'no-such-kid',
      expiresIn: '5m',
    });
    expect((await refusal(sample.url, unknownKid)).data?.code).toBe('unknown_kid');
  });

  it('refuses an unknown or missing tenant with invalid_token "Unknown tenant" and keeps serving', async () => {
    const someKey = createSecretKey(randomBytes(32));
    const unknown = await refusal(sample.url, signFor({ sub: 'eve', tenant: 'umbrella' }, someKey));
    expect(unknown.message).toBe('Unknown tenant');
    expect(unknown.data).toEqual({ type: 'UnauthorizedError', code: 'invalid_token', message: 'Unknown tenant' });
    const noTenant = await refusal(sample.url, signFor({ sub: 'eve' }, sample.keyOf('acme')));
    expect(noTenant.data?.code).toBe('invalid_token');

    const { welcome } = await joinChat(sample.url, await tokenFor(sample.url, 'alice', 'acme'));
    expect(welcome.sub).toBe('alice');
    const logs = sample.logger.lines.join('\n');
    for (const tenant of ['acme', 'globex']) {
      const key = sample.keyOf(tenant).export();
      expect(logs).not.toContain(key.toString('hex'));
      expect(logs).not.toContain(key.toString('base64'));
    }
  });

  it('lists its tenants from the directory: the HS256 tenants and initech, verified through the JWKS', async () => {
    const response = await fetch(`${sample.url}/tenants`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      { name: 'acme', algorithm: 'HS256', verifiedWith: 'its own secret' },
      { name: 'globex', algorithm: 'HS256', verifiedWith: 'its own secret' },
      { name: 'initech', algorithm: 'RS256', verifiedWith: "the identity provider's JWKS" },
    ]);
    // Every listed tenant can log in and chat.
    for (const { name } of (await (await fetch(`${sample.url}/tenants`)).json()) as Array<{ name: string }>) {
      const { welcome } = await joinChat(sample.url, await tokenFor(sample.url, `user-of-${name}`, name));
      expect(welcome).toEqual({ sub: `user-of-${name}`, tenant: name });
    }
  });

  it('revokes a subject or a token id over HTTP: each socket gets unauthorized token_revoked, others stay', async () => {
    const phone = await joinChat(sample.url, await tokenFor(sample.url, 'alice', 'acme'));
    const laptop = await joinChat(sample.url, await tokenFor(sample.url, 'alice', 'acme'));
    const bobToken = await tokenFor(sample.url, 'bob', 'acme');
    const bobFirst = await joinChat(sample.url, bobToken);
    const bobSecond = await joinChat(sample.url, await tokenFor(sample.url, 'bob', 'acme'));
    const aliceEnds = [phone, laptop].map(({ socket }) => unauthorizedThenDisconnect(socket));

    const bySubject = await revoke(sample.url, { subject: 'alice' });
    expect(bySubject.status).toBe(200);
    expect(await bySubject.json()).toEqual({ revokedHere: 2 });
    for (const { error, order } of await Promise.all(aliceEnds)) {
      expect(order).toEqual(['unauthorized', 'disconnect']);
      expect(error.data.code).toBe('token_revoked');
    }
    const leaves = sample.logger.lines.filter((line) => line === 'log alice left the chat of acme');
    expect(leaves).toHaveLength(2);

    // By token id: only the socket holding that token.
    const bobFirstEnds = unauthorizedThenDisconnect(bobFirst.socket);
    const { jti } = decode(bobToken) as { jti: string };
    expect(await (await revoke(sample.url, { tokenId: jti })).json()).toEqual({ revokedHere: 1 });
    expect((await bobFirstEnds).error.data.code).toBe('token_revoked');
    expect(await emitWithAck(bobSecond.socket, 'whoami')).toMatchObject({ sub: 'bob' });

    for (const body of [{}, { subject: '' }, { subject: 42 }, { tokenId: 'x'.repeat(129) }])
      expect({ body, status: (await revoke(sample.url, body)).status }).toEqual({ body, status: 400 });
  });

  it('refuses an in-band refresh that moves the socket to another tenant, and keeps it in its own', async () => {
    const alice = await joinChat(sample.url, await tokenFor(sample.url, 'alice', 'acme'));
    const bob = await joinChat(sample.url, await tokenFor(sample.url, 'bob', 'acme'));
    const carol = await joinChat(sample.url, await tokenFor(sample.url, 'carol', 'globex'));
    const sameNameOtherTenant = await tokenFor(sample.url, 'alice', 'globex');

    const refused = await authenticateSocket(alice.socket, sameNameOtherTenant).then(
      () => undefined,
      (error: { data: { code: string; message: string } }) => error.data,
    );
    expect(refused).toEqual({
      type: 'UnauthorizedError',
      code: 'subject_mismatch',
      message: 'A refreshed token must keep the same tenant',
    });
    expect(await emitWithAck(alice.socket, 'whoami')).toMatchObject({ sub: 'alice', tenant: 'acme' });
    // Her messages still reach acme only: carol's own message is the first globex hears.
    const bobHears = nextEvent(bob.socket, 'message');
    const carolHears = nextEvent(carol.socket, 'message');
    await emitWithAck(alice.socket, 'message', 'still in acme');
    expect(await bobHears).toEqual({ from: 'alice', text: 'still in acme' });
    await emitWithAck(carol.socket, 'message', 'globex only');
    expect(await carolHears).toEqual({ from: 'carol', text: 'globex only' });

    // A refresh in the same tenant is accepted.
    await authenticateSocket(alice.socket, await tokenFor(sample.url, 'alice', 'acme'));
    expect(await emitWithAck(alice.socket, 'whoami')).toMatchObject({ sub: 'alice', tenant: 'acme' });
  });

  it('runs the compiled client script (npm run sample:client) against the sample: exit 0', async () => {
    const tsc = require.resolve('typescript/bin/tsc');
    const build = await run(process.execPath, [tsc, '-p', 'tsconfig.sample.json']);
    expect(build.stdout + build.stderr).toBe('');
    expect(build.code).toBe(0);

    const client = await run(process.execPath, ['dist-sample/sample/client.js'], { SAMPLE_URL: sample.url });
    expect(client.stderr).toBe('');
    expect(client.code).toBe(0);
    const lines = client.stdout.split('\n');
    expect(lines).toContain('connected to /chat (handshake mode), welcome: {"sub":"alice","tenant":"acme"}');
    expect(lines).toContain('received message: {"from":"alice","text":"hello from the sample client"}');
    expect(client.stdout).toMatch(/^refreshed in-band: authenticated, token id \S+ -> \S+$/m);
    expect(lines).toContain(
      'refresh as mallory refused: subject_mismatch (A refreshed token must keep the same subject); still connected as alice',
    );
    expect(lines).toContain(
      'token edited to claim tenant globex: connect_error invalid_token (The token signature or algorithm is invalid)',
    );
    expect(lines).toContain('done');
  }, 120_000);
});
