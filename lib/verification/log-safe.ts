/** What the library writes to logs about client input and failures: short, and never key or token material. */

/** A log-safe description: the message only, never the value (which could hold key material). */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : typeof error;
}

/** A short rendering of a client-chosen value (a `kid`, an `iss`, a JWK member): names and parameters only. */
export function quote(value: unknown): string {
  // JSON leaves U+2028/U+2029 as they are; some log viewers break lines on them.
  const text = (JSON.stringify(value) ?? typeof value).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
