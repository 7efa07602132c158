import { Controller, Get, Header } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * sample/public, from the sources (ts-node, Jest) or from the tsc build in dist-sample/sample,
 * which does not copy it.
 */
function publicDirectory(): string {
  const candidates = [join(__dirname, 'public'), join(__dirname, '..', '..', 'sample', 'public')];
  const found = candidates.find((directory) => existsSync(join(directory, 'index.html')));
  if (!found) throw new Error(`sample/public not found (looked in ${candidates.join(', ')})`);
  return found;
}

function publicFile(name: string): string {
  return readFileSync(join(publicDirectory(), name), 'utf8');
}

/** Same-origin resources only, and no inline script: the page has none. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The browser chat: a static page, its plain scripts and its stylesheet, no build step. The socket.io
 * browser client is served by socket.io itself at /socket.io/socket.io.min.js (`serveClient` default).
 */
@Controller()
export class PageController {
  private readonly page = publicFile('index.html');
  private readonly script = publicFile('chat.js');
  private readonly tokenViewScript = publicFile('token-view.js');
  private readonly stylesheet = publicFile('chat.css');

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  index(): string {
    return this.page;
  }

  @Get('chat.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  chatScript(): string {
    return this.script;
  }

  @Get('token-view.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  tokenView(): string {
    return this.tokenViewScript;
  }

  @Get('chat.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  chatStylesheet(): string {
    return this.stylesheet;
  }
}
