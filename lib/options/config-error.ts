/**
 * The one error a misconfiguration throws, at bootstrap: a missing or unusable key, an option of
 * the wrong type or out of range, a forgotten module or adapter. Its message names the option,
 * what was received (its type, never its value) and what is accepted.
 */
export class JwtSocketConfigError extends Error {
  readonly code = 'ERR_JWT_SOCKET_CONFIG';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JwtSocketConfigError';
  }
}

/** Names what was received without its value (which may be a secret): `undefined`, `number`, `object`... */
export function describeReceived(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length === 0 ? 'an empty string' : 'a string';
  if (Buffer.isBuffer(value)) return value.length === 0 ? 'an empty Buffer' : 'a Buffer';
  return typeof value === 'object' ? `an object (${value.constructor?.name ?? 'no prototype'})` : typeof value;
}
