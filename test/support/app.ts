import {
  Module,
  type DynamicModule,
  type INestApplication,
  type LoggerService,
  type Provider,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { JwtSocketIoAdapter } from '../../lib';
import { CallLog } from '../fixtures/core/gateways';
import { closeClients } from './client';

/** Collects every log line, so tests can assert what the server logged (and that no secret leaked). */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown) {
    this.lines.push(`log ${String(message)}`);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.lines.push(`error ${String(message)} ${rest.map(String).join(' ')}`);
  }
  warn(message: unknown) {
    this.lines.push(`warn ${String(message)}`);
  }
  debug(message: unknown) {
    this.lines.push(`debug ${String(message)}`);
  }
  verbose() {}
}

export interface TestApp {
  app: INestApplication;
  url: string;
  log: CallLog;
  logger: CapturingLogger;
  close(): Promise<void>;
}

export interface TestAppOptions {
  jwtModule: DynamicModule;
  gateways: Type[];
  imports?: Array<DynamicModule | Type>;
  providers?: Provider[];
  adapter?: (app: INestApplication) => JwtSocketIoAdapter;
  /** Listen backlog, for crowds larger than Node's default of 511 simultaneous connects. */
  backlog?: number;
}

interface ListenWithBacklog {
  listen(port: number, host: string, backlog?: number): Promise<unknown>;
}

/** A real Nest app on an ephemeral loopback port, with the given gateways and JwtSocketModule. */
export async function startApp(options: TestAppOptions): Promise<TestApp> {
  @Module({
    imports: [options.jwtModule, ...(options.imports ?? [])],
    providers: [CallLog, ...options.gateways, ...(options.providers ?? [])],
  })
  class TestAppModule {}

  const logger = new CapturingLogger();
  const app = await NestFactory.create(TestAppModule, { logger, abortOnError: false });
  app.useWebSocketAdapter(options.adapter ? options.adapter(app) : new JwtSocketIoAdapter(app));
  // Nest hands the extra arguments to http.Server#listen(port, host, backlog).
  await (app as unknown as ListenWithBacklog).listen(0, '127.0.0.1', options.backlog);
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    log: app.get(CallLog),
    logger,
    close: async () => {
      closeClients();
      await app.close();
    },
  };
}
