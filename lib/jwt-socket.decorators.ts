import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { getDecodedToken, getEncodedToken } from './socket/session-state';

function clientOf(context: ExecutionContext): Socket {
  return context.switchToWs().getClient<Socket>();
}

/** `@DecodedToken()` the verified claims; `@DecodedToken('sub')` one claim. */
export const DecodedToken = createParamDecorator((claim: string | undefined, context: ExecutionContext) => {
  const claims = getDecodedToken(clientOf(context));
  return claim === undefined ? claims : claims?.[claim];
});

/** `@EncodedToken()` the raw token the socket authenticated with (kept on this node only). */
export const EncodedToken = createParamDecorator((_: unknown, context: ExecutionContext) =>
  getEncodedToken(clientOf(context)),
);
