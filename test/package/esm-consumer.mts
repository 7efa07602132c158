import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JwtSocketIoAdapter, JwtSocketModule, UnauthorizedError } from 'nestjs-socketio-jwt';
import { JwtSocketEvent } from 'nestjs-socketio-jwt/client';

@Module({
  imports: [JwtSocketModule.forRootAsync({ useFactory: () => ({ secret: 'consumer-secret', handshake: false }) })],
})
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: false });
app.useWebSocketAdapter(new JwtSocketIoAdapter(app));
await app.init();
await app.close();
const error = new UnauthorizedError('invalid_token');
if (error.data.type !== 'UnauthorizedError' || JwtSocketEvent.AUTHENTICATE !== 'authenticate')
  throw new Error('bad exports');
console.log('esm consumer ok');
