import { verify as verifySignature, type KeyObject } from 'node:crypto';
import { JsonWebTokenError, verify, type JwtPayload, type VerifyOptions } from 'jsonwebtoken';

export const EDDSA = 'EdDSA';

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const UNSIGNED_HEADER = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');

/** The verify options that make jsonwebtoken check the claims of an already verified EdDSA token. */
export function claimsOnlyOptions(options: VerifyOptions): VerifyOptions {
  return { ...options, algorithms: ['none'] };
}

/**
 * jsonwebtoken 9 (jws/jwa) cannot verify EdDSA. The Ed25519/Ed448 signature is checked here with
 * node:crypto over the token's own `header.payload` bytes; then the SAME payload segment is handed
 * to jsonwebtoken as an unsigned token, so `exp`, `nbf`, `aud`, `iss`, `sub`, `clockTolerance` and
 * `maxAge` are enforced by the very code that enforces them for every other algorithm. The unsigned
 * form is built here, after the signature check, and never comes from a client.
 *
 * Throws jsonwebtoken's errors, so callers map them to codes exactly like the other algorithms.
 */
export function verifyEdDsa(token: string, key: KeyObject, claimOptions: VerifyOptions): string | JwtPayload {
  if (key.asymmetricKeyType !== 'ed25519' && key.asymmetricKeyType !== 'ed448') {
    throw new JsonWebTokenError('invalid algorithm');
  }
  const headerEnd = token.indexOf('.');
  const payloadEnd = token.indexOf('.', headerEnd + 1);
  const signature = token.slice(payloadEnd + 1);
  if (headerEnd <= 0 || payloadEnd <= headerEnd + 1) throw new JsonWebTokenError('jwt malformed');
  // The same errors jsonwebtoken raises for the other algorithms.
  if (signature.length === 0) throw new JsonWebTokenError('jwt signature is required');
  if (!BASE64URL.test(signature)) throw new JsonWebTokenError('invalid signature');
  if (!isValidSignature(token.slice(0, payloadEnd), signature, key)) throw new JsonWebTokenError('invalid signature');
  return verify(
    `${UNSIGNED_HEADER}.${token.slice(headerEnd + 1, payloadEnd)}.`,
    undefined as unknown as string,
    claimOptions,
  );
}

function isValidSignature(signingInput: string, signature: string, key: KeyObject): boolean {
  try {
    return verifySignature(null, Buffer.from(signingInput, 'ascii'), key, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}
