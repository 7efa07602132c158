import { createParamDecorator, Inject, type ExecutionContext } from '@nestjs/common';
import { JWT_SOCKET_RESOLVED_OPTIONS } from './options/resolved-options-token';
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

/** Injects the module's options with every default applied (`ResolvedJwtSocketOptions`), e.g. in your own SecretProvider. */
export const InjectJwtSocketOptions = (): ParameterDecorator & PropertyDecorator => Inject(JWT_SOCKET_RESOLVED_OPTIONS);
