import { JwtSocketConfigError } from '../options/config-error';
import { Injectable, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import { JwtSocketServers } from './server-registry';

/** `@WebSocketGateway()`'s metadata key (`GATEWAY_METADATA` of @nestjs/websockets, whose constants are not an entry point). */
const GATEWAY_METADATA = 'websockets:is_gateway';

/**
 * Fails the bootstrap of an app that imports JwtSocketModule and has gateways whose servers were
 * not created by JwtSocketIoAdapter: without it every socket connects unauthenticated.
 * Nest creates the gateways' servers before `onApplicationBootstrap`.
 */
@Injectable()
export class JwtSocketAdapterCheck implements OnApplicationBootstrap {
  constructor(
    private readonly modules: ModulesContainer,
    private readonly servers: JwtSocketServers,
    @Optional() private readonly httpAdapterHost?: HttpAdapterHost,
  ) {}

  onApplicationBootstrap(): void {
    // A standalone application context connects no gateway.
    if (!this.httpAdapterHost?.httpAdapter) return;
    if (this.servers.managedServers().size > 0) return;
    const gateways = this.gatewayNames();
    if (gateways.length === 0) return;
    throw new JwtSocketConfigError(
      `JwtSocketModule: the gateways ${gateways.join(', ')} were not created by JwtSocketIoAdapter, so their sockets ` +
        'would connect unauthenticated. Add `app.useWebSocketAdapter(new JwtSocketIoAdapter(app));` in main.ts before ' +
        '`app.listen()` (to compose another socket.io adapter, extend JwtSocketIoAdapter and override createIOServer).',
    );
  }

  private gatewayNames(): string[] {
    const names = new Set<string>();
    for (const module of this.modules.values()) {
      for (const wrapper of module.providers.values()) {
        const type = wrapper.metatype;
        if (typeof type === 'function' && Reflect.getMetadata(GATEWAY_METADATA, type) === true) names.add(type.name);
      }
    }
    return [...names];
  }
}
