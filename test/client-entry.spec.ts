import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';
import { authenticateSocket, isUnauthorizedError } from '../lib/client';
import { JwtSocketModule } from '../lib';
import { guardedGateway } from './fixtures/core/gateways';
import { startApp, type TestApp } from './support/app';
import { connectClient, connected, emitWithAck, nextEvent } from './support/client';
import { SECRET, signToken } from './support/tokens';

const LIB = resolve(__dirname, '../lib');
const CLIENT_ENTRY = join(LIB, 'client.ts');
const SERVER_PACKAGES = /^(@nestjs\/|jsonwebtoken$|socket\.io($|\/)|socket\.io-)/;

interface ImportGraph {
  /** Files of lib/ reached from the entry, relative to lib/. */
  files: string[];
  /** Every non-relative specifier, as written in the source (type-only imports included). */
  sourceImports: string[];
  /** Every non-relative `require()` left after compiling to CommonJS (what runs). */
  compiledRequires: string[];
}

function isRelative(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../');
}

function compiledRequiresOf(source: string): string[] {
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  return [...outputText.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]);
}

/** Walks the static imports and re-exports of `entry`, recursively, without resolving anything through node. */
function importGraphOf(entry: string): ImportGraph {
  const graph: ImportGraph = { files: [], sourceImports: [], compiledRequires: [] };
  const pending = [entry];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    graph.files.push(relative(LIB, file));
    const source = readFileSync(file, 'utf8');
    for (const { fileName } of ts.preProcessFile(source, true, true).importedFiles) {
      if (isRelative(fileName)) pending.push(join(dirname(file), `${fileName}.ts`));
      else graph.sourceImports.push(fileName);
    }
    graph.compiledRequires.push(...compiledRequiresOf(source).filter((specifier) => !isRelative(specifier)));
  }
  return graph;
}

describe('nestjs-socketio-jwt/client entry', () => {
  describe('dependency graph', () => {
    const graph = importGraphOf(CLIENT_ENTRY);

    it('walks the files the entry re-exports', () => {
      expect(graph.files).toEqual(
        expect.arrayContaining([
          'client.ts',
          'protocol/error-codes.ts',
          'protocol/unauthorized-error.ts',
          'protocol/events.ts',
          'protocol/authenticate-socket.ts',
        ]),
      );
    });

    it('imports nothing from @nestjs, jsonwebtoken or socket.io, not even types', () => {
      expect(graph.sourceImports.filter((specifier) => SERVER_PACKAGES.test(specifier))).toEqual([]);
    });

    it('requires no package at all once compiled', () => {
      expect(graph.compiledRequires).toEqual([]);
    });

    it('would notice a server import (the check itself works)', () => {
      expect(compiledRequiresOf("import { Injectable } from '@nestjs/common';\nexport const x = Injectable;")).toEqual([
        '@nestjs/common',
      ]);
      expect(ts.preProcessFile("import type { Socket } from 'socket.io';", true, true).importedFiles[0].fileName).toBe(
        'socket.io',
      );
    });
  });

  describe('authenticateSocket against an event-mode server', () => {
    let server: TestApp;

    beforeEach(async () => {
      // A long callback: only the client's ack of `unauthorized` ends a refused socket quickly.
      server = await startApp({
        jwtModule: JwtSocketModule.forRoot({ secret: SECRET, handshake: false, callback: 60_000 }),
        gateways: [guardedGateway()],
      });
    });
    afterEach(() => server.close());

    it('resolves once the server answers authenticated', async () => {
      const socket = await connected(connectClient(server.url));
      await expect(authenticateSocket(socket, signToken({ sub: 'alice' }))).resolves.toBeUndefined();
      expect(await emitWithAck(socket, 'whoami')).toMatchObject({ sub: 'alice' });
    });

    it('rejects with an isUnauthorizedError payload and acks it, so the server disconnects at once', async () => {
      const socket = await connected(connectClient(server.url));
      const disconnected = nextEvent(socket, 'disconnect');
      const failure: unknown = await authenticateSocket(socket, 'not-a-jwt').catch((error: unknown) => error);
      expect(isUnauthorizedError(failure)).toBe(true);
      expect(failure).toMatchObject({ data: { type: 'UnauthorizedError', code: 'malformed_token' } });
      expect(await disconnected).toBe('io server disconnect');
    });
  });
});
