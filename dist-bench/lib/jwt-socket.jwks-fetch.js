"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.JwksFetchError = exports.MAX_JWKS_BYTES = void 0;
exports.fetchJwks = fetchJwks;
/** Larger than any real key set; bounds what a broken or hostile endpoint can make us buffer. */
exports.MAX_JWKS_BYTES = 1024 * 1024;
/**
 * GETs a key set with Node's built-in fetch and returns its parsed JSON. `timeout` bounds the
 * whole exchange, body included; `shutdown` aborts it when the module is destroyed. Errors carry a
 * short, log-safe reason (status, timeout, network error code), never the body.
 */
async function fetchJwks(url, timeout, shutdown) {
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
        return parseJson(await readLimited(response, exports.MAX_JWKS_BYTES));
    }
    catch (error) {
        throw toJwksFetchError(error, timeout);
    }
}
class JwksFetchError extends Error {
}
exports.JwksFetchError = JwksFetchError;
async function readLimited(response, limit) {
    if (!response.body)
        return '';
    const chunks = [];
    let size = 0;
    for await (const chunk of response.body) {
        size += chunk.byteLength;
        if (size > limit)
            throw new JwksFetchError(`the response is larger than ${limit} bytes`);
        chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
}
function parseJson(text) {
    try {
        return JSON.parse(text);
    }
    catch {
        throw new JwksFetchError('the response is not valid JSON');
    }
}
function toJwksFetchError(error, timeout) {
    if (error instanceof JwksFetchError)
        return error;
    const name = error?.name;
    if (name === 'TimeoutError')
        return new JwksFetchError(`no complete answer within ${timeout} ms`);
    if (name === 'AbortError')
        return new JwksFetchError('the request was aborted (shutting down)');
    const cause = error?.cause;
    const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
    return new JwksFetchError(`the request failed${detail ? ` (${detail})` : ''}`);
}
