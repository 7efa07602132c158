import 'reflect-metadata';
import { Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { AddressInfo } from 'node:net';
import {
  DecodedToken,
  JwtSocketGuard,
  JwtSocketIoAdapter,
  JwtSocketModule,
  type JwtSocketModuleOptions,
} from 'nestjs-socketio-jwt';
import { isUnauthorizedError, JwtSocketErrorCode } from 'nestjs-socketio-jwt/client';
import { io } from 'socket.io-client';

@UseGuards(JwtSocketGuard)
@WebSocketGateway()
class EchoGateway {
  @SubscribeMessage('whoami')
  whoami(@DecodedToken('sub') sub: string): string {
    return sub;
  }
}

const options: JwtSocketModuleOptions = { secret: 'consumer-secret' };

@Module({ imports: [JwtSocketModule.forRoot(options)], providers: [EchoGateway] })
class AppModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(AppModule, { logger: false });
  app.useWebSocketAdapter(new JwtSocketIoAdapter(app));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
  const code = await new Promise<string>((resolve) =>
    socket.on('connect_error', (error) => resolve(isUnauthorizedError(error) ? error.data.code : 'not unauthorized')),
  );
  socket.close();
  await app.close();
  if (code !== JwtSocketErrorCode.CREDENTIALS_REQUIRED) throw new Error(`unexpected code ${code}`);
  console.log('cjs consumer ok');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
