import {
  DEFAULT_DECODED_PROPERTY_NAME,
  DEFAULT_EVENT_MODE_TIMEOUT_MS,
  DEFAULT_MAX_TOKEN_LENGTH,
  DEFAULT_SECRET_TIMEOUT_MS,
  DEFAULT_USER_PROPERTY_NAME,
} from './jwt-socket.constants';
import { assertKeySourceOptions } from './jwt-socket.jwks-options';
import { assertAlgorithmsAllowed } from './jwt-socket.key';
import type { JwtSocketModuleOptions, ResolvedJwtSocketOptions } from './jwt-socket.options';

const EXPIRED_TOKEN_ACTIONS = ['disconnect', 'reject-events', 'ignore'];

/** Applies the defaults and fails loudly on a misconfiguration, at bootstrap. */
export function resolveJwtSocketOptions(options: JwtSocketModuleOptions | undefined): ResolvedJwtSocketOptions {
  if (!options || typeof options !== 'object') {
    throw new Error('JwtSocketModule: options are required');
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
  };
  if (resolved.algorithms !== undefined) assertAlgorithmsAllowed(resolved.algorithms);
  assertKeySourceOptions(resolved);
  assertNonNegative('timeout', resolved.timeout);
  assertPositive('secretTimeout', resolved.secretTimeout);
  assertPositive('maxTokenLength', resolved.maxTokenLength);
  assertNonNegative('clockTolerance', resolved.clockTolerance);
  if (resolved.callback !== false) assertNonNegative('callback', resolved.callback);
  if (!EXPIRED_TOKEN_ACTIONS.includes(resolved.expiredTokenAction)) {
    throw new Error(`JwtSocketModule: \`expiredTokenAction\` must be one of ${EXPIRED_TOKEN_ACTIONS.join(', ')}`);
  }
  assertPropertyName('decodedPropertyName', resolved.decodedPropertyName);
  assertPropertyName('userPropertyName', resolved.userPropertyName);
  if (resolved.onAuthenticated !== undefined && typeof resolved.onAuthenticated !== 'function') {
    throw new Error('JwtSocketModule: `onAuthenticated` must be a function');
  }
  return resolved;
}

function assertNonNegative(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`JwtSocketModule: \`${name}\` must be a non-negative number`);
  }
}

function assertPositive(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`JwtSocketModule: \`${name}\` must be a positive number`);
  }
}

function assertPropertyName(name: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new Error(`JwtSocketModule: \`${name}\` must be a non-empty string`);
  }
}
