import { createParamDecorator, Inject, type ExecutionContext, type PipeTransform, type Type } from '@nestjs/common';
import { JWT_SOCKET_RESOLVED_OPTIONS } from './options/resolved-options-token';
import type { Socket } from 'socket.io';
import { getDecodedToken, getEncodedToken } from './socket/session-state';

function clientOf(context: ExecutionContext): Socket {
  return context.switchToWs().getClient<Socket>();
}

/**
 * What the decorators accept: an optional claim name, then pipes. Spelled out rather than inferred,
 * because the inferred type names `ParameterDecoratorOptions`, which @nestjs/common 12 has and 11 has
 * not: the shipped .d.ts would then fail to compile against Nest 11 with `skipLibCheck: false`.
 */
type ClaimOrPipe = string | undefined | PipeTransform | Type<PipeTransform>;

/** `@DecodedToken()` the verified claims; `@DecodedToken('sub')` one claim. */
export const DecodedToken: (...claimOrPipes: ClaimOrPipe[]) => ParameterDecorator = createParamDecorator(
  (claim: string | undefined, context: ExecutionContext) => {
    const claims = getDecodedToken(clientOf(context));
    return claim === undefined ? claims : claims?.[claim];
  },
);

/** `@EncodedToken()` the raw token the socket authenticated with (kept on this node only). */
export const EncodedToken: (...pipes: Array<PipeTransform | Type<PipeTransform>>) => ParameterDecorator =
  createParamDecorator((_: unknown, context: ExecutionContext) => getEncodedToken(clientOf(context)));

/** Injects the module's options with every default applied (`ResolvedJwtSocketOptions`), e.g. in your own SecretProvider. */
export const InjectJwtSocketOptions = (): ParameterDecorator & PropertyDecorator => Inject(JWT_SOCKET_RESOLVED_OPTIONS);
