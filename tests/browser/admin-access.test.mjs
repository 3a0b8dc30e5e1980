// Getting into the admin pages, in real Chromium against the real booth: the first PIN (only
// on the booth's own screen), the live level (only there too), and wrong PINs up to the
// lockout. A booth of its own, since the lockout holds login shut for everyone for 5 minutes.
//
// "A laptop" here is the same booth reached by a name that is not a loopback address
// (Chromium maps booth.test to 127.0.0.1): the page decides what to offer by the address it
// was opened from, exactly as it does on the library's network.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {createRequire} from 'node:module';
import {chromium} from 'playwright-core';
import {
  startBooth, openBrowser, newPage, checkPage, shot, assertNoConsoleErrors, withoutRefusals, assertTouchTargets, chromiumFlags, sleep, sourceDir,
} from './lib/harness.mjs';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const PIN = '1357';
const docImages = process.env.STORYBOOTH_DOC_SCREENSHOTS ? path.join(sourceDir, 'docs/images') : null;

let booth;
let browser;       // the booth's own screen (127.0.0.1)
let laptopBrowser; // the same booth by another name
let laptopUrl;

// The booth's refusals the browser always reports (a wrong PIN is a 401, a lockout a 429, no
// PIN yet a 409) are expected here, and are the only console lines allowed (withoutRefusals).

// How many times a librarian PIN has been set, by the booth's audit log.
const pinsSet = () => booth.sql("SELECT count(*) AS n FROM audit_log WHERE action = 'pin_set'")[0].n;

// Saves the page as docs/images/<name>.png when STORYBOOTH_DOC_SCREENSHOTS is set.
async function docShot(p, name) {
  if (!docImages) return;
  fs.mkdirSync(docImages, {recursive: true});
  await p.screenshot({path: path.join(docImages, `${name}.png`)});
}

async function check(p, name) {
  await checkPage(p, name);
  await assertTouchTargets(p, 48, name);
}

async function laptopPage() {
  return newPage(laptopBrowser, {width: 1280, height: 800});
}

async function submitPin(p, pin) {
  await p.getByLabel('PIN', {exact: true}).fill(pin);
  await p.getByRole('button', {name: 'Log in'}).click();
}

before(async () => {
  booth = await startBooth({args: ['--time-limit-minutes', '0.5']}); // no PIN yet
  browser = await openBrowser();
  laptopBrowser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: [...chromiumFlags, '--host-resolver-rules=MAP booth.test 127.0.0.1'],
  });
  laptopUrl = `http://booth.test:${booth.port}`;
});

after(async () => {
  await laptopBrowser?.close();
  await browser?.close();
  await booth?.stop();
});

test('from a laptop, a booth without a PIN says it must be set on the booth’s screen', async () => {
  const {context, page, errors} = await laptopPage();
  try {
    await page.goto(`${laptopUrl}/admin/`);
    await page.getByRole('heading', {name: 'Librarian login'}).waitFor();
    assert.equal(await page.getByRole('group', {name: 'Number pad'}).count(), 0, 'a laptop types on its keyboard');
    await submitPin(page, '1234');
    const alert = page.getByRole('alert');
    await alert.filter({hasText: 'must be set on the booth’s own screen'}).waitFor();
    assert.match(await alert.textContent(), /No PIN has been set yet/);
    assert.equal(await page.getByRole('heading', {name: 'Choose the librarian PIN'}).count(), 0);
    assert.equal(pinsSet(), 0);
    assertNoConsoleErrors(withoutRefusals(errors, 409));
  } finally {
    await context.close();
  }
});

test('on the booth’s screen the first PIN is chosen on the number pad, then the librarian is in', async () => {
  const {context, page, errors} = await newPage(browser, {width: 800, height: 480});
  try {
    await page.goto(`${booth.url}/admin/`);
    await page.getByRole('group', {name: 'Number pad'}).waitFor();
    await submitPin(page, '1234');
    await page.getByRole('heading', {name: 'Choose the librarian PIN'}).waitFor();
    await check(page, 'first PIN');
    await shot(page, 'admin-first-pin-800x480');

    const pad = page.getByRole('group', {name: 'Number pad'});
    const type = async (digits) => {
      for (const d of digits) await pad.getByRole('button', {name: d, exact: true}).tap();
    };
    // Too short, then two PINs that differ: each refused on the page with its reason.
    await page.getByLabel('New PIN').tap();
    await type('12');
    await page.getByRole('button', {name: 'Set the PIN'}).tap();
    await page.getByText('A PIN is 4 to 12 digits (0–9), nothing else.').waitFor();
    await page.getByLabel('New PIN').fill('');
    await page.getByLabel('New PIN').tap();
    await type(PIN);
    await page.getByLabel('The same PIN again').tap();
    await type('1358');
    await page.getByRole('button', {name: 'Set the PIN'}).tap();
    await page.getByText('The two PINs are not the same. Please type them again.').waitFor();
    assert.equal(pinsSet(), 0);

    await page.getByLabel('The same PIN again').tap();
    await type(PIN);
    await page.getByRole('button', {name: 'Set the PIN'}).tap();
    await page.getByRole('heading', {name: 'Dashboard'}).waitFor();
    assert.equal(pinsSet(), 1);
    assertNoConsoleErrors(withoutRefusals(errors, 409));
  } finally {
    await context.close();
  }
});

test('the booth’s screen shows the live microphone level during a mic check', async () => {
  const {context, page, errors} = await newPage(browser, {width: 1280, height: 800});
  try {
    await page.goto(`${booth.url}/admin/`);
    await submitPin(page, PIN);
    await page.getByRole('heading', {name: 'Dashboard'}).waitFor();
    await page.getByText('The level shows here while someone is using the booth').waitFor();
    await booth.api('POST', '/api/v1/session', {language: 'en'});
    await booth.api('PUT', '/api/v1/session/participants', [{name: 'Ana', role: 'storyteller', channel: 1}]);
    await booth.api('PUT', '/api/v1/session/consent', [{participant: 0, choice: 'private', typed_name: 'Ana'}]);
    await booth.api('PUT', '/api/v1/session/questions', [{text: 'Where did you grow up?'}]);
    await booth.api('POST', '/api/v1/session/mic-check');
    const meter = page.getByRole('meter', {name: 'Microphone 1 level'});
    await meter.waitFor();
    // The simulated conversation is speech: within a few seconds the meter moves off the floor.
    await page.waitForFunction(() => [...document.querySelectorAll('meter')].some((m) => m.value > -60), null, {timeout: 10000});
    await page.getByText('Microphone check').waitFor();
    await check(page, 'dashboard with live level');
    await shot(page, 'admin-dashboard-live-level-1280x800');
    await docShot(page, 'admin-dashboard-live-level');
    await booth.api('DELETE', '/api/v1/session');
    // Leaving the dashboard closes the event stream.
    await page.getByRole('link', {name: 'Stories', exact: true}).click();
    await page.getByRole('heading', {name: 'Stories', level: 1}).waitFor();
    assertNoConsoleErrors(errors);
  } finally {
    await context.close();
  }
});

test('a laptop sees whether the microphone is there, and never asks for the booth-only level stream', async () => {
  const {context, page, errors} = await laptopPage();
  const asked = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/v1/events')) asked.push(r.url());
  });
  try {
    await page.goto(`${laptopUrl}/admin/`);
    await submitPin(page, PIN);
    await page.getByRole('heading', {name: 'Dashboard'}).waitFor();
    await page.getByText('Working:').waitFor();
    await page.getByText('The live level is shown on the booth’s own screen.').waitFor();
    await sleep(500);
    assert.deepEqual(asked, []);
    assertNoConsoleErrors(errors);
  } finally {
    await context.close();
  }
});

test('wrong PINs show the tries left, then the lockout message, even for the right PIN', async () => {
  const {context, page, errors} = await laptopPage();
  try {
    await page.goto(`${laptopUrl}/admin/`);
    await page.getByRole('heading', {name: 'Librarian login'}).waitFor();
    const alert = page.getByRole('alert');
    for (let left = 4; left >= 1; left -= 1) {
      await submitPin(page, '0000');
      await alert.filter({hasText: `That PIN is not right. ${left} tries left.`}).waitFor();
      assert.equal(await page.getByLabel('PIN', {exact: true}).inputValue(), '', 'the PIN field is emptied');
    }
    // The fifth wrong PIN locks login; then even the right PIN is refused with the same words.
    await submitPin(page, '0000');
    await alert.filter({hasText: 'Too many wrong PINs. Try again in 5 minute(s).'}).waitFor();
    await page.evaluate(() => { document.querySelector('[role=alert]').textContent = ''; });
    await submitPin(page, PIN);
    await alert.filter({hasText: 'Too many wrong PINs. Try again in 5 minute(s).'}).waitFor();
    assert.equal(await page.getByRole('heading', {name: 'Dashboard'}).count(), 0);
    await check(page, 'login locked');
    await shot(page, 'admin-login-locked-1280x800');
    await docShot(page, 'admin-login-locked');
    assert.ok(booth.sql("SELECT count(*) AS n FROM audit_log WHERE action = 'login_locked'")[0].n >= 1);
    assertNoConsoleErrors(withoutRefusals(errors, 401, 429));
  } finally {
    await context.close();
  }
});
