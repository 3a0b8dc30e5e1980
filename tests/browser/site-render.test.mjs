// The published site (host-tools/site) opened straight from the disk (file://) in real
// Chromium: the index and its search, the list without scripts, a story's player and chapter
// buttons, a secret page; axe-core on each, no console errors (a Content-Security-Policy
// refusal would be one), and nothing requested but the site's own files.
//
// The site is written by tests/site/site_fixture (two listed stories, one secret page) with
// audio made here by sox and opusenc. The fixture is found through SITE_FIXTURE, or in the
// build folder beside SB_ARTIFACTS (both set by ctest; see tests/browser/CMakeLists.txt).
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {pathToFileURL, fileURLToPath} from 'node:url';
import {createRequire} from 'node:module';
import {
  openBrowser, newPage, checkPage, shot, assertNoConsoleErrors, assertMinTextSize, artifactsDir, sourceDir,
} from './lib/harness.mjs';

const fixture = process.env.SITE_FIXTURE || [
  path.join(path.dirname(artifactsDir), 'tests/site/site_fixture'),
  path.join(sourceDir, 'build/tests/site/site_fixture'),
].find((p) => fs.existsSync(p));

let work;
let site;
let secretPath;
let browser;

const url = (rel) => pathToFileURL(path.join(site, rel)).href;

// A page whose every request is recorded, to prove nothing leaves the site's folder.
async function sitePage(options) {
  const opened = await newPage(browser, options);
  opened.requests = [];
  opened.page.on('request', (r) => opened.requests.push(r.url()));
  return opened;
}

function assertOnlySiteFiles(requests) {
  const root = pathToFileURL(site).href + '/';
  const outside = requests.filter((u) => !u.startsWith(root));
  assert.deepEqual(outside, [], `requests outside the site's folder:\n${outside.join('\n')}`);
}

// axe-core, loaded from the site's own folder: the pages' Content-Security-Policy refuses the
// inline script the harness would otherwise inject, and the policy is what is under test. Its
// stylesheet preloading (a fetch the policy rightly refuses) is turned off.
async function checkSitePage(page, name) {
  await page.addScriptTag({url: url('axe-for-tests.js')});
  await page.evaluate(() => {
    const run = window.axe.run.bind(window.axe);
    window.axe.run = (context, options = {}) => run(context, {...options, preload: false});
  });
  await checkPage(page, name);
}

const visibleCards = (page) => page.locator('li.story-card:visible');

before(async () => {
  assert.ok(fixture && fs.existsSync(fixture), 'site_fixture is not built (ninja site_fixture), or set SITE_FIXTURE');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'storybooth-site-'));
  const wav = path.join(work, 'speech.wav');
  const opus = path.join(work, 'speech.opus');
  // 20 s: a tone that rises a little every few seconds, so the audio is not silence.
  execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', wav, 'synth', '20', 'sine', '220-440', 'vol', '0.3']);
  execFileSync('opusenc', ['--quiet', wav, opus]);
  // The collection's artwork: a picture drawn by the browser itself.
  browser = await openBrowser();
  const artwork = path.join(work, 'artwork.png');
  const drawing = await browser.newPage({viewport: {width: 300, height: 300}});
  await drawing.setContent('<body style="margin:0;background:#c9a45a"><div style="margin:60px;width:180px;height:180px;border-radius:50%;background:#24453d"></div></body>');
  await drawing.screenshot({path: artwork});
  await drawing.close();
  site = path.join(work, 'site');
  secretPath = execFileSync(fixture, [site, wav, opus, artwork], {encoding: 'utf8'}).trim();
  fs.copyFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), path.join(site, 'axe-for-tests.js'));
  assert.match(secretPath, /^s\/[0-9a-f]{32}\/$/);
});

after(async () => {
  await browser?.close();
  if (work && !process.env.SB_KEEP_DATA) fs.rmSync(work, {recursive: true, force: true});
});

test('the index lists the shared stories newest first and its search finds a name without its accents', async () => {
  const {context, page, errors, requests} = await sitePage({width: 360, height: 780});
  try {
    await page.goto(url('index.html'));
    const titles = await page.locator('li.story-card h2').allTextContents();
    assert.deepEqual(titles, ['La casa de mi abuela en Río Piedras', 'Night shifts at the bakery']);
    assert.ok(!(await page.content()).includes(secretPath.slice(2, -1)), 'the secret page is not on the index');
    await page.waitForFunction(() => document.querySelector('img.art').naturalWidth === 300);
    const status = page.getByRole('status');
    assert.equal((await status.textContent()).trim(), '2 stories');

    const search = page.getByRole('searchbox', {name: 'Search stories'});
    await search.fill('nunez');
    await assert.doesNotReject(visibleCards(page).first().waitFor());
    await page.waitForFunction(() => document.querySelectorAll('li.story-card:not([hidden])').length === 1);
    assert.deepEqual(await visibleCards(page).locator('h2').allTextContents(), ['La casa de mi abuela en Río Piedras']);
    assert.equal((await status.textContent()).trim(), '1 of 2 stories match.');

    await search.fill('HADDAD bread');
    await page.waitForFunction(() => document.querySelectorAll('li.story-card:not([hidden])').length === 1);
    assert.deepEqual(await visibleCards(page).locator('h2').allTextContents(), ['Night shifts at the bakery']);

    await search.fill('ليلى');
    await page.waitForFunction(() => document.querySelectorAll('li.story-card:not([hidden])').length === 1);
    assert.deepEqual(await visibleCards(page).locator('h2').allTextContents(), ['Night shifts at the bakery']);

    await search.fill('rio piedras');
    await page.waitForFunction(() => document.querySelectorAll('li.story-card:not([hidden])').length === 1);
    assert.deepEqual(await visibleCards(page).locator('h2').allTextContents(), ['La casa de mi abuela en Río Piedras']);

    await search.fill('zebra');
    await page.waitForFunction(() => document.querySelectorAll('li.story-card:not([hidden])').length === 0);
    assert.equal((await status.textContent()).trim(), 'No story matches your search.');

    await search.fill('');
    await page.waitForFunction(() => document.querySelectorAll('li.story-card:not([hidden])').length === 2);
    assert.equal((await status.textContent()).trim(), '2 stories');

    await search.fill('familia');
    await page.waitForFunction(() => document.querySelectorAll('li.story-card:not([hidden])').length === 1);
    await checkSitePage(page, 'site index (searching, 360 px)');
    await assertMinTextSize(page, 16, 'site index');
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scroll <= 360, `the index scrolls sideways at 360 px (${scroll} px wide)`);
    await shot(page, 'site-index-360');
    assertNoConsoleErrors(errors);
    assertOnlySiteFiles(requests);
  } finally {
    await context.close();
  }
});

test('on a desktop the index reads as one calm column', async () => {
  const {context, page, errors, requests} = await sitePage({width: 1280, height: 800});
  try {
    await page.goto(url('index.html'));
    await page.getByRole('searchbox', {name: 'Search stories'}).waitFor();
    await checkSitePage(page, 'site index (desktop)');
    await shot(page, 'site-index-desktop');
    assertNoConsoleErrors(errors);
    assertOnlySiteFiles(requests);
  } finally {
    await context.close();
  }
});

test('without scripts every story is listed and no search is offered', async () => {
  const context = await browser.newContext({viewport: {width: 800, height: 600}, javaScriptEnabled: false});
  try {
    const page = await context.newPage();
    await page.goto(url('index.html'));
    assert.equal(await visibleCards(page).count(), 2);
    assert.equal(await page.getByRole('searchbox').count(), 0);
  } finally {
    await context.close();
  }
});

test('a story page plays, and a chapter button jumps the player to that chapter', async () => {
  const {context, page, errors, requests} = await sitePage({width: 360, height: 780});
  try {
    await page.goto(url('index.html'));
    await page.getByRole('link', {name: 'La casa de mi abuela en Río Piedras'}).click();
    await page.waitForURL(/stories\/3f9a1c52-7d44-4b8e-9a61-0c2b5e8d7f10\/index\.html$/);
    await page.getByRole('heading', {level: 1, name: 'La casa de mi abuela en Río Piedras'}).waitFor();

    const player = page.locator('audio#player');
    assert.equal(await player.getAttribute('preload'), 'metadata');
    await page.waitForFunction(() => document.getElementById('player').readyState >= 1);
    const duration = await player.evaluate((a) => a.duration);
    assert.ok(duration > 19 && duration < 21, `the player knows the duration (${duration} s)`);

    await player.evaluate((a) => a.play());
    await page.waitForFunction(() => document.getElementById('player').currentTime > 0.5, null, {timeout: 10000});

    const chapters = page.locator('ol.chapters button');
    assert.deepEqual(await chapters.locator('.time').allTextContents(), ['0:00', '0:06', '0:13']);
    await page.getByRole('button', {name: /¿Cómo era la casa\?/}).click();
    await page.waitForFunction(() => {
      const t = document.getElementById('player').currentTime;
      return t >= 6.5 && t < 9;
    }, null, {timeout: 5000});
    assert.equal(await player.evaluate((a) => a.paused), false, 'it plays from the chapter');
    await page.waitForFunction(() => document.querySelectorAll('ol.chapters button')[1].getAttribute('aria-current') === 'true');

    // The third chapter, then it keeps playing past its start.
    await chapters.nth(2).click();
    await page.waitForFunction(() => document.getElementById('player').currentTime > 13.2, null, {timeout: 5000});

    // The downloads are the site's own files, offered as downloads.
    for (const link of await page.getByRole('link', {name: /audio/}).all()) {
      assert.equal(await link.getAttribute('download'), '');
      const file = fileURLToPath(await link.evaluate((a) => a.href));
      assert.ok(fs.existsSync(file), `${file} exists`);
    }
    const feed = page.getByRole('link', {name: 'Podcast feed (RSS)'});
    assert.ok(fs.existsSync(fileURLToPath(await feed.evaluate((a) => a.href))));

    await player.evaluate((a) => a.pause());
    await checkSitePage(page, 'story page (360 px)');
    await assertMinTextSize(page, 16, 'story page');
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scroll <= 360, `the story page scrolls sideways at 360 px (${scroll} px wide)`);
    await shot(page, 'site-story-360');

    await page.getByRole('link', {name: 'All stories'}).click();
    await page.waitForURL(/\/index\.html$/);
    await page.getByRole('searchbox', {name: 'Search stories'}).waitFor();
    assertNoConsoleErrors(errors);
    assertOnlySiteFiles(requests);
  } finally {
    await context.close();
  }
});

test('a story page on a desktop, in the story’s right-to-left names as well', async () => {
  const {context, page, errors, requests} = await sitePage({width: 1280, height: 900});
  try {
    await page.goto(url('stories/8b2e4d17-1a9c-4f3b-b7d2-5e6a0c9f1234/index.html'));
    await page.waitForFunction(() => document.querySelector('img.art').naturalWidth === 300);
    const rtl = page.locator('.people .name', {hasText: 'ليلى حداد'});
    assert.equal(await rtl.evaluate((el) => getComputedStyle(el).direction), 'rtl');
    await checkSitePage(page, 'story page (desktop)');
    await shot(page, 'site-story-desktop');
    assertNoConsoleErrors(errors);
    assertOnlySiteFiles(requests);
  } finally {
    await context.close();
  }
});

test('a secret page plays but is marked noindex and carries no list of other stories', async () => {
  const {context, page, errors, requests} = await sitePage({width: 800, height: 900});
  try {
    await page.goto(url(`${secretPath}index.html`));
    await page.getByRole('heading', {level: 1, name: 'A letter I never sent'}).waitFor();
    assert.equal(await page.locator('meta[name=robots]').getAttribute('content'), 'noindex, nofollow');
    assert.equal(await page.locator('script[type="application/json"]').count(), 0);
    assert.match(await page.locator('.unlisted').textContent(), /unlisted/);
    await page.waitForFunction(() => document.getElementById('player').readyState >= 1);
    await checkSitePage(page, 'secret page');
    await shot(page, 'site-secret-page');
    assertNoConsoleErrors(errors);
    assertOnlySiteFiles(requests);
  } finally {
    await context.close();
  }
});
