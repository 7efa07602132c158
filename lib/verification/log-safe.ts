/** What the library writes to logs about client input and failures: short, and never key or token material. */

/** A log-safe description: the message only, never the value (which could hold key material). */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : typeof error;
}

/** A short rendering of a client-chosen value (a `kid`, an `iss`, a JWK member): names and parameters only. */
export function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
