// What the browser tests share: the real booth daemon on a free loopback port with the
// simulated microphone, Debian's Chromium driven by playwright-core, axe-core accessibility
// checks, and screenshots kept as test artifacts.
//
// Environment (set by ctest, see tests/browser/CMakeLists.txt):
//   STORYBOOTH_BIN   the storybooth program (default: build/firmware/app/storybooth)
//   SB_ARTIFACTS     where screenshots go (default: build/browser-artifacts)
//   SB_KEEP_DATA=1   keep each booth's data folder and log after the test
import {spawn, execFileSync} from 'node:child_process';
import {createRequire} from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import assert from 'node:assert/strict';
import {chromium} from 'playwright-core';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceDir = path.resolve(here, '../../..');
const binary = process.env.STORYBOOTH_BIN || path.join(sourceDir, 'build/firmware/app/storybooth');
export const artifactsDir = process.env.SB_ARTIFACTS || path.join(sourceDir, 'build/browser-artifacts');

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A spoken two-person conversation (espeak-ng + sox), made once and shared by every test.
export function conversationWav() {
  const file = path.join(os.tmpdir(), `storybooth-browser-conversation-${process.getuid?.() ?? 0}.wav`);
  if (!fs.existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp.wav`;
    execFileSync(path.join(sourceDir, 'firmware/scripts/make-conversation.sh'), [tmp, '30'], {stdio: 'ignore'});
    fs.renameSync(tmp, file);
  }
  return file;
}

// Starts `storybooth run`. options.args: more flags; options.pin: sets the first librarian PIN;
// options.input: the simulated microphone's file (default: the conversation; null: no microphone).
export async function startBooth(options = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'storybooth-browser-'));
  const data = path.join(dataDir, 'data');
  const logFile = path.join(dataDir, 'daemon.log');
  const input = options.input === undefined ? conversationWav() : options.input;
  const args = ['run', '--data', data, '--listen', '127.0.0.1:0', ...(input ? ['--input', input] : []), ...(options.args || [])];
  const child = spawn(binary, args, {stdio: ['ignore', 'ignore', 'pipe']});
  const log = fs.createWriteStream(logFile);
  let stderr = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the booth did not start within 20 s:\n${stderr}`)), 20000);
    child.stderr.on('data', (chunk) => {
      log.write(chunk);
      stderr += chunk.toString();
      const m = stderr.match(/serving on http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the booth exited (${code}) before serving:\n${stderr}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;

  // JSON over loopback (so kiosk routes answer). Throws with the booth's sentence on an error status.
  async function api(method, route, body, headers = {}) {
    const init = {method, headers: {...headers}};
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    } else if (method !== 'GET') {
      init.body = '';
    }
    const res = await fetch(url + route, init);
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) {
      const err = new Error(`${method} ${route} → ${res.status}: ${data && data.error}`);
      err.status = res.status;
      throw err;
    }
    return data;
  }

  const booth = {
    url,
    port,
    dataDir: data,
    logFile,
    api,
    log: () => stderr,
    // Rows from the booth's catalog as objects (the sqlite3 program, read-only).
    sql(query) {
      const out = execFileSync('sqlite3', ['-readonly', '-json', path.join(data, 'catalog.db'), query], {encoding: 'utf8'});
      return out.trim() ? JSON.parse(out) : [];
    },
    // Logs in as the librarian from node: {csrf, cookie, call(method, route, body)}.
    async admin(pin = options.pin) {
      const res = await fetch(url + '/api/v1/admin/login', {
        method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({pin}),
      });
      const text = await res.text();
      assert.equal(res.status, 200, `login failed: ${text}`);
      const {csrf} = JSON.parse(text);
      const cookie = res.headers.get('set-cookie').split(';')[0];
      return {csrf, cookie, call: (method, route, body) => api(method, route, body, {Cookie: cookie, 'X-CSRF-Token': csrf})};
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      log.end();
      if (!process.env.SB_KEEP_DATA) fs.rmSync(dataDir, {recursive: true, force: true});
    },
  };
  if (options.pin) await api('POST', '/api/v1/admin/setup-pin', {pin: options.pin});
  return booth;
}

export const chromiumFlags = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--log-level=3',
  '--autoplay-policy=no-user-gesture-required',
];

export async function openBrowser() {
  return chromium.launch({executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: chromiumFlags});
}

// A touch-enabled page of the given size; `errors` collects console errors and uncaught exceptions.
export async function newPage(browser, {width = 800, height = 480} = {}) {
  const context = await browser.newContext({viewport: {width, height}, hasTouch: true, deviceScaleFactor: 1});
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()} (${page.url()})`);
  });
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message} (${page.url()})`));
  return {context, page, errors};
}

// The console errors left once Chromium's own line for each refused request with one of these
// HTTP statuses ("Failed to load resource: … status of 409 (Conflict)") is taken out.
export function withoutRefusals(errors, ...statuses) {
  const refusal = new RegExp(`^console: Failed to load resource: the server responded with a status of (${statuses.join('|')}) \\([^)]*\\) \\(`);
  return errors.filter((e) => !refusal.test(e));
}

export function assertNoConsoleErrors(errors) {
  assert.deepEqual(errors, [], `errors in the browser console:\n${errors.join('\n')}`);
}

// axe-core's source, evaluated through the DevTools protocol rather than added as a <script>
// tag, so a page's Content-Security-Policy (the published site forbids inline scripts) does not
// stop it.
let axeSource;
async function injectAxe(page) {
  const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (loaded) return;
  axeSource ??= fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
}

// axe-core on the page as it is now: fails on any serious or critical violation, and on any
// visible control without an accessible name.
export async function checkPage(page, name) {
  await injectAxe(page);
  const result = await page.evaluate(async () => {
    // preload: false — axe would otherwise fetch the style sheets again, which a page's
    // Content-Security-Policy may rightly refuse (and the checks here do not need).
    const r = await window.axe.run(document, {resultTypes: ['violations'], preload: false});
    window.axe.setup(document); // accessibleText needs axe's node tree, which run() tears down
    const violations = r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
    const unnamed = [];
    const controls = document.querySelectorAll(
      'button, a[href], input:not([type=hidden]), select, textarea, audio[controls], [role=button], [role=slider], [role=checkbox], [role=radio], [role=tab], [role=link], [role=switch]');
    // While a modal dialog is open, only its controls can be reached.
    const modal = document.querySelector('dialog:modal');
    for (const el of controls) {
      if (el.closest('[inert]') || (modal && !modal.contains(el))) continue;
      const box = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
      const label = window.axe.commons.text.accessibleText(el).trim();
      if (!label) unnamed.push(el.outerHTML.slice(0, 120));
    }
    window.axe.teardown();
    return {violations, unnamed};
  });
  assert.deepEqual(result.violations, [], `${name}: accessibility violations:\n${result.violations.join('\n')}`);
  assert.deepEqual(result.unnamed, [], `${name}: controls without an accessible name:\n${result.unnamed.join('\n')}`);
}

// Every visible text on the page is at least `px` CSS pixels (the booth screens: 18).
export async function assertMinTextSize(page, px, name = page.url()) {
  const small = await page.evaluate((min) => {
    const found = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      const el = node.parentElement;
      const box = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
      if (el.closest('.sr-only, [aria-hidden=true]')) continue;
      const size = parseFloat(style.fontSize);
      if (size < min) found.push(`${size}px: "${node.textContent.trim().slice(0, 40)}"`);
    }
    return found;
  }, px);
  assert.deepEqual(small, [], `${name}: text smaller than ${px}px:\n${small.join('\n')}`);
}

// Every visible control is at least `px` by `px` CSS pixels (touch targets).
export async function assertTouchTargets(page, px = 48, name = page.url()) {
  const tiny = await page.evaluate((min) => {
    const found = [];
    for (const el of document.querySelectorAll('button, a[href], input:not([type=hidden]), select, textarea, [role=button], [role=slider], [role=tab]')) {
      const box = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
      // A checkbox or radio counts by its label when the label is the target.
      let target = box;
      if ((el.type === 'checkbox' || el.type === 'radio') && el.labels && el.labels[0]) target = el.labels[0].getBoundingClientRect();
      if (target.width + 0.5 < min || target.height + 0.5 < min)
        found.push(`${Math.round(target.width)}x${Math.round(target.height)}: ${el.outerHTML.slice(0, 100)}`);
    }
    return found;
  }, px);
  assert.deepEqual(tiny, [], `${name}: touch targets smaller than ${px}px:\n${tiny.join('\n')}`);
}

// Saves a screenshot as <artifacts>/<name>.png and checks it is not blank (one colour, or nearly).
export async function shot(page, name) {
  fs.mkdirSync(artifactsDir, {recursive: true});
  const file = path.join(artifactsDir, `${name}.png`);
  const png = await page.screenshot({path: file});
  const probe = await page.context().newPage();
  try {
    const stats = await probe.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const canvas = new OffscreenCanvas(img.width, img.height);
      const ctx = canvas.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const {data} = ctx.getImageData(0, 0, img.width, img.height);
      const counts = new Map();
      for (let i = 0; i < data.length; i += 4) {
        const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
        counts.set(key, (counts.get(key) || 0) + 1);
      }
      const pixels = data.length / 4;
      const dominant = Math.max(...counts.values());
      return {colours: counts.size, dominantShare: dominant / pixels, width: img.width, height: img.height};
    }, png.toString('base64'));
    assert.ok(stats.colours >= 3 && stats.dominantShare < 0.995,
      `${name}: the screenshot looks blank (${stats.colours} colours, ${(stats.dominantShare * 100).toFixed(1)}% one colour)`);
    return {file, ...stats};
  } finally {
    await probe.close();
  }
}
