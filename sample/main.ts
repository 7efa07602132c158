import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { JwtSocketIoAdapter } from '../lib';
import { AppModule } from './app.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  app.useWebSocketAdapter(new JwtSocketIoAdapter(app));
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
  const url = await app.getUrl();
  console.log(`Sample listening on ${url} (login: POST ${url}/auth/login, chat namespace: ${url}/chat)`);
  console.log(`Open ${url}/ in a browser to chat, or try it from another terminal: npm run sample:client`);
}

bootstrap().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
