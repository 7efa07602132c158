import { JWT_SOCKET_ERROR_MESSAGES, JwtSocketErrorCode } from './error-codes';

/** `data.type` of every refusal payload, as `socketio-jwt` clients expect it. */
export const UNAUTHORIZED_ERROR_TYPE = 'UnauthorizedError';

/** What travels to the client in `err.data`, as the predecessors sent it. */
export interface UnauthorizedErrorData {
  type: typeof UNAUTHORIZED_ERROR_TYPE;
  code: JwtSocketErrorCode;
  message: string;
}

/** The JSON a client receives with `unauthorized` and `exception`. */
export interface UnauthorizedPayload {
  message: string;
  data: UnauthorizedErrorData;
}

/**
 * The one error type the library rejects with. socket.io forwards `message` and `data` of a
 * middleware error to the client's `connect_error`.
 */
export class UnauthorizedError extends Error {
  readonly type = UNAUTHORIZED_ERROR_TYPE;
  readonly data: UnauthorizedErrorData;

  /** `options.cause` keeps the underlying failure for server-side logs; it is never sent to the client. */
  constructor(
    readonly code: JwtSocketErrorCode,
    message: string = JWT_SOCKET_ERROR_MESSAGES[code] ?? 'Unauthorized',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = UNAUTHORIZED_ERROR_TYPE;
    this.data = { type: UNAUTHORIZED_ERROR_TYPE, code, message };
  }

  /** The payload sent to the client: `{ message, data: { type, code, message } }`. */
  toJSON(): UnauthorizedPayload {
    return { message: this.message, data: this.data };
  }
}

/**
 * True for an `UnauthorizedError`, for a client's `connect_error` carrying one, and for the
 * payload of `unauthorized` or a guard's `exception`.
 */
export function isUnauthorizedError(value: unknown): value is { message: string; data: UnauthorizedErrorData } {
  if (value instanceof UnauthorizedError) return true;
  if (typeof value !== 'object' || value === null) return false;
  const data = (value as { data?: unknown }).data;
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { type?: unknown }).type === UNAUTHORIZED_ERROR_TYPE &&
    typeof (data as { code?: unknown }).code === 'string'
  );
}
