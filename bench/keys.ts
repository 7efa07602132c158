import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import type { ServerKeys } from './protocol';

/** How a scenario's tokens are signed. Each kind has a valid key and an impostor key. */
export type KeyKind = 'hs256' | 'rs256';

export interface TokenPool {
  valid: string[];
  /** Same claims, signed with another key: the signature check must refuse them. */
  invalid: string[];
}

interface Signer {
  algorithm: 'HS256' | 'RS256';
  key: string | KeyObject;
  impostorKey: string | KeyObject;
}

export interface BenchKeys {
  server: ServerKeys;
  signers: Record<KeyKind, Signer>;
}

export function generateKeys(): BenchKeys {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const impostorRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const hs256Secret = randomBytes(32).toString('hex');
  return {
    server: {
      hs256Secret,
      rs256PublicKeyPem: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    },
    signers: {
      hs256: { algorithm: 'HS256', key: hs256Secret, impostorKey: randomBytes(32).toString('hex') },
      rs256: { algorithm: 'RS256', key: rsa.privateKey, impostorKey: impostorRsa.privateKey },
    },
  };
}

/** One distinct token per connection (`sub` differs), valid for an hour. */
export function createTokenPool(keys: BenchKeys, kind: KeyKind, size: number): TokenPool {
  const { algorithm, key, impostorKey } = keys.signers[kind];
  const signAll = (signingKey: string | KeyObject) =>
    Array.from({ length: size }, (_, index) =>
      sign({ sub: `user-${index}` }, signingKey, { algorithm, expiresIn: '1h' }),
    );
  return { valid: signAll(key), invalid: signAll(impostorKey) };
}
