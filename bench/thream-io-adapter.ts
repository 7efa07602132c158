import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { authorize } from '@thream/socketio-jwt';
import type { ServerOptions } from 'socket.io';

/**
 * The usual way to put `@thream/socketio-jwt` in a Nest app: its middleware on the server
 * (`server.use()`, namespace `/` only), with the secret as a string as its README shows.
 */
export class ThreamIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly secret: string,
  ) {
    super(app);
  }

  createIOServer(port: number, options?: ServerOptions) {
    const server = super.createIOServer(port, options);
    server.use(authorize({ secret: this.secret }));
    return server;
  }
}
