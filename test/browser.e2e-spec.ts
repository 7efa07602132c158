import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { decode } from 'jsonwebtoken';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Locator,
  type Page,
  type Response as PlaywrightResponse,
} from 'playwright-core';
import { JwtSocketIoAdapter } from '../lib';
import { AppModule } from '../sample/app.module';
import { CapturingLogger } from './support/app';

// Debian's Chromium; no browser download. The machine is offline: no background connections.
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const UI_TIMEOUT_MS = 15_000;
const TEST_TIMEOUT_MS = 60_000;
const EXPIRED_MESSAGE = 'Session expired (unauthorized: token_expired) — log in again';

/** One browser page on the sample, with everything it sent over the network. */
interface ChatPage {
  page: Page;
  /** Every HTTP request URL the page made (document, scripts, login, socket.io polling). */
  requestUrls: string[];
  /** Every HTTP request body the page sent. */
  requestBodies: string[];
  websocketUrls: string[];
  websocketFramesSent: string[];
  /** Uncaught exceptions, console errors and failed HTTP requests of the page. */
  errors: string[];
  /** Failed responses still being read (their body tells a closed polling session from an error). */
  pending: Array<Promise<void>>;
  /** Every token this page held, so the URL check knows what to look for. */
  tokens: Set<string>;
}

interface LoginForm {
  username: string;
  tenant: string;
  ttl?: number;
}

let app: INestApplication;
let logger: CapturingLogger;
let baseUrl: string;
let browser: Browser;
let contexts: BrowserContext[] = [];

async function startSample(): Promise<void> {
  logger = new CapturingLogger();
  app = await NestFactory.create(AppModule, { logger });
  app.useWebSocketAdapter(new JwtSocketIoAdapter(app));
  await app.listen(0, '127.0.0.1');
  baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
}

/** A fresh browser context (its own cookies and storage) on the sample page, recording its traffic. */
async function openChat(): Promise<ChatPage> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  const chat: ChatPage = {
    page,
    requestUrls: [],
    requestBodies: [],
    websocketUrls: [],
    websocketFramesSent: [],
    errors: [],
    pending: [],
    tokens: new Set(),
  };
  page.on('request', (request) => {
    chat.requestUrls.push(request.url());
    const body = request.postData();
    if (body) chat.requestBodies.push(body);
  });
  page.on('websocket', (socket) => {
    chat.websocketUrls.push(socket.url());
    socket.on('framesent', ({ payload }) => chat.websocketFramesSent.push(payload.toString()));
  });
  page.on('pageerror', (error) => chat.errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // Failed loads are recorded with their URL from the responses below.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      chat.errors.push(`console: ${message.text()}`);
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 400) chat.pending.push(recordFailure(chat, response));
  });
  await page.goto(`${baseUrl}/`);
  return chat;
}

/**
 * A failed request, except engine.io's answer to a long-poll that was still in flight when the page
 * closed that socket.io session: that is how polling ends, not a page error.
 */
async function recordFailure(chat: ChatPage, response: PlaywrightResponse): Promise<void> {
  const body = await response.text().catch(() => '');
  const closedSessionPoll =
    response.status() === 400 &&
    /\/socket\.io\/\?EIO=4&transport=polling&.*sid=/.test(response.url()) &&
    body.includes('Session ID unknown');
  if (!closedSessionPoll) chat.errors.push(`HTTP ${response.status()} ${response.url()} ${body}`);
}

/** Waits until `locator` shows `text`; on timeout, says what it shows instead. */
async function shows(locator: Locator, text: string | RegExp): Promise<void> {
  try {
    await locator.filter({ hasText: text }).first().waitFor({ timeout: UI_TIMEOUT_MS });
  } catch {
    throw new Error(
      `expected ${String(locator)} to show ${String(text)}; it shows ${JSON.stringify(await locator.allTextContents())}`,
    );
  }
}

function status(chat: ChatPage): Locator {
  return chat.page.locator('#status');
}

function connection(chat: ChatPage): Locator {
  return chat.page.locator('#connection');
}

function messages(chat: ChatPage): Locator {
  return chat.page.locator('#messages li');
}

function ownMessages(chat: ChatPage): Locator {
  return chat.page.locator('#messages li[data-author="own"]');
}

function othersMessages(chat: ChatPage): Locator {
  return chat.page.locator('#messages li[data-author="other"]');
}

function protocolEvents(chat: ChatPage): Locator {
  return chat.page.locator('#events li');
}

/** Waits until the bar's `data-state` is `state` (it counts down on a timer of the page). */
async function lifetimeState(chat: ChatPage, state: string): Promise<void> {
  await chat.page.locator(`#lifetime[data-state="${state}"]`).waitFor({ state: 'attached' });
}

/** Waits until the server logged `line` (the sample's gateway logs joins and leaves). */
async function serverLogged(line: string): Promise<void> {
  const deadline = Date.now() + UI_TIMEOUT_MS;
  while (!logger.lines.includes(line)) {
    if (Date.now() > deadline) throw new Error(`the server never logged "${line}"`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function currentToken(chat: ChatPage): Promise<string> {
  const token = await chat.page.locator('#token').inputValue();
  chat.tokens.add(token);
  return token;
}

async function fillLoginForm(chat: ChatPage, { username, tenant, ttl }: LoginForm): Promise<void> {
  await chat.page.locator('#username').fill(username);
  await chat.page.locator('#tenant').fill(tenant);
  await chat.page.locator('#ttl').fill(ttl === undefined ? '' : String(ttl));
}

/** Logs in through the form and waits for the gateway's welcome; returns the token the page got. */
async function logIn(chat: ChatPage, form: LoginForm): Promise<string> {
  await fillLoginForm(chat, form);
  await chat.page.locator('#login').click();
  await shows(status(chat), `Connected as ${form.username}@${form.tenant}`);
  await shows(connection(chat), `online as ${form.username}@${form.tenant}`);
  return currentToken(chat);
}

async function send(chat: ChatPage, text: string): Promise<void> {
  await chat.page.locator('#message').fill(text);
  await chat.page.locator('#send').click();
}

/** Puts `token` in the page's token field and connects with it. */
async function connectWith(chat: ChatPage, token: string): Promise<void> {
  chat.tokens.add(token);
  await chat.page.locator('#token').fill(token);
  await chat.page.locator('#connect').click();
}

/** The same token with one claim edited, signature untouched: what a forger would try. */
function withClaim(token: string, claim: string, value: string): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  claims[claim] = value;
  return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
}

function expiryOf(token: string): number {
  return (decode(token) as { exp: number }).exp * 1000;
}

/** Waits for a point in time: here, until an old token is surely past its `exp`. */
async function until(epochMs: number): Promise<void> {
  const wait = epochMs - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

function joinedLines(username: string): string[] {
  return logger.lines.filter((line) => line.includes(`${username} joined the chat of`));
}

/**
 * The token travels in request bodies and socket.io packets only: no request or websocket URL holds
 * it (or its signature, or a `token=` parameter).
 */
function expectNoTokenInUrls(...chats: ChatPage[]): void {
  for (const chat of chats) {
    expect(chat.tokens.size).toBeGreaterThan(0);
    expect(chat.requestUrls.length).toBeGreaterThan(0);
    const urls = [...chat.requestUrls, ...chat.websocketUrls];
    for (const url of urls) {
      const decoded = decodeURIComponent(url);
      expect({ url, tokenParameter: /token=/i.test(decoded) }).toEqual({ url, tokenParameter: false });
      for (const token of chat.tokens) {
        const signature = token.split('.')[2] || token;
        expect({ url, holdsToken: decoded.includes(token) || decoded.includes(signature) }).toEqual({
          url,
          holdsToken: false,
        });
      }
    }
  }
}

async function expectNoPageErrors(...chats: ChatPage[]): Promise<void> {
  for (const chat of chats) {
    await Promise.all(chat.pending);
    expect(chat.errors).toEqual([]);
  }
}

describe('sample browser page (real headless Chromium)', () => {
  jest.setTimeout(TEST_TIMEOUT_MS);

  beforeAll(async () => {
    await startSample();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterEach(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    contexts = [];
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('serves the page, its script and the socket.io browser client, with no build step', async () => {
    const page = await fetch(`${baseUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script src="/socket.io/socket.io.min.js" defer></script>');
    expect(html).toContain('<script src="/chat.js" defer></script>');
    expect(html).toContain('<script src="/token-view.js" defer></script>');
    expect(html).not.toMatch(/<script>/);
    // The tenant list is not written into the page: it comes from the directory (GET /tenants).
    expect(html).not.toMatch(/<option value="(acme|globex|initech)"/);

    const script = await fetch(`${baseUrl}/chat.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain("io('/chat', { auth: { token: token }");
    const tokenView = await fetch(`${baseUrl}/token-view.js`);
    expect(tokenView.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await tokenView.text()).toContain('window.TokenView');
    const client = await fetch(`${baseUrl}/socket.io/socket.io.min.js`);
    expect(client.status).toBe(200);
    expect(client.headers.get('content-type')).toMatch(/javascript/);
    expect((await client.text()).length).toBeGreaterThan(10_000);
  });

  it('login accepts an optional ttl from 1 to 900 seconds and refuses anything else with 400', async () => {
    const login = (body: object) =>
      fetch(`${baseUrl}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', tenant: 'acme', ...body }),
      });
    const short = await login({ ttl: 2 });
    expect(short.status).toBe(200);
    const answer = (await short.json()) as { accessToken: string; expiresIn: number };
    const claims = decode(answer.accessToken) as { iat: number; exp: number };
    expect({ expiresIn: answer.expiresIn, lifetime: claims.exp - claims.iat }).toEqual({ expiresIn: 2, lifetime: 2 });
    for (const ttl of [0, 901, 1.5, -5, '2', true])
      expect({ ttl, status: (await login({ ttl })).status }).toEqual({ ttl, status: 400 });
  });

  it('logs in, connects and chats: a message sent in one page shows in the other page of the tenant only', async () => {
    const alice = await openChat();
    const bob = await openChat();
    const carol = await openChat();
    await logIn(alice, { username: 'alice', tenant: 'acme' });
    await logIn(bob, { username: 'bob', tenant: 'acme' });
    await logIn(carol, { username: 'carol', tenant: 'globex' });

    await send(alice, 'hello from alice');
    await shows(messages(bob), 'alice: hello from alice');
    await shows(messages(alice), 'alice: hello from alice');
    await send(bob, '<img src=x onerror=alert(1)> <b>bold?</b>');
    await shows(messages(alice), 'bob: <img src=x onerror=alert(1)> <b>bold?</b>'); // shown as text, never parsed
    expect(await alice.page.locator('#messages img, #messages b').count()).toBe(0);
    // Carol's own message comes after alice's on her connection: had alice's reached her, it would be listed first.
    await send(carol, 'hello from carol');
    await shows(messages(carol), 'carol: hello from carol');
    expect(await messages(carol).allTextContents()).toEqual(['carol: hello from carol']);
    expect(await messages(bob).allTextContents()).toEqual([
      'alice: hello from alice',
      'bob: <img src=x onerror=alert(1)> <b>bold?</b>',
    ]);
    // Each page tells its own messages from the others'.
    expect(await ownMessages(alice).allTextContents()).toEqual(['alice: hello from alice']);
    expect(await othersMessages(alice).allTextContents()).toEqual(['bob: <img src=x onerror=alert(1)> <b>bold?</b>']);
    expect(await ownMessages(bob).allTextContents()).toEqual(['bob: <img src=x onerror=alert(1)> <b>bold?</b>']);
    expect(await othersMessages(bob).allTextContents()).toEqual(['alice: hello from alice']);

    expectNoTokenInUrls(alice, bob, carol);
    await expectNoPageErrors(alice, bob, carol);
  });

  it('shows the rejection code when the handshake refuses a forged or malformed token, then connects again', async () => {
    const mallory = await openChat();
    const token = await logIn(mallory, { username: 'mallory', tenant: 'acme' });

    await connectWith(mallory, withClaim(token, 'tenant', 'globex'));
    await shows(status(mallory), 'Rejected: invalid_token');
    expect(await status(mallory).textContent()).toBe(
      'Rejected: invalid_token (The token signature or algorithm is invalid)',
    );
    expect(await connection(mallory).textContent()).toBe('offline');

    await connectWith(mallory, 'not-a-jwt');
    await shows(status(mallory), 'Rejected: malformed_token');
    expect(await mallory.page.locator('#send').isDisabled()).toBe(true);

    await logIn(mallory, { username: 'mallory', tenant: 'acme' });
    await send(mallory, 'back in');
    await shows(messages(mallory), 'mallory: back in');

    expectNoTokenInUrls(mallory);
    await expectNoPageErrors(mallory);
  });

  it('counts a 4-second token down on its lifetime bar, then shows unauthorized token_expired and the session end', async () => {
    const dave = await openChat();
    const token = await logIn(dave, { username: 'dave', tenant: 'acme', ttl: 4 });
    const lifetime = dave.page.locator('#lifetime');
    expect(await lifetime.getAttribute('max')).toBe('4'); // exp - iat, from the claims shown beside the token
    // It counts down: the page's own timer moves the bar below its full length.
    await dave.page.waitForFunction(
      "(() => { const bar = document.getElementById('lifetime'); return bar.value > 0 && bar.value < bar.max; })()",
    );
    await shows(dave.page.locator('#lifetime-label'), /^\d+ s left of 4 s$/);

    await shows(status(dave), EXPIRED_MESSAGE);
    expect(await status(dave).textContent()).toBe(EXPIRED_MESSAGE);
    await shows(protocolEvents(dave), '← unauthorized token_expired (The token has expired)');
    await shows(connection(dave), 'offline (io server disconnect)');
    await lifetimeState(dave, 'expired');
    await shows(dave.page.locator('#lifetime-label'), /^expired at /);
    expect(await protocolEvents(dave).allTextContents()).toEqual([
      '→ CONNECT /chat with auth { token }',
      '← connected',
      '← welcome dave@acme',
      '← unauthorized token_expired (The token has expired)',
      '← disconnect (io server disconnect)',
    ]);
    expect(await dave.page.locator('#send').isDisabled()).toBe(true);
    expect(decode(token)).toMatchObject({ sub: 'dave' });

    expectNoTokenInUrls(dave);
    await expectNoPageErrors(dave);
  });

  it('with "Refresh in-band before it expires" ticked, replaces a short-lived token on the open socket before it ends', async () => {
    const judy = await openChat();
    const kim = await openChat();
    await judy.page.locator('#auto-refresh').check();
    const shortToken = await logIn(judy, { username: 'judy', tenant: 'acme', ttl: 6 });
    await logIn(kim, { username: 'kim', tenant: 'acme' });
    await judy.page.locator('#ttl').fill(''); // the refresh then asks for the default 15 minutes

    await shows(status(judy), 'Refreshed in-band before expiry: the open socket now uses the new token');
    await shows(protocolEvents(judy), '← authenticated');
    const refreshed = await currentToken(judy);
    const claims = decode(refreshed) as { sub: string; jti: string };
    expect(refreshed).not.toBe(shortToken);
    expect(claims.sub).toBe('judy');
    await shows(judy.page.locator('#token-claims'), `"jti": "${claims.jti}"`); // the new token's claims
    expect(await judy.page.locator('#lifetime').getAttribute('max')).toBe('900');

    // Past the short token's expiry the same connection still chats: no refusal, no reconnect.
    await until(expiryOf(shortToken) + 1000);
    await send(judy, 'refreshed in time');
    await shows(messages(kim), 'judy: refreshed in time');
    expect(await connection(judy).textContent()).toBe('online as judy@acme');
    expect(await protocolEvents(judy).allTextContents()).toEqual([
      '→ CONNECT /chat with auth { token }',
      '← connected',
      '← welcome judy@acme',
      '→ authenticate { token } (in-band refresh)',
      '← authenticated',
    ]);
    expect(joinedLines('judy')).toHaveLength(1);

    expectNoTokenInUrls(judy, kim);
    await expectNoPageErrors(judy, kim);
  });

  it('shows the decoded header and claims beside the token, also for an edited token it has not verified', async () => {
    const ivan = await openChat();
    const token = await logIn(ivan, { username: 'ivan', tenant: 'initech' });
    const { header, payload } = decode(token, { complete: true }) as {
      header: { kid: string };
      payload: { jti: string };
    };
    await shows(ivan.page.locator('#token-header'), '"alg": "RS256"');
    await shows(ivan.page.locator('#token-header'), `"kid": "${header.kid}"`);
    const claimsView = ivan.page.locator('#token-claims');
    for (const shown of [
      '"sub": "ivan"',
      '"tenant": "initech"',
      `"jti": "${payload.jti}"`,
      'exp: expires at ',
      'iat: issued at ',
    ])
      await shows(claimsView, shown);

    // Edited in the text box: the page decodes what it holds; the server is the one that refuses it.
    await ivan.page.locator('#token').fill(withClaim(token, 'sub', 'mallory'));
    await shows(claimsView, '"sub": "mallory"');
    await ivan.page.locator('#token').fill('not-a-jwt');
    await shows(ivan.page.locator('#token-header'), 'Not a JWT');
    await lifetimeState(ivan, 'none');

    await expectNoPageErrors(ivan);
  });

  it('lists every tenant of the directory, initech included, and clears the messages when the user or tenant changes', async () => {
    const page = await openChat();
    const peer = await openChat();
    await page.page.locator('#tenants option[value="initech"]').waitFor({ state: 'attached' });
    const options = await page.page.evaluate(
      "Array.from(document.querySelectorAll('#tenants option'), (option) => option.value)",
    );
    expect(options).toEqual(['acme', 'globex', 'initech']);
    await shows(page.page.locator('#tenant-list li'), 'initech: RS256 tokens');

    await logIn(page, { username: 'alice', tenant: 'acme' });
    await send(page, 'for acme only');
    await shows(messages(page), 'alice: for acme only');

    // Another tenant: nothing of acme's chat stays on screen.
    await logIn(page, { username: 'alice', tenant: 'globex' });
    expect(await messages(page).count()).toBe(0);
    await logIn(peer, { username: 'oscar', tenant: 'globex' });
    await send(peer, 'hello globex');
    await shows(messages(page), 'oscar: hello globex');
    expect(await messages(page).allTextContents()).toEqual(['oscar: hello globex']);

    // Another user of the same tenant: the previous user's conversation is gone too.
    await logIn(page, { username: 'peggy', tenant: 'globex' });
    expect(await messages(page).count()).toBe(0);
    expect(await protocolEvents(page).allTextContents()).toEqual([
      '→ CONNECT /chat with auth { token }',
      '← connected',
      '← welcome peggy@globex',
    ]);

    expectNoTokenInUrls(page, peer);
    await expectNoPageErrors(page, peer);
  });

  it('a failed login disconnects the previous session: the server sees it leave and the page shows it offline', async () => {
    const quinn = await openChat();
    await logIn(quinn, { username: 'quinn', tenant: 'acme' });
    await send(quinn, 'before the failed login');
    await shows(messages(quinn), 'quinn: before the failed login');

    await fillLoginForm(quinn, { username: 'quinn', tenant: 'umbrella' });
    await quinn.page.locator('#login').click();
    await shows(status(quinn), 'Login failed (HTTP 401): Unknown tenant');
    await serverLogged('log quinn left the chat of acme');
    expect(await connection(quinn).textContent()).toBe('offline');
    expect(await messages(quinn).count()).toBe(0);
    expect(await quinn.page.locator('#send').isDisabled()).toBe(true);

    // The refused login's 401 is the page's own doing, not an error of the page.
    await Promise.all(quinn.pending);
    quinn.errors = quinn.errors.filter((error) => !error.startsWith('HTTP 401 ') || !error.includes('/auth/login'));
    await expectNoPageErrors(quinn);
  });

  it('refreshes in-band: shows refreshed, keeps the same connection past the old expiry, and chat still works', async () => {
    const erin = await openChat();
    const frank = await openChat();
    const shortToken = await logIn(erin, { username: 'erin', tenant: 'acme', ttl: 6 });
    await logIn(frank, { username: 'frank', tenant: 'acme' });

    await erin.page.locator('#ttl').fill('');
    await erin.page.locator('#refresh').click();
    await shows(status(erin), /^Refreshed/);
    const refreshedToken = await currentToken(erin);
    expect(refreshedToken).not.toBe(shortToken);
    expect(decode(refreshedToken)).toMatchObject({ sub: 'erin', tenant: 'acme' });

    // Had the refresh not reached the server, the 6-second token would end the session by now.
    await until(expiryOf(shortToken) + 1000);
    await send(erin, 'still here');
    await shows(messages(frank), 'erin: still here');
    await shows(messages(erin), 'erin: still here');
    expect(await status(erin).textContent()).toBe('Refreshed: the open socket now uses the new token');
    expect(await connection(erin).textContent()).toBe('online as erin@acme');
    expect(joinedLines('erin')).toHaveLength(1); // one connection: refreshed in-band, not reconnected

    // A refresh may not switch users: refused, and the socket keeps chatting as erin.
    await erin.page.locator('#username').fill('mallory');
    await erin.page.locator('#refresh').click();
    await shows(status(erin), 'Refresh refused: subject_mismatch');
    await currentToken(erin);
    await send(erin, 'still erin');
    await shows(messages(frank), 'erin: still erin');
    expect(joinedLines('erin')).toHaveLength(1);

    expectNoTokenInUrls(erin, frank);
    await expectNoPageErrors(erin, frank);
  });

  it('sends the token only in the socket.io auth payload and the login response, never in a request URL', async () => {
    const grace = await openChat();
    const token = await logIn(grace, { username: 'grace', tenant: 'globex' });
    await grace.page.locator('#refresh').click();
    await shows(status(grace), /^Refreshed/);
    const refreshed = await currentToken(grace);
    await connectWith(grace, withClaim(refreshed, 'sub', 'heidi'));
    await shows(status(grace), 'Rejected: invalid_token');

    // The tokens did travel: in socket.io packets (CONNECT `auth`, `authenticate`), polling bodies or frames.
    const packets = [...grace.requestBodies, ...grace.websocketFramesSent].join('\n');
    expect(packets).toContain(`{"token":"${token}"}`);
    expect(packets).toContain(`"authenticate",{"token":"${refreshed}"}`);
    expect(grace.requestUrls.some((url) => url.includes('/socket.io/?EIO=4&transport=polling'))).toBe(true);
    expect(grace.websocketUrls.length).toBeGreaterThan(0);
    expect(grace.websocketUrls.every((url) => url.includes('/socket.io/?EIO=4&transport=websocket'))).toBe(true);

    expectNoTokenInUrls(grace);
    await expectNoPageErrors(grace);
  });
});
