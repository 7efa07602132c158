import { sign } from 'jsonwebtoken';
import type { BenchKeys, KeyKind } from './keys';

/** Tokens of the storm and scale phases, signed once per run by the load generator. */
export interface StormTokens {
  /** One per socket, `sub: user-<i>`, valid for an hour. */
  valid: string[];
  /** Index → the same claims signed with the impostor key, for every `invalidEvery`-th socket. */
  invalid: Record<number, string>;
}

export function createStormTokens(keys: BenchKeys, kind: KeyKind, size: number, invalidEvery: number): StormTokens {
  const { algorithm, key, impostorKey } = keys.signers[kind];
  const valid = Array.from({ length: size }, (_, index) =>
    sign({ sub: `user-${index}` }, key, { algorithm, expiresIn: '1h' }),
  );
  const invalid: Record<number, string> = {};
  for (let index = 0; index < size; index += invalidEvery) {
    invalid[index] = sign({ sub: `user-${index}` }, impostorKey, { algorithm, expiresIn: '1h' });
  }
  return { valid, invalid };
}

/**
 * The cohort that measures one expiry sweep and `revokeSubject`: `sub: cohort-<i>`, all expiring at
 * the same whole second, `lifetimeSeconds` from now (`exp` has one-second precision: one sweep).
 */
export function createCohortTokens(keys: BenchKeys, kind: KeyKind, size: number, lifetimeSeconds: number): string[] {
  const { algorithm, key } = keys.signers[kind];
  const exp = Math.floor(Date.now() / 1000) + lifetimeSeconds;
  return Array.from({ length: size }, (_, index) => sign({ sub: `cohort-${index}`, exp }, key, { algorithm }));
}

/** Splits the sockets' tokens into `parts` contiguous shares, keeping each invalid token with its socket. */
export function splitTokens(tokens: StormTokens, parts: number): StormTokens[] {
  const size = Math.ceil(tokens.valid.length / parts);
  return Array.from({ length: parts }, (_, part) => {
    const start = part * size;
    const valid = tokens.valid.slice(start, start + size);
    const invalid: Record<number, string> = {};
    for (const [index, token] of Object.entries(tokens.invalid)) {
      const local = Number(index) - start;
      if (local >= 0 && local < valid.length) invalid[local] = token;
    }
    return { valid, invalid };
  });
}
