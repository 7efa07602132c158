/** Larger than any real key set; bounds what a broken or hostile endpoint can make us buffer. */
export const MAX_JWKS_BYTES = 1024 * 1024;

/**
 * GETs a key set with Node's built-in fetch and returns its parsed JSON. `timeout` bounds the
 * whole exchange, body included; `shutdown` aborts it when the module is destroyed. Errors carry a
 * short, log-safe reason (status, timeout, network error code), never the body.
 */
export async function fetchJwks(url: string, timeout: number, shutdown: AbortSignal): Promise<unknown> {
  const signal = AbortSignal.any([AbortSignal.timeout(timeout), shutdown]);
  try {
    const response = await fetch(url, {
      signal,
      redirect: 'manual',
      headers: { accept: 'application/jwk-set+json, application/json' },
    });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new JwksFetchError(`HTTP status ${response.status}`);
    }
    return parseJson(await readLimited(response, MAX_JWKS_BYTES));
  } catch (error) {
    throw toJwksFetchError(error, timeout);
  }
}

export class JwksFetchError extends Error {}

async function readLimited(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) throw new JwksFetchError(`the response is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new JwksFetchError('the response is not valid JSON');
  }
}

function toJwksFetchError(error: unknown, timeout: number): JwksFetchError {
  if (error instanceof JwksFetchError) return error;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError') return new JwksFetchError(`no complete answer within ${timeout} ms`);
  if (name === 'AbortError') return new JwksFetchError('the request was aborted (shutting down)');
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const detail =
    typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return new JwksFetchError(`the request failed${detail ? ` (${detail})` : ''}`);
}
