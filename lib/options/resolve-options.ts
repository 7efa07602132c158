import { describeReceived, JwtSocketConfigError } from './config-error';
import { assertNonNegative } from './number-checks';
import { MAX_TIMER_DELAY_MS } from '../socket/expiry-schedule';
import {
  DEFAULT_DECODED_PROPERTY_NAME,
  DEFAULT_IDENTITY_ROOMS,
  DEFAULT_EVENT_MODE_TIMEOUT_MS,
  DEFAULT_MAX_TOKEN_LENGTH,
  DEFAULT_SECRET_TIMEOUT_MS,
  DEFAULT_USER_PROPERTY_NAME,
} from './defaults';
import { assertKeySourceOptions, resolveIssuerStaticKeys } from './check-key-sources';
import { assertAlgorithmsAllowed, assertAlgorithmsFitKey, resolveConfiguredKey } from './check-keys';
import type { JwtSocketModuleOptions, ResolvedJwtSocketOptions } from './module-options';
import ms from 'ms';

/** ms 2 (jsonwebtoken's parser) returns undefined for a string it cannot read; its typings say otherwise. */
const parseTimespanMs = ms as unknown as (value: string) => number | undefined;

const EXPIRED_TOKEN_ACTIONS = ['disconnect', 'reject-events', 'ignore'];

/** Applies the defaults and fails loudly on a misconfiguration, at bootstrap. */
export function resolveJwtSocketOptions(options: JwtSocketModuleOptions | undefined): ResolvedJwtSocketOptions {
  if (!options || typeof options !== 'object') {
    throw new JwtSocketConfigError('JwtSocketModule: options are required');
  }
  const resolved: ResolvedJwtSocketOptions = {
    ...options,
    handshake: options.handshake ?? true,
    tokenFromQuery: options.tokenFromQuery ?? false,
    timeout: options.timeout ?? DEFAULT_EVENT_MODE_TIMEOUT_MS,
    callback: options.callback ?? false,
    secretTimeout: options.secretTimeout ?? DEFAULT_SECRET_TIMEOUT_MS,
    maxTokenLength: options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH,
    clockTolerance: options.clockTolerance ?? 0,
    decodedPropertyName: options.decodedPropertyName ?? DEFAULT_DECODED_PROPERTY_NAME,
    userPropertyName: options.userPropertyName ?? DEFAULT_USER_PROPERTY_NAME,
    expiredTokenAction: options.expiredTokenAction ?? 'disconnect',
    disconnectOnRefreshFailure: options.disconnectOnRefreshFailure ?? false,
    allowSubjectChange: options.allowSubjectChange ?? false,
    stripHandshakeToken: options.stripHandshakeToken ?? true,
    identityRooms: options.identityRooms ?? DEFAULT_IDENTITY_ROOMS,
  };
  if (resolved.algorithms !== undefined) assertAlgorithmsAllowed(resolved.algorithms);
  if (resolved.secret !== undefined && typeof resolved.secret !== 'function') {
    resolved.secretKey = resolveConfiguredKey('secret', resolved.secret);
    if (resolved.algorithms) assertAlgorithmsFitKey(resolved.algorithms, resolved.secretKey);
  }
  assertClaimRequirements(resolved);
  if (resolved.maxAge !== undefined) resolved.maxAgeSeconds = maxAgeInSeconds(resolved.maxAge);
  assertKeySourceOptions(resolved);
  if (resolved.issuers) resolved.issuerStaticKeys = resolveIssuerStaticKeys(resolved.issuers, resolved.algorithms);
  assertNonNegative('timeout', resolved.timeout);
  assertTimerDelay('timeout', resolved.timeout);
  assertNonNegative('secretTimeout', resolved.secretTimeout, { positive: true });
  assertTimerDelay('secretTimeout', resolved.secretTimeout);
  assertNonNegative('maxTokenLength', resolved.maxTokenLength, { positive: true });
  assertNonNegative('clockTolerance', resolved.clockTolerance);
  if (resolved.callback !== false) {
    assertNonNegative('callback', resolved.callback);
    assertTimerDelay('callback', resolved.callback);
  }
  if (!EXPIRED_TOKEN_ACTIONS.includes(resolved.expiredTokenAction)) {
    throw new JwtSocketConfigError(
      `JwtSocketModule: \`expiredTokenAction\` must be one of ${EXPIRED_TOKEN_ACTIONS.join(', ')}`,
    );
  }
  assertPropertyName('decodedPropertyName', resolved.decodedPropertyName);
  assertPropertyName('userPropertyName', resolved.userPropertyName);
  if (resolved.decodedPropertyName === resolved.userPropertyName) {
    throw new JwtSocketConfigError(
      'JwtSocketModule: `decodedPropertyName` and `userPropertyName` must differ (the user would overwrite the claims)',
    );
  }
  if (resolved.encodedPropertyName !== undefined) {
    assertPropertyName('encodedPropertyName', resolved.encodedPropertyName);
    // The raw token would replace what socket.io ships in fetchSockets() (`data`, `handshake`) or relies on.
    if (resolved.encodedPropertyName in SOCKET_OWN_PROPERTIES) {
      throw new JwtSocketConfigError(
        `JwtSocketModule: \`encodedPropertyName\` ${JSON.stringify(resolved.encodedPropertyName)} is a socket.io Socket property; choose a name of your own (e.g. 'encoded_token')`,
      );
    }
  }
  assertIdentityRooms(resolved.identityRooms);
  if (resolved.onAuthenticated !== undefined && typeof resolved.onAuthenticated !== 'function') {
    throw new JwtSocketConfigError('JwtSocketModule: `onAuthenticated` must be a function');
  }
  return resolved;
}

/**
 * An empty `audience`, `issuer` or `subject` reaches jsonwebtoken as "no requirement": a typo or an
 * unset variable would silently accept every `aud`/`iss`/`sub`. Each must name something.
 */
function assertClaimRequirements(options: ResolvedJwtSocketOptions): void {
  const { audience, issuer, subject } = options;
  if (audience !== undefined) {
    const audiences = Array.isArray(audience) ? audience : [audience];
    // `new RegExp('')` (an unset variable) matches every `aud` just as an empty string would.
    const usable = (each: unknown) =>
      (typeof each === 'string' && each.length > 0) || (each instanceof RegExp && each.source !== '(?:)');
    if (audiences.length === 0 || !audiences.every(usable)) {
      throw new JwtSocketConfigError(
        'JwtSocketModule: `audience` must be a non-empty string or RegExp, or a non-empty array of them (an empty value would accept any `aud`)',
      );
    }
  }
  if (issuer !== undefined) {
    const issuers = Array.isArray(issuer) ? issuer : [issuer];
    if (issuers.length === 0 || !issuers.every((each) => typeof each === 'string' && each.length > 0)) {
      throw new JwtSocketConfigError(
        'JwtSocketModule: `issuer` must be a non-empty string or a non-empty array of them (an empty value would accept any `iss`)',
      );
    }
  }
  if (subject !== undefined && (typeof subject !== 'string' || subject.length === 0)) {
    throw new JwtSocketConfigError(
      'JwtSocketModule: `subject` must be a non-empty string (an empty value would accept any `sub`)',
    );
  }
}

/** `maxAge` as jsonwebtoken reads it: seconds, or a timespan such as `'2h'` (the `ms` package's syntax). */
function maxAgeInSeconds(maxAge: unknown): number {
  // ms throws on an empty string rather than answering undefined.
  const milliseconds = typeof maxAge === 'string' && maxAge.trim() !== '' ? parseTimespanMs(maxAge) : undefined;
  const value = typeof maxAge === 'number' ? maxAge : milliseconds === undefined ? undefined : milliseconds / 1000;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new JwtSocketConfigError(
      'JwtSocketModule: `maxAge` must be a positive number of seconds or a timespan such as "2h"',
    );
  }
  return value;
}

/** `identityRooms`: which claims name a room; a typo (`'subject'`) would silently join none. */
function assertIdentityRooms(value: unknown): void {
  const known = (each: unknown) => (DEFAULT_IDENTITY_ROOMS as readonly unknown[]).includes(each);
  const unknown = Array.isArray(value) ? value.find((each) => !known(each)) : value;
  if (!Array.isArray(value) || unknown !== undefined) {
    const received = typeof unknown === 'string' ? JSON.stringify(unknown) : describeReceived(unknown);
    throw new JwtSocketConfigError(
      `JwtSocketModule: \`identityRooms\` must be an array of 'sub' and 'jti' (or [] for none); received ${received}`,
    );
  }
}

/** Node fires a timer at once (with a warning) for a delay above 2^31 - 1 ms, about 24.8 days. */
function assertTimerDelay(name: string, value: number): void {
  if (value > MAX_TIMER_DELAY_MS) {
    throw new JwtSocketConfigError(
      `JwtSocketModule: \`${name}\` must be at most ${MAX_TIMER_DELAY_MS} ms (about 24.8 days): Node fires longer timers at once`,
    );
  }
}

/** Keys of `socket.data` / the socket: a non-empty name that is not an Object.prototype member. */
function assertPropertyName(name: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0 || value in Object.prototype) {
    throw new JwtSocketConfigError(
      `JwtSocketModule: \`${name}\` must be a non-empty string that is not an Object.prototype member (such as __proto__); received ${typeof value === 'string' ? JSON.stringify(value) : describeReceived(value)}`,
    );
  }
}

/** What a socket.io Socket carries itself (socket.io 4): an `encodedPropertyName` must not replace any of it. */
const SOCKET_OWN_PROPERTIES: Readonly<Record<string, true>> = Object.fromEntries(
  [
    'id',
    'pid',
    'nsp',
    'client',
    'conn',
    'server',
    'adapter',
    'data',
    'handshake',
    'rooms',
    'connected',
    'disconnected',
    'recovered',
    'acks',
    'fns',
    'flags',
    'request',
    'broadcast',
    'volatile',
    'local',
    'timeout',
    'emit',
    'on',
    'once',
    'join',
    'leave',
    'disconnect',
    'use',
    'send',
    'write',
    'to',
    'in',
    'except',
    'compress',
  ].map((key) => [key, true]),
);
