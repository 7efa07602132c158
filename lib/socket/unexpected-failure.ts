import { Logger } from '@nestjs/common';
import { JwtSocketErrorCode } from '../protocol/error-codes';
import { UnauthorizedError } from '../protocol/unauthorized-error';
import { describeError } from '../verification/log-safe';

const logger = new Logger('JwtSocket');

/**
 * What a refused socket is told. An `UnauthorizedError` is a refusal the library (or the app)
 * chose; anything else is a bug or a failing app callback: logged for the operator, message only,
 * and refused as `authentication_rejected` without telling the client why.
 */
export function toUnauthorizedError(error: unknown): UnauthorizedError {
  if (error instanceof UnauthorizedError) return error;
  logUnexpected(error);
  return new UnauthorizedError(JwtSocketErrorCode.AUTHENTICATION_REJECTED);
}

export function logUnexpected(error: unknown): void {
  logger.error(`Unexpected authentication failure: ${describeError(error)}`);
}
