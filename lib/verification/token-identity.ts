/**
 * Who a token names: its `sub` and `jti` as the strings that name them in rooms, revocations and
 * recovery, the same on every node.
 */

/**
 * Filled in by the verifier as soon as a token is decoded, before any await (unverified on the
 * key-lookup path), so a revocation that arrives while the token is verified can find it.
 */
export interface TokenIdentity {
  subject?: string;
  tokenId?: string;
}

/**
 * `sub` or `jti` as the string that names it: a non-empty string, or a safe integer stringified (a
 * larger number would name someone else after rounding). Anything else (the verifier refuses it)
 * is undefined.
 */
export function identityClaim(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}
