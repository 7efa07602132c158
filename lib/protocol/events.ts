/** Event names of the wire protocol spoken by `socketio-jwt` clients. */
export const JwtSocketEvent = {
  /** client → server: `{ token }` to authenticate (event mode) or refresh (both modes). */
  AUTHENTICATE: 'authenticate',
  /** server → client: the token was accepted. */
  AUTHENTICATED: 'authenticated',
  /** server → client: `{ message, data: { type, code, message } }`. */
  UNAUTHORIZED: 'unauthorized',
  /** server → client: what Nest emits when a guard refuses an event. */
  EXCEPTION: 'exception',
} as const;
