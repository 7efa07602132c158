import {
  applyDecorators,
  Injectable,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
  type Type,
} from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway, WebSocketServer, type OnGatewayConnection } from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';

/** What the control channel reads from the gateway. */
export interface BenchGatewayInstance {
  server: Server;
  connections: number;
}

/**
 * The one gateway of every scenario, on the root namespace. `open` and `guarded` are the same
 * handler; only `guarded` carries `guard` (none for the no-auth baseline).
 */
export function benchGateway(guard?: Type<CanActivate>): Type<BenchGatewayInstance> {
  const Guarded = guard ? UseGuards(guard) : applyDecorators();

  @WebSocketGateway()
  class BenchGateway implements OnGatewayConnection, BenchGatewayInstance {
    @WebSocketServer() server!: Server;
    connections = 0;

    handleConnection(): void {
      this.connections++;
    }

    @SubscribeMessage('open')
    open(): string {
      return 'ok';
    }

    @Guarded
    @SubscribeMessage('guarded')
    guarded(): string {
      return 'ok';
    }
  }
  return BenchGateway;
}

/**
 * The per-event check a `@thream/socketio-jwt` user writes, since that library ships none: the
 * middleware set `socket.decodedToken`.
 */
@Injectable()
export class ThreamDecodedTokenGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const socket = context.switchToWs().getClient<Socket & { decodedToken?: unknown }>();
    return socket.decodedToken !== undefined;
  }
}
