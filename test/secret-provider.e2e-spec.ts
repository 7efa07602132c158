import type { DynamicModule } from '@nestjs/common';
import type { JwtHeader, JwtPayload } from 'jsonwebtoken';
import { JwtSocketModule, SecretProvider, type JwtSocketHandshake, type SecretContext, type SecretKey } from '../lib';
import { guardedGateway } from './fixtures/core/gateways';
import { watchProcessErrors, type ProcessErrorWatch } from './fixtures/secrets/process-errors';
import {
  ALL_TENANT_KEY_MATERIAL,
  KID_SECRETS,
  TENANT_SECRETS,
  TenantModule,
  TenantSecrets,
  type SecretRequest,
} from './fixtures/secrets/tenant';
import { signWith } from './fixtures/secrets/tokens';
import { startApp, type TestApp } from './support/app';
import { connectClient, connected, connectOutcome, emitWithAck, type ConnectErrorLike } from './support/client';

const SECRET_TIMEOUT_MS = 200;

let server: TestApp;
let processErrors: ProcessErrorWatch;

beforeAll(() => {
  processErrors = watchProcessErrors();
});
afterAll(() => processErrors.stop());

afterEach(async () => {
  await server.close();
  expect(processErrors.errors).toEqual([]);
  const logged = server.logger.lines.join('\n');
  for (const secret of ALL_TENANT_KEY_MATERIAL) expect(logged).not.toContain(secret);
});

function start(jwtModule: DynamicModule): Promise<TestApp> {
  return startApp({ jwtModule, gateways: [guardedGateway()], imports: [TenantModule] });
}

function tenantToken(tenant: string, secret: string = TENANT_SECRETS[tenant] ?? 'some-other-secret'): string {
  return signWith({ sub: `user-of-${tenant}`, tenant }, secret, { expiresIn: '1h' });
}

function kidToken(kid: string, secret: string = KID_SECRETS[kid] ?? 'some-other-secret'): string {
  return signWith({ sub: `user-of-${kid}` }, secret, { expiresIn: '1h', keyid: kid });
}

async function expectAccepted(token: string, client?: string): Promise<void> {
  const socket = await connected(connectClient(server.url, { auth: { token, client } }));
  const sub = (await emitWithAck<{ sub: string }>(socket, 'whoami')).sub;
  expect(sub).toMatch(/^user-of-/);
}

/** Expects a refusal with `code`, with no key material in what the client sees, then a valid client. */
async function expectRefused(token: string, code: string): Promise<ConnectErrorLike> {
  const connectedBefore = server.log.connected.length;
  const outcome = await connectOutcome(connectClient(server.url, { auth: { token } }));
  expect(outcome).not.toBe('connected');
  const error = outcome as ConnectErrorLike;
  expect(error.data?.code).toBe(code);
  for (const secret of ALL_TENANT_KEY_MATERIAL) expect(JSON.stringify(error)).not.toContain(secret);
  expect(server.log.connected).toHaveLength(connectedBefore);
  await expectAccepted(tenantToken('acme'));
  return error;
}

function providerRequests(): SecretRequest[] {
  return (server.app.get(SecretProvider, { strict: false }) as TenantSecrets).requests;
}

describe('a custom SecretProvider class (forRoot({ secretProvider }))', () => {
  beforeEach(async () => {
    server = await start(JwtSocketModule.forRoot({ secretTimeout: SECRET_TIMEOUT_MS, secretProvider: TenantSecrets }));
  });

  it('verifies each tenant with its own secret', async () => {
    await expectAccepted(tenantToken('acme'));
    await expectAccepted(tenantToken('globex'));
    expect(server.log.connected.map((entry) => entry.sub)).toEqual(['user-of-acme', 'user-of-globex']);
  });

  it("refuses a tenant's token signed with another tenant's secret", async () => {
    await expectRefused(tenantToken('acme', TENANT_SECRETS.globex), 'invalid_token');
    await expectRefused(tenantToken('globex', TENANT_SECRETS.acme), 'invalid_token');
  });

  it('picks the key by the kid header and sees the header, payload and handshake', async () => {
    await expectAccepted(kidToken('k-2024'), 'mobile-app');
    expect(providerRequests()).toContainEqual({ kid: 'k-2024', tenant: undefined, client: 'mobile-app' });
  });

  it('sees the unverified tenant claim', async () => {
    await expectAccepted(tenantToken('globex'), 'web');
    expect(providerRequests()).toEqual([{ kid: undefined, tenant: 'globex', client: 'web' }]);
  });

  it.each<[string, string]>([
    ['throws', 'throws'],
    ['rejects', 'rejects'],
    ['returns undefined', 'undefined'],
    ['resolves undefined', 'resolves-undefined'],
    ["returns ''", 'empty'],
    ['never answers (secretTimeout)', 'silent'],
    ['returns a private key', 'private-key'],
    ['returns a PEM it cannot parse', 'broken-pem'],
    ['knows no such tenant', 'unknown-tenant'],
  ])('answers with secret_unavailable when the provider %s', async (_label, tenant) => {
    await expectRefused(tenantToken(tenant), 'secret_unavailable');
  });

  it('answers an unknown kid with secret_unavailable', async () => {
    await expectRefused(kidToken('k-unknown'), 'secret_unavailable');
  });

  it('logs a provider failure without key material', async () => {
    await expectRefused(tenantToken('throws'), 'secret_unavailable');
    expect(server.logger.lines.some((line) => line.includes('tenant directory is offline'))).toBe(true);
  });

  it('passes the code and message of an UnauthorizedError the provider throws', async () => {
    const error = await expectRefused(tenantToken('refuses'), 'invalid_token');
    expect(error.message).toBe('Unknown tenant');
  });

  it('passes the code of an UnauthorizedError the provider rejects with', async () => {
    const error = await expectRefused(tenantToken('refuses-async'), 'invalid_claims');
    expect(error.message).toBe('Tenant is suspended');
  });
});

describe('a custom SecretProvider with forRootAsync', () => {
  it('injects the provider dependencies and applies the factory options', async () => {
    server = await start(
      JwtSocketModule.forRootAsync({
        imports: [TenantModule],
        useFactory: () => ({ secretTimeout: SECRET_TIMEOUT_MS }),
        secretProvider: TenantSecrets,
      }),
    );
    await expectAccepted(tenantToken('acme'));
    await expectRefused(tenantToken('silent'), 'secret_unavailable');
  });
});

/** Predecessor-style `secret` functions, each recording what it was called with. */
describe('legacy secret functions', () => {
  const secretOfTenant = (payload: JwtPayload) => TENANT_SECRETS[String(payload.tenant)];

  function startWithSecret(secret: unknown): Promise<TestApp> {
    return start(JwtSocketModule.forRoot({ secret: secret as SecretKey, secretTimeout: SECRET_TIMEOUT_MS }));
  }

  it('accepts the thream form async ({ header, payload }) => key', async () => {
    const seen: Array<{ kid: unknown; client: unknown }> = [];
    server = await startWithSecret(async ({ header, payload, handshake }: SecretContext) => {
      seen.push({ kid: header.kid, client: (handshake.auth as Record<string, unknown>).client });
      return header.kid ? KID_SECRETS[header.kid] : secretOfTenant(payload);
    });
    await expectAccepted(kidToken('k-2024'), 'web');
    expect(seen).toContainEqual({ kid: 'k-2024', client: 'web' });
    await expectRefused(tenantToken('acme', TENANT_SECRETS.globex), 'invalid_token');
  });

  it('accepts the auth0 form (request, payload, callback)', async () => {
    const clients: unknown[] = [];
    server = await startWithSecret(
      (request: JwtSocketHandshake, payload: JwtPayload, callback: (error: unknown, key?: SecretKey) => void) => {
        clients.push((request.auth as Record<string, unknown>).client);
        callback(null, secretOfTenant(payload));
      },
    );
    await expectAccepted(tenantToken('globex'), 'legacy-client');
    expect(clients).toContain('legacy-client');
    await expectRefused(tenantToken('globex', TENANT_SECRETS.acme), 'invalid_token');
  });

  it('accepts the auth0 form (request, header, payload, callback)', async () => {
    const kids: unknown[] = [];
    server = await startWithSecret(
      (
        _request: JwtSocketHandshake,
        header: JwtHeader,
        payload: JwtPayload,
        callback: (error: unknown, key?: SecretKey) => void,
      ) => {
        kids.push(header.kid);
        callback(null, header.kid ? KID_SECRETS[header.kid] : secretOfTenant(payload));
      },
    );
    await expectAccepted(kidToken('k-2024'));
    expect(kids).toContain('k-2024');
  });

  it('answers a callback of (null, undefined) with secret_unavailable instead of hanging', async () => {
    server = await startWithSecret(
      (_request: JwtSocketHandshake, payload: JwtPayload, callback: (error: unknown, key?: SecretKey) => void) =>
        callback(null, payload.tenant === 'acme' ? TENANT_SECRETS.acme : undefined),
    );
    await expectRefused(tenantToken('globex'), 'secret_unavailable');
  });

  it('answers a callback with an error with secret_unavailable', async () => {
    server = await startWithSecret(
      (_request: JwtSocketHandshake, payload: JwtPayload, callback: (error: unknown, key?: SecretKey) => void) =>
        payload.tenant === 'acme' ? callback(null, TENANT_SECRETS.acme) : callback(new Error('no such tenant')),
    );
    await expectRefused(tenantToken('globex'), 'secret_unavailable');
  });

  it('answers a callback that is never called with secret_unavailable after secretTimeout', async () => {
    server = await startWithSecret(
      (_request: JwtSocketHandshake, payload: JwtPayload, callback: (error: unknown, key?: SecretKey) => void) => {
        if (payload.tenant === 'acme') callback(null, TENANT_SECRETS.acme);
      },
    );
    await expectRefused(tenantToken('globex'), 'secret_unavailable');
  });
});
