// SPDX-License-Identifier: GPL-3.0-or-later
// The browser tests' harness: a real `baton serve --fake-clock` on a throw-away SQLite database,
// Debian's Chromium driven by playwright-core, one browser context per user, screenshots under
// build/browser-artifacts/, and a clear failure message carrying the server's log tail.
//
// Every wait is on a selector, a response or a server condition; nothing sleeps. The whole file
// has a deadline (BATON_BROWSER_TIMEOUT seconds, default 240): past it the server's log tail is
// printed, the server is killed, the temporary directory removed and the process exits 1.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as nodeTest } from 'node:test';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceDir = process.env.BATON_SOURCE_DIR || path.resolve(here, '../../..');
export const binary = process.env.BATON_BINARY || path.join(sourceDir, 'build/baton');
export const artifactsDir = process.env.BATON_BROWSER_ARTIFACTS || path.join(path.dirname(binary), 'browser-artifacts');
export const chromiumPath = process.env.BATON_CHROMIUM || '/usr/bin/chromium';
export const DEMO_PASSWORD = 'baton-demo';
const deadlineSeconds = Number(process.env.BATON_BROWSER_TIMEOUT || 240);

// Chromium runs as root here and the machines have no internet (architecture.md).
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-gpu',
  '--disable-quic',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Ports the OS hands out; closed again at once, so the server can bind it. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A running `baton serve` with its log; `stop()` kills it and removes its directory. */
export class Server {
  /**
   * `options.prepare(tmp)` may return `{ workflows, args, env }`: the workflows folder to serve
   * (default the repository's), more `baton serve` arguments and environment variables.
   */
  constructor(options = {}) {
    this.options = options;
    this.log = [];
    this.proc = null;
    this.exited = null;
    this.tmp = null;
    this.base = '';
    this.adminPassword = `admin-${Math.random().toString(36).slice(2)}-pw`;
  }

  /** The log's last lines, without the start-up list of demo users (it would fill the tail). */
  tail(lines = 60) {
    const all = this.log.join('').split('\n');
    const from = all.findIndex((l) => l.includes('demo users ('));
    if (from >= 0) {
      let to = from + 1;
      while (to < all.length && /^ {4}\S/.test(all[to])) to++;
      all.splice(from + 1, to - from - 1, `    (${to - from - 1} demo users)`);
    }
    return all.slice(-lines).join('\n');
  }

  async start() {
    if (!fs.existsSync(binary)) throw new Error(`BATON_BINARY ${binary} does not exist: build first (make build)`);
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-browser-'));
    const port = await freePort();
    this.base = `http://127.0.0.1:${port}`;
    const extra = (await this.options.prepare?.(this.tmp)) ?? {};
    const args = ['serve', '--listen', `127.0.0.1:${port}`, '--db', `sqlite:${path.join(this.tmp, 'baton.db')}`,
      '--workflows', extra.workflows ?? path.join(sourceDir, 'workflows'), '--demo', '--fake-clock', ...(extra.args ?? [])];
    this.command = `${binary} ${args.join(' ')}`;
    this.proc = spawn(binary, args, {
      cwd: this.tmp,
      env: { ...process.env, ...(extra.env ?? {}), BATON_ADMIN_PASSWORD: this.adminPassword },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk) => {
      this.log.push(chunk.toString());
      if (this.log.length > 4000) this.log.splice(0, 2000);
    };
    this.proc.stdout.on('data', keep);
    this.proc.stderr.on('data', keep);
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    this.exited.then(({ code, signal }) => keep(`\n[baton exited: code ${code}, signal ${signal}]\n`));
    const t0 = Date.now();
    await this.waitHealthy(60000);
    this.startMs = Date.now() - t0;
    const index = await (await fetch(`${this.base}/`)).text();
    if (!/<script[^>]+src="\/assets\//.test(index))
      throw new Error(`${binary} serves no built web UI at / (run \`make web\`, then rebuild)\n${index.slice(0, 300)}`);
    return this;
  }

  /** Polls /healthz until it answers 200, failing at once if the server exits. */
  async waitHealthy(ms) {
    const until = Date.now() + ms;
    let dead = false;
    this.exited.then(() => (dead = true));
    let last = '';
    while (Date.now() < until) {
      if (dead) throw new Error(`baton serve exited during start-up\n${this.command}\n--- server log ---\n${this.tail()}`);
      try {
        const res = await fetch(`${this.base}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) return;
        last = `HTTP ${res.status}`;
      } catch (e) {
        last = e.cause?.code || e.message;
      }
      // Waiting for the port to open: the only way to learn it is to ask again.
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`baton serve did not become healthy within ${ms} ms (${last})\n--- server log ---\n${this.tail()}`);
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill('SIGTERM');
      const killer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(killer);
    }
    if (this.tmp) fs.rmSync(this.tmp, { recursive: true, force: true });
    this.tmp = null;
  }

  /** Last resort on process exit: synchronous, so it also runs on an uncaught error. */
  killNow() {
    try {
      if (this.proc && this.proc.exitCode === null) this.proc.kill('SIGKILL');
    } catch {
      /* already gone */
    }
    try {
      if (this.tmp) fs.rmSync(this.tmp, { recursive: true, force: true });
    } catch {
      /* nothing to remove */
    }
  }
}

/** A JSON client of the HTTP API as one user (Bearer token). */
export class ApiClient {
  constructor(base, token, user) {
    this.base = base;
    this.token = token;
    this.user = user;
  }

  static async login(base, username, password) {
    const res = await fetch(`${base}/api/v1/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const body = await res.json().catch(() => ({}));
    if (res.status !== 200) throw new Error(`login as ${username}: HTTP ${res.status} ${JSON.stringify(body)}`);
    return new ApiClient(base, body.token, body.user);
  }

  async call(method, p, body, { expect = [200, 201, 204], headers = {}, raw = false } = {}) {
    const init = { method, headers: { Authorization: `Bearer ${this.token}`, ...headers } };
    if (body !== undefined) {
      if (typeof body === 'string') init.body = body;
      else {
        init.body = JSON.stringify(body);
        init.headers['Content-Type'] = 'application/json';
      }
    }
    const res = await fetch(`${this.base}/api/v1${p}`, init);
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!expect.includes(res.status))
      throw new Error(`${method} /api/v1${p} as ${this.user?.username}: HTTP ${res.status} ${text.slice(0, 500)}`);
    return raw ? { status: res.status, json, text } : json;
  }

  get(p, o) {
    return this.call('GET', p, undefined, o);
  }
  post(p, body = {}, o) {
    return this.call('POST', p, body, o);
  }
}

/**
 * One test file's world: the server, the browser, per-user contexts, artifacts. `suite(name)`
 * returns `test(title, fn)` that wraps each test with failure diagnostics.
 */
export class World {
  /** `options` go to the Server (see there). */
  constructor(name, options = {}) {
    this.name = name;
    this.server = new Server(options);
    this.browser = null;
    this.pages = [];
    this.pageErrors = [];
    this.api = new Map();
  }

  get base() {
    return this.server.base;
  }

  async start() {
    fs.mkdirSync(artifactsDir, { recursive: true });
    process.on('exit', () => this.server.killNow());
    this.deadline = setTimeout(() => {
      process.stderr.write(`\n${this.name}: the whole-suite deadline of ${deadlineSeconds} s passed; giving up.\n` +
        `--- server log tail ---\n${this.server.tail()}\n`);
      this.server.killNow();
      process.exit(1);
    }, deadlineSeconds * 1000);
    this.deadline.unref();
    await this.server.start();
    console.log(`${this.name}: baton serve healthy after ${this.server.startMs} ms on ${this.base}`);
    this.browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true, timeout: 30000 });
  }

  async stop() {
    clearTimeout(this.deadline);
    try {
      if (this.browser) await this.browser.close();
    } finally {
      await this.server.stop();
    }
  }

  /** The API as `username` (the demo password, or the admin's). */
  async apiAs(username) {
    if (!this.api.has(username)) {
      const pw = username === 'admin' ? this.server.adminPassword : DEMO_PASSWORD;
      this.api.set(username, await ApiClient.login(this.base, username, pw));
    }
    return this.api.get(username);
  }

  /** Closes every browser context opened so far (their sessions may be about to expire). */
  async closePages() {
    for (const p of this.pages) if (!p.isClosed()) await p.context().close();
    this.pages = [];
  }

  /** Drops the cached API sessions (after the fake clock jumped past their expiry). */
  forgetSessions() {
    this.api.clear();
  }

  /** A fresh browser context for one user, signed in through the sign-in page. */
  async signIn(username, { lang = 'en', password } = {}) {
    const page = await this.newPage(username, lang);
    await page.goto(`${this.base}/`);
    await page.getByTestId('signin-username').fill(username);
    await page.getByTestId('signin-password').fill(password ?? (username === 'admin' ? this.server.adminPassword : DEMO_PASSWORD));
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('user-menu').waitFor();
    return page;
  }

  async newPage(label, lang = 'en') {
    const context = await this.browser.newContext({
      viewport: { width: 1366, height: 768 },
      locale: lang === 'zh' ? 'zh-CN' : 'en-US',
      timezoneId: 'Asia/Hong_Kong',
    });
    context.setDefaultTimeout(15000);
    const page = await context.newPage();
    page.baton = { label };
    page.on('pageerror', (e) => this.pageErrors.push(`${label}: uncaught ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource|WebSocket/.test(m.text())) this.pageErrors.push(`${label}: console error ${m.text()}`);
    });
    this.pages.push(page);
    return page;
  }

  async shot(page, name) {
    await page.screenshot({ path: path.join(artifactsDir, `${name}.png`), fullPage: false });
  }

  /** `test()` with diagnostics: on failure, each open page's URL and a screenshot, and the server's log tail. */
  test(title, fn, options = {}) {
    nodeTest(title, options, async (t) => {
      const errorsBefore = this.pageErrors.length;
      try {
        await fn(t);
      } catch (e) {
        const notes = [];
        for (const [i, p] of this.pages.entries()) {
          if (p.isClosed()) continue;
          const file = path.join(artifactsDir, `FAILED-${this.name}-${i}-${p.baton.label}.png`);
          await p.screenshot({ path: file }).catch(() => {});
          notes.push(`  ${p.baton.label}: ${p.url()}  (screenshot ${file})`);
        }
        const errs = this.pageErrors.slice(errorsBefore);
        const extra = `\n--- pages ---\n${notes.join('\n')}` +
          (errs.length ? `\n--- page errors ---\n${errs.join('\n')}` : '') +
          `\n--- server log tail (${this.server.command}) ---\n${this.server.tail()}`;
        // The reporters print the stack, which was rendered when the error was made.
        if (e instanceof Error) {
          e.message += extra;
          if (e.stack) e.stack += extra;
          throw e;
        }
        throw new Error(`${String(e)}${extra}`);
      }
      const errs = this.pageErrors.slice(errorsBefore);
      if (errs.length) throw new Error(`the pages reported errors:\n${errs.join('\n')}\n--- server log tail ---\n${this.server.tail()}`);
    });
  }
}

/** Buttons, links, inputs and selects inside `selector` without an accessible name. */
export function unnamedControls(page, selector) {
  return page.locator(selector).evaluate((root) =>
    [...root.querySelectorAll('button, a, input, select, textarea')]
      .filter((el) => !(el.getAttribute('aria-label') || el.textContent.trim() ||
        (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.closest('label')))
      .map((el) => el.outerHTML.slice(0, 120)));
}

/** The ticket id behind a link `#/tickets/ID`. */
export function idFromHref(href) {
  const m = /#\/tickets\/(\d+)/.exec(href ?? '');
  if (!m) throw new Error(`not a ticket link: ${href}`);
  return Number(m[1]);
}

/** Opens a jump-queue ticket through the API (for tests whose subject is elsewhere). */
export async function openJumpQueue(api, { title = 'Shipment held at hub', tier = 'B', customerId = 'C-100', heldAt = 'hub' } = {}) {
  return api.post('/tickets', {
    workflow: 'jump-queue',
    title,
    fields: { awb: '123456789012', urgency: 'high', held_at: heldAt, reason: 'Customer needs it on Friday' },
    customer: { id: customerId, name: 'Li Wei', tier },
    channel: 'phone',
  });
}
