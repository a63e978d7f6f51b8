// What the journeys stand on: the portal started from its binary on a fresh SQLite database,
// the command line against the same database, headless Chromium, axe-core, and a tiny test
// runner that names each journey and counts passes and failures.

import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

export const E2E_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(E2E_DIR, '..');
export const ARTIFACTS = path.join(E2E_DIR, 'artifacts');

/** The letters every CAPTCHA shows in the test environment. */
export const CAPTCHA_ANSWER = 'TESTS';

export function fail(message) {
  throw new Error(message);
}

export function check(condition, message) {
  if (!condition) fail(message);
}

export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The portal: `homeroom serve --demo` on a free port, a fresh database in a temporary folder,
 * the test CAPTCHA, and mail over SMTP to `smtpPort`.
 */
export async function startPortal({ smtpPort }) {
  const binary = path.resolve(REPO, process.env.HOMEROOM_BIN || 'target/debug/homeroom');
  try {
    await fs.access(binary);
  } catch {
    fail(`no binary at ${binary}: run \`cargo build --bin homeroom\` first (or set HOMEROOM_BIN)`);
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'homeroom-e2e-'));
  const port = await freePort();
  const env = {
    ...process.env,
    HOMEROOM_DATABASE_URL: `sqlite://${path.join(dir, 'db.sqlite')}`,
    HOMEROOM_ENVIRONMENT: 'test',
    HOMEROOM_TEST_CAPTCHA_ANSWER: CAPTCHA_ANSWER,
    HOMEROOM_SMTP_HOST: '127.0.0.1',
    HOMEROOM_SMTP_PORT: String(smtpPort),
    HOMEROOM_SMTP_TLS: 'none',
    HOMEROOM_OUTBOX_DIR: path.join(dir, 'outbox'),
    // A domain name, as WebAuthn needs for passkeys (the portal listens on 127.0.0.1, which
    // localhost is).
    HOMEROOM_PUBLIC_URL: `http://localhost:${port}/`,
    HOMEROOM_LOG: process.env.HOMEROOM_LOG || 'warn',
  };
  for (const key of ['HOMEROOM_CONFIG', 'HOMEROOM_BIND', 'HOMEROOM_SMTP_USERNAME',
    'HOMEROOM_SMTP_PASSWORD', 'HOMEROOM_LINKING_STATES']) {
    delete env[key];
  }
  const base = `http://localhost:${port}`;
  const child = spawn(binary, ['serve', '--demo', '--bind', `127.0.0.1:${port}`], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s) => { stdout += s; });
  child.stderr.setEncoding('utf8').on('data', (s) => {
    stderr += s;
    if (process.env.E2E_VERBOSE) process.stderr.write(s);
  });
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });

  // Ready when it has printed the demo logins and /readyz answers.
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited) fail(`homeroom serve exited (${JSON.stringify(exited)}) before it was ready:\n${stderr}`);
    if (Date.now() > deadline) fail(`homeroom serve was not ready within 120 s:\n${stdout}\n${stderr}`);
    if (stdout.includes('Logins')) {
      try {
        const res = await fetch(`${base}/readyz`);
        if (res.ok) break;
      } catch { /* not listening yet */ }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  // Give the demo's last lines a moment to arrive.
  await new Promise((r) => setTimeout(r, 200));

  /** Runs `homeroom ARGS…` against the same database; resolves to its standard output. */
  function cli(args, { input } = {}) {
    return new Promise((resolve, reject) => {
      const proc = execFile(binary, args, { cwd: dir, env, timeout: 120_000 }, (err, out, errOut) => {
        if (err) reject(new Error(`homeroom ${args.join(' ')} failed: ${errOut || err.message}`));
        else resolve(out);
      });
      if (input !== undefined) proc.stdin.end(input);
    });
  }

  async function stop() {
    if (!exited) {
      child.kill('SIGTERM');
      const done = new Promise((resolve) => child.once('exit', resolve));
      const timeout = new Promise((resolve) => setTimeout(resolve, 10_000, 'timeout'));
      if ((await Promise.race([done, timeout])) === 'timeout') child.kill('SIGKILL');
    }
    if (!process.env.E2E_KEEP) await fs.rm(dir, { recursive: true, force: true });
  }

  return { base, dir, port, env, cli, stop, output: () => stdout, logs: () => stderr };
}

/** The demo logins `serve --demo` printed, by kind: { parent: {district, username, password}, … }. */
export function demoLogins(output) {
  const logins = {};
  const line = /^\s*(\w+)\s+https?:\/\/\S+\/d\/([\w-]+)\/\w+\s+username (\S+)\s+password "([^"]*)"/gm;
  for (const m of output.matchAll(line)) {
    logins[m[1]] ??= { district: m[2], username: m[3], password: m[4] };
  }
  return logins;
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * One journey's browser: a context whose pages are tracked so that every page the journey
 * visits is checked by axe (`a11y`) before the journey may pass.
 */
export class Journey {
  constructor(browser, name, portal) {
    this.browser = browser;
    this.name = name;
    this.portal = portal;
    this.contexts = [];
    this.visited = new Map(); // url -> how many times a main frame arrived there
    this.checked = new Map(); // url -> how many axe checks ran there
    this.violations = [];
  }

  /** A new browser context (a separate cookie jar) with one page. */
  async newPage({ width = 1280, height = 900, serviceWorkers = 'block', locale = 'en-US' } = {}) {
    const context = await this.browser.newContext({
      viewport: { width, height },
      locale,
      baseURL: this.portal.base,
      serviceWorkers,
    });
    context.setDefaultTimeout(15_000);
    this.contexts.push(context);
    const page = await context.newPage();
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) {
        const url = frame.url();
        this.visited.set(url, (this.visited.get(url) || 0) + 1);
      }
    });
    return page;
  }

  /** Runs axe on the page as it is now; violations are collected and fail the journey. */
  async a11y(page, what = '') {
    await page.waitForLoadState('load');
    const result = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
    const url = page.url();
    this.checked.set(url, (this.checked.get(url) || 0) + 1);
    for (const v of result.violations) {
      const nodes = v.nodes.map((n) => `      ${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`);
      this.violations.push(`${new URL(url).pathname}${what ? ` (${what})` : ''}: ${v.id} [${v.impact}] ${v.help}\n${nodes.join('\n')}`);
    }
    return result;
  }

  /** Fails when a page was visited without an axe check or axe found anything. */
  verify() {
    // Homeroom's own pages; another site's (the district's identity provider) are its own.
    const ours = (url) => url.startsWith(this.portal.base);
    const unchecked = [...this.visited.keys()].filter((url) => ours(url) && !this.checked.has(url));
    const problems = [];
    if (unchecked.length) problems.push(`visited without an axe check: ${unchecked.join(', ')}`);
    if (this.violations.length) {
      problems.push(`axe found ${this.violations.length} WCAG 2.1 A/AA violation(s):\n    ${this.violations.join('\n    ')}`);
    }
    if (problems.length) fail(problems.join('\n  '));
  }

  async close() {
    for (const context of this.contexts) await context.close().catch(() => {});
  }
}

/** Screenshots into e2e/artifacts/NAME-WIDTH.png. */
export async function screenshot(page, name, { fullPage = true } = {}) {
  await fs.mkdir(ARTIFACTS, { recursive: true });
  const width = page.viewportSize().width;
  const file = path.join(ARTIFACTS, `${name}-${width}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

/** A CSV file as objects keyed by its header (quoted fields allowed). */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 1; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field); field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

/** Runs the named tests one after another; prints each result and `N passed, N failed`. */
export async function runTests(tests, { browser, portal, only }) {
  let passed = 0;
  let failed = 0;
  for (const test of tests) {
    if (only?.length && !only.some((o) => test.name.toLowerCase().includes(o.toLowerCase()))) continue;
    const journey = new Journey(browser, test.name, portal);
    const started = Date.now();
    try {
      await test.run(journey);
      journey.verify();
      passed += 1;
      console.log(`ok   ${test.name} (${Date.now() - started} ms)`);
    } catch (err) {
      failed += 1;
      console.log(`FAIL ${test.name} (${Date.now() - started} ms)\n  ${String(err.stack || err).split('\n').join('\n  ')}`);
      for (const [i, context] of journey.contexts.entries()) {
        for (const [j, page] of context.pages().entries()) {
          const file = `${test.name.replace(/[^\w]+/g, '-').toLowerCase()}-failure-${i}-${j}`;
          await screenshot(page, file).then((f) => console.log(`  screenshot: ${path.relative(REPO, f)}`), () => {});
        }
      }
    } finally {
      await journey.close();
    }
  }
  console.log(`\n${passed} passed, ${failed} failed`);
  return { passed, failed };
}
