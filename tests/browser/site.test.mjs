// The published website, as a listener meets it: the real `storysync publish` run over a real
// library (tests/publish/make_library), then opened in Chromium straight from the folder
// (file://), with no server and no outside requests.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {openBrowser, newPage, checkPage, shot, assertNoConsoleErrors, assertMinTextSize, sourceDir} from './lib/harness.mjs';

const storysync = process.env.STORYSYNC_BIN || path.join(sourceDir, 'build/host-tools/storysync/storysync');
const makeLibrary = process.env.SB_MAKE_LIBRARY || path.join(sourceDir, 'build/tests/publish/make_library');

let work;
let site;
let stories;
let browser;

// Every request a page makes must stay inside the published folder.
function watchRequests(page) {
  const outside = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(pathToFileURL(site).href)) outside.push(r.url());
  });
  return outside;
}

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'storybooth-site-'));
  stories = JSON.parse(execFileSync(makeLibrary, [path.join(work, 'lib'), '4', '12'], {encoding: 'utf8'})).stories;
  execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'color=c=0x23395d:s=1400x1400', '-frames:v', '1',
    path.join(work, 'art.png')]);
  fs.writeFileSync(path.join(work, 'storysync.conf'), [
    `library = ${path.join(work, 'lib')}`,
    'base-url = https://library.example.org/stories/',
    'podcast-title = Voices of Springfield',
    'podcast-email = stories@library.example.org',
    `podcast-artwork = ${path.join(work, 'art.png')}`, ''].join('\n'));
  site = path.join(work, 'site');
  execFileSync(storysync, ['--config', path.join(work, 'storysync.conf'), 'publish', '--out', site], {stdio: 'ignore'});
  browser = await openBrowser();
});

after(async () => {
  await browser?.close();
  if (work && !process.env.SB_KEEP_DATA) fs.rmSync(work, {recursive: true, force: true});
});

test('the index lists the shared stories and search finds one by a participant\'s name', async () => {
  const {page, errors} = await newPage(browser, {width: 1280, height: 800});
  const outside = watchRequests(page);
  await page.goto(pathToFileURL(path.join(site, 'index.html')).href);
  for (const s of stories.filter((x) => x.shared)) await page.getByRole('link', {name: s.title}).waitFor();
  assert.equal(await page.getByText('Just for the family').count(), 0, 'a private story is listed');
  await checkPage(page, 'site index');
  await assertMinTextSize(page, 16, 'site index');

  await page.getByRole('searchbox').fill('ngozi');
  await page.getByRole('link', {name: 'The bakery on Main'}).waitFor();
  await page.getByRole('link', {name: 'River days'}).waitFor({state: 'hidden'});
  await shot(page, 'site-index-search');
  await page.getByRole('searchbox').fill('emile'); // the private story's person: nothing
  await page.getByRole('link', {name: 'The bakery on Main'}).waitFor({state: 'hidden'});
  await page.getByRole('searchbox').fill('');
  await page.getByRole('link', {name: 'River days'}).waitFor();
  assert.deepEqual(outside, []);
  assertNoConsoleErrors(errors);
});

test('a story page plays, and a chapter moves the player to its question', async () => {
  const {page, errors} = await newPage(browser, {width: 800, height: 700});
  const outside = watchRequests(page);
  await page.goto(pathToFileURL(path.join(site, 'index.html')).href);
  await page.getByRole('link', {name: 'River days'}).click();
  await page.getByRole('heading', {name: 'River days', level: 1}).waitFor();
  await checkPage(page, 'story page');
  const player = page.locator('audio');
  await player.evaluate((a) => a.play());
  await page.waitForFunction(() => document.querySelector('audio').currentTime > 0.5, null, {timeout: 15000});
  // The fixture's second marker is at 3.5 s: "What did you do for fun?"
  await player.evaluate((a) => a.pause());
  await page.getByRole('button', {name: /What did you do for fun\?/}).click();
  await page.waitForFunction(() => Math.abs(document.querySelector('audio').currentTime - 3.5) < 0.6, null, {timeout: 10000});
  // Downloads for both files, relative to the folder.
  for (const ext of ['mp3', 'opus']) {
    const href = await page.locator(`a[download][href$=".${ext}"]`).first().getAttribute('href');
    assert.ok(href && !href.includes('://'), `download link ${href}`);
  }
  await shot(page, 'site-story');
  assert.deepEqual(outside, []);
  assertNoConsoleErrors(errors);
});

test('a secret page plays at its own address and asks search engines to leave it out', async () => {
  const secret = stories.find((s) => !s.shared);
  const file = path.join(site, 's', secret.secret_link, 'index.html');
  assert.ok(fs.existsSync(file));
  const {page, errors} = await newPage(browser, {width: 800, height: 700});
  await page.goto(pathToFileURL(file).href);
  await page.getByRole('heading', {name: 'Just for the family', level: 1}).waitFor();
  assert.match(await page.locator('meta[name="robots"]').getAttribute('content'), /noindex/);
  await page.locator('audio').evaluate((a) => a.play());
  await page.waitForFunction(() => document.querySelector('audio').currentTime > 0.3, null, {timeout: 15000});
  await checkPage(page, 'secret page');
  assertNoConsoleErrors(errors);
});
