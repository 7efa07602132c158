/** A JSON object: not null, not an array (a token payload, a JWK, an `authenticate` message, an option map). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
