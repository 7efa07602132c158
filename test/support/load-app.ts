import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { JwtSocketIoAdapter } from '../../lib';
import { CallLog } from '../fixtures/gateways';
import { CapturingLogger, type TestApp, type TestAppOptions } from './app';
import { closeClients } from './client';

interface ListenWithBacklog {
  listen(port: number, host: string, backlog: number): Promise<unknown>;
}

/**
 * `startApp` with a listen backlog that holds a whole crowd. With Node's default (511), 2,000
 * simultaneous connects overflow the accept queue; the kernel falls back to SYN cookies and resets
 * a few of those connections, which would fail clients for reasons outside the library.
 */
export async function startLoadApp(options: TestAppOptions, backlog: number): Promise<TestApp> {
  @Module({
    imports: [options.jwtModule, ...(options.imports ?? [])],
    providers: [CallLog, ...options.gateways, ...(options.providers ?? [])],
  })
  class LoadAppModule {}

  const logger = new CapturingLogger();
  const app = await NestFactory.create(LoadAppModule, { logger });
  app.useWebSocketAdapter(options.adapter ? options.adapter(app) : new JwtSocketIoAdapter(app));
  // Nest hands the extra arguments to http.Server#listen(port, host, backlog).
  await (app as unknown as ListenWithBacklog).listen(0, '127.0.0.1', backlog);
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

/** The soft limit on open files, when the OS tells. */
export function openFileLimit(): number | undefined {
  try {
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!match) return undefined;
    return match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** The kernel's cap on any listen backlog (`net.core.somaxconn`), when the OS tells. */
export function listenBacklogCap(): number | undefined {
  try {
    return Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
  } catch {
    return undefined;
  }
}
