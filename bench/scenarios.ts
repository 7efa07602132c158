import type { CanActivate, DynamicModule, INestApplication, Type, WebSocketAdapter } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { JwtSocketGuard, JwtSocketIoAdapter, JwtSocketModule, type JwtSocketModuleOptions } from '../lib';
import { ThreamDecodedTokenGuard } from './gateway';
import { serveJwks } from './jwks-endpoint';
import type { KeyKind } from './keys';
import type { ServerKeys } from './protocol';
import { ThreamIoAdapter } from './thream-io-adapter';

/** What a scenario's server process builds: the app's extra imports, its adapter, the guard of `guarded`. */
export interface ServerSetup {
  imports: DynamicModule[];
  adapter(app: INestApplication): WebSocketAdapter;
  guard?: Type<CanActivate>;
}

export interface Scenario {
  name: string;
  summary: string;
  /** `handshake`: token in `auth.token`; `event`: `authenticate { token }` after connecting. */
  protocol: 'handshake' | 'event';
  keyKind: KeyKind;
  /** False for the no-auth baseline, which lets every token in by design. */
  authenticates: boolean;
  /** This library: the targets about guard cost and heap apply. */
  isLibrary: boolean;
  /** Runs in the server process. */
  server(keys: ServerKeys): ServerSetup | Promise<ServerSetup>;
}

function thisLibrary(options: JwtSocketModuleOptions): ServerSetup {
  return {
    imports: [JwtSocketModule.forRoot(options)],
    adapter: (app) => new JwtSocketIoAdapter(app),
    guard: JwtSocketGuard,
  };
}

/** One entry per scenario; `none` is the baseline every ratio divides by. */
export const SCENARIOS: Scenario[] = [
  {
    name: 'none',
    summary: 'same gateway, plain IoAdapter, no authentication (the limit)',
    protocol: 'handshake',
    keyKind: 'hs256',
    authenticates: false,
    isLibrary: false,
    server: () => ({ imports: [], adapter: (app) => new IoAdapter(app) }),
  },
  {
    name: 'thream',
    summary: '@thream/socketio-jwt 3.1.4 via server.use() in a custom IoAdapter, secret as a string (its README)',
    protocol: 'handshake',
    keyKind: 'hs256',
    authenticates: true,
    isLibrary: false,
    server: (keys) => ({
      imports: [],
      adapter: (app) => new ThreamIoAdapter(app, keys.hs256Secret),
      guard: ThreamDecodedTokenGuard,
    }),
  },
  {
    name: 'handshake',
    summary: 'this library, handshake mode, HS256 secret',
    protocol: 'handshake',
    keyKind: 'hs256',
    authenticates: true,
    isLibrary: true,
    server: (keys) => thisLibrary({ secret: keys.hs256Secret }),
  },
  {
    name: 'event',
    summary: 'this library, event mode (`authenticate` after connecting), HS256 secret',
    protocol: 'event',
    keyKind: 'hs256',
    authenticates: true,
    isLibrary: true,
    server: (keys) => thisLibrary({ secret: keys.hs256Secret, handshake: false }),
  },
  {
    name: 'rs256',
    summary: 'this library, handshake mode, RS256 public key (PEM)',
    protocol: 'handshake',
    keyKind: 'rs256',
    authenticates: true,
    isLibrary: true,
    server: (keys) => thisLibrary({ secret: keys.rs256PublicKeyPem, algorithms: ['RS256'] }),
  },
  {
    name: 'jwks',
    summary: 'this library, handshake mode, the RS256 key from a local JWKS endpoint (built-in JWKS provider)',
    protocol: 'handshake',
    keyKind: 'rs256',
    authenticates: true,
    isLibrary: true,
    server: async (keys) =>
      thisLibrary({
        jwks: { jwksUri: keys.jwksUri ?? (await serveJwks(keys.rs256PublicKeyPem)) },
        algorithms: ['RS256'],
      }),
  },
];

export const BASELINE = 'none';

export function findScenario(name: string): Scenario {
  const scenario = SCENARIOS.find((candidate) => candidate.name === name);
  if (!scenario) throw new Error(`unknown scenario "${name}" (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
  return scenario;
}
