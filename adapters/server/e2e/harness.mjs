// What the end-to-end tests run against: the built `vaultcred serve --dev` (DevVault and the
// service on a temporary SQLite file), Debian's Chromium driven by playwright-core, and a record
// of everything the browser sent, received and logged.
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../../..');
const LIMIT_MS = 60_000;

/** The vaultcred binary: $VAULTCRED_BIN (the Rust test sets it), else the debug build. */
function binary() {
  if (process.env.VAULTCRED_BIN) return process.env.VAULTCRED_BIN;
  const target = process.env.CARGO_TARGET_DIR || join(REPO, 'target');
  return join(target, 'debug', 'vaultcred');
}

/** Resolves with the first line of `stream` that `match` accepts (rejects after LIMIT_MS). */
function lineOf(stream, match, what, seen) {
  return new Promise((done, fail) => {
    let buffer = '';
    const timer = setTimeout(() => fail(new Error(`no ${what} within ${LIMIT_MS} ms:\n${seen.join('\n')}`)), LIMIT_MS);
    const onData = (chunk) => {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        seen.push(line);
        if (match(line)) {
          clearTimeout(timer);
          stream.off('data', onData);
          done(line);
          return;
        }
      }
    };
    stream.setEncoding('utf8');
    stream.on('data', onData);
  });
}

/**
 * Starts `vaultcred serve --dev --listen 127.0.0.1:0` and reads what it prints: the bound address
 * (from the log line on stderr holding `addr=`), the keys, DevVault's address and root token, and
 * the AppRole config of the curl line.
 */
export async function startService() {
  const child = spawn(binary(), ['serve', '--dev', '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
  const out = [];
  const err = [];
  const failed = new Promise((_, fail) => {
    child.once('error', (e) => fail(new Error(`cannot start ${binary()}: ${e.message} (build it, or set VAULTCRED_BIN)`)));
    exited.then(({ code }) => fail(new Error(`serve --dev exited with ${code}:\n${err.join('\n')}`)));
  });
  const stopAt = (text) => text.includes('Who changed what');
  const [logLine] = await Promise.race([failed, Promise.all([
    lineOf(child.stderr, (l) => l.includes('addr='), 'listening log line on stderr', err),
    lineOf(child.stdout, stopAt, 'walk-through on stdout', out),
  ])]);
  failed.catch(() => {});
  // Keep draining both pipes so the service never blocks on a full one.
  child.stdout.resume();
  child.stderr.resume();
  const plain = logLine.replace(/\x1b\[[0-9;]*m/g, '');
  const addr = /addr=(\S+)/.exec(plain)?.[1];
  const text = out.join('\n');
  const label = (name) => {
    const line = out.find((l) => l.trim().startsWith(name));
    if (!line) throw new Error(`no "${name}" line in:\n${text}`);
    return line.trim().slice(name.length).trim();
  };
  const dev = /^(\S+) \(root token (\S+)\)$/.exec(label('DevVault'));
  const curl = /-d '(\{.*\})'/.exec(text);
  if (!addr || !dev || !curl) throw new Error(`cannot read serve --dev's output:\n${text}\n${plain}`);
  const config = JSON.parse(curl[1]).config;
  return {
    base: `http://${addr}`,
    admin: label('admin key'),
    dispatch: label('dispatch key'),
    vaultAddr: dev[1],
    rootToken: dev[2],
    roleId: config.roleId,
    secretId: config.secretId,
    async stop() {
      child.kill('SIGINT');
      const { code } = await exited;
      if (code !== 0) throw new Error(`serve --dev exited with ${code}:\n${err.join('\n')}`);
    },
  };
}

/** Debian's Chromium, headless, with a fresh profile and no background connections. */
export async function launch() {
  const profile = await mkdtemp(join(tmpdir(), 'vaultcred-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1024, height: 900 },
    colorScheme: 'light',
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Records every request, response body, console message and page error of `context`. */
export function record(context) {
  const log = { requests: [], responses: [], console: [], errors: [], pending: [] };
  context.on('request', (r) => log.requests.push({ url: r.url(), method: r.method(), body: r.postData() }));
  context.on('response', (r) => {
    log.pending.push(r.body().then(
      (b) => log.responses.push({ url: r.url(), status: r.status(), body: b.toString('utf8') }),
      () => log.responses.push({ url: r.url(), status: r.status(), body: '' }),
    ));
  });
  context.on('console', (m) => log.console.push({ type: m.type(), text: m.text() }));
  context.on('weberror', (e) => log.errors.push(String(e.error())));
  return log;
}

/** Where screenshots go: the committed folder with UPDATE_SCREENSHOTS=1, else a temporary one. */
export async function screenshotDir() {
  const dir = process.env.UPDATE_SCREENSHOTS === '1' ? join(HERE, 'screenshots')
    : join(tmpdir(), 'vaultcred-e2e-screenshots');
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Presses Tab until `test(document.activeElement)` holds (at most `max` times). */
export async function tabTo(page, test, max = 30) {
  const passed = [];
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(test)) return;
    passed.push(await focused(page));
  }
  throw new Error(`Tab never reached ${test}; it went through ${passed.join(', ')}`);
}

/** The name (or id) of the focused element. */
export function focused(page) {
  return page.evaluate(() => document.activeElement?.getAttribute('name') || document.activeElement?.id || '');
}
