import { Logger, UseGuards } from '@nestjs/common';
import {
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
} from '@nestjs/websockets';
import type { JwtPayload } from 'jsonwebtoken';
import type { Namespace, Socket } from 'socket.io';
import { DecodedToken, getDecodedToken, JwtSocketGuard } from '../lib';

/** The claims the demo login issues. */
export interface ChatClaims extends JwtPayload {
  sub: string;
  tenant: string;
}

export interface ChatMessage {
  from: string;
  text: string;
}

const MAX_MESSAGE_LENGTH = 500;

function tenantRoom(tenant: string): string {
  return `tenant:${tenant}`;
}

/** A chat per tenant on `/chat`: every socket here is authenticated before Nest sees it. */
@UseGuards(JwtSocketGuard)
@WebSocketGateway({ namespace: '/chat' })
export class ChatGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(ChatGateway.name);
  /** Who each open socket is: a revoked or expired socket has lost its claims by the time it leaves. */
  private readonly members = new WeakMap<Socket, ChatClaims>();

  @WebSocketServer() private readonly chat!: Namespace;

  // Guards and param decorators do not run for handleConnection: read the claims from the socket.
  handleConnection(socket: Socket): void {
    const claims = getDecodedToken<ChatClaims>(socket)!;
    this.members.set(socket, claims);
    void socket.join(tenantRoom(claims.tenant));
    socket.emit('welcome', { sub: claims.sub, tenant: claims.tenant });
    this.logger.log(`${claims.sub} joined the chat of ${claims.tenant}`);
  }

  handleDisconnect(socket: Socket): void {
    const claims = this.members.get(socket);
    if (claims) this.logger.log(`${claims.sub} left the chat of ${claims.tenant}`);
  }

  @SubscribeMessage('message')
  message(
    @MessageBody() text: unknown,
    @DecodedToken('sub') sub: string,
    @DecodedToken('tenant') tenant: string,
  ): ChatMessage {
    const message: ChatMessage = { from: sub, text: String(text).slice(0, MAX_MESSAGE_LENGTH) };
    this.chat.to(tenantRoom(tenant)).emit('message', message);
    return message;
  }

  @SubscribeMessage('whoami')
  whoami(@DecodedToken() claims: ChatClaims) {
    return { sub: claims.sub, tenant: claims.tenant, jti: claims.jti, exp: claims.exp };
  }
}
