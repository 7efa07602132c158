export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | undefined)?.then === 'function';
}

/** Settles like `promise`, or rejects after `ms` so a caller that never answers cannot hang a socket. */
export function withTimeout<T>(promise: PromiseLike<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Calls an app-provided step (a SecretProvider, a RevocationCheck, the `onAuthenticated` hook):
 * bounded by `ms` when it answers a promise, so a step that never answers cannot hang a socket.
 * A throw, a rejection or the timeout goes to `refuse`, which logs and names the refusal.
 */
export async function boundedCall<T>(
  call: () => T | PromiseLike<T>,
  ms: number,
  refuse: (error: unknown) => Error,
): Promise<T> {
  try {
    const answer = call();
    return isPromiseLike(answer) ? await withTimeout(answer, ms) : answer;
  } catch (error) {
    throw refuse(error);
  }
}
