// The librarian's admin pages in real Chromium against the real booth (simulated microphone):
// login, dashboard, finding, editing, re-sharing, withdrawing and deleting a story, question
// sets, settings with a rule broken, pairing, audit log, the session ending; with axe-core,
// touch-target and text-size checks and screenshots of every page at 1280x800 and 800x480.
//
// STORYBOOTH_DOC_SCREENSHOTS=1 also writes the librarian guide's pictures to docs/images/.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import {
  startBooth, openBrowser, newPage, checkPage, shot, assertNoConsoleErrors, withoutRefusals,
  assertMinTextSize, assertTouchTargets, sourceDir, sleep,
} from './lib/harness.mjs';

const require = createRequire(import.meta.url);
const PIN = '2468';
const docImages = process.env.STORYBOOTH_DOC_SCREENSHOTS ? path.join(sourceDir, 'docs/images') : null;

let booth;
let browser;
let page;
let errors;
const stories = {};

// A story recorded through the touchscreen's own API, as visitors would make it.
async function recordStory({title, people, choices, keywords, questions}) {
  await booth.api('POST', '/api/v1/session', {language: 'en'});
  await booth.api('PUT', '/api/v1/session/participants', people);
  await booth.api('PUT', '/api/v1/session/consent',
    people.map((p, i) => ({participant: i, choice: choices[i], typed_name: p.name})));
  await booth.api('PUT', '/api/v1/session/questions', questions.map((text) => ({text})));
  await booth.api('POST', '/api/v1/session/mic-check');
  await booth.api('POST', '/api/v1/session/record');
  await sleep(1200);
  if (questions.length > 1) await booth.api('POST', '/api/v1/session/next-question');
  await sleep(900);
  await booth.api('POST', '/api/v1/session/stop');
  await booth.api('PUT', '/api/v1/session/review', {title, description: '', keywords});
  const saved = await booth.api('POST', '/api/v1/session/save');
  return saved.story;
}

function storyRow(id) {
  return booth.sql(`SELECT title, state, share_level FROM stories WHERE id = '${id}'`)[0];
}

// axe-core with a modal dialog open: the page behind it is inert, so only the dialog's own
// controls must have names (the harness's name pass does not know about inert content yet).
async function checkDialog(p, name) {
  const loaded = await p.evaluate(() => typeof window.axe !== 'undefined');
  if (!loaded) await p.addScriptTag({path: require.resolve('axe-core/axe.min.js')});
  const result = await p.evaluate(async () => {
    const r = await window.axe.run(document, {resultTypes: ['violations']});
    window.axe.setup(document); // accessibleText needs the node tree run() tears down
    const violations = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
    const unnamed = [...document.querySelectorAll('dialog[open] button')]
      .filter((b) => !window.axe.commons.text.accessibleText(b).trim()).map((b) => b.outerHTML);
    window.axe.teardown();
    return {violations, unnamed};
  });
  assert.deepEqual(result.violations, [], `${name}: accessibility violations`);
  assert.deepEqual(result.unnamed, [], `${name}: dialog controls without a name`);
}

// Everything a page must pass at the size it is shown at.
async function checkScreen(name) {
  await checkPage(page, name);
  await assertTouchTargets(page, 48, name);
  await assertMinTextSize(page, 16, name);
}

// Screenshots of the page as it is, at the laptop's and the booth's sizes, each checked.
async function shots(name, {doc = false} = {}) {
  await page.setViewportSize({width: 1280, height: 800});
  await sleep(150);
  await checkScreen(`${name} 1280x800`);
  await shot(page, `${name}-1280x800`);
  if (doc && docImages) {
    fs.mkdirSync(docImages, {recursive: true});
    await page.screenshot({path: path.join(docImages, `${name}.png`)});
  }
  await page.setViewportSize({width: 800, height: 480});
  await sleep(150);
  await checkScreen(`${name} 800x480`);
  await shot(page, `${name}-800x480`);
  await page.setViewportSize({width: 1280, height: 800});
}

async function open(hash) {
  await page.goto(`${booth.url}/admin/${hash}`);
}

before(async () => {
  booth = await startBooth({args: ['--time-limit-minutes', '0.2'], pin: PIN});
  const people = [
    {name: 'Rosa Díaz', role: 'storyteller', age_range: '70+', relationship: 'grandmother', channel: 2},
    {name: 'Lucía Díaz', role: 'interviewer', age_range: '18-29', relationship: 'granddaughter', channel: 1},
  ];
  stories.bakery = await recordStory({title: 'The bakery on Elm Street', people, choices: ['share', 'share'],
    keywords: ['bread', 'family'], questions: ['What do you remember about your grandmother?', 'Where did you grow up?']});
  stories.river = await recordStory({title: 'Summers by the river', people: [people[0]], choices: ['private'],
    keywords: ['swimming'], questions: ['Where did you grow up?']});
  browser = await openBrowser();
  ({page, errors} = await newPage(browser, {width: 1280, height: 800}));
});

after(async () => {
  await browser?.close();
  await booth?.stop();
});

test('the login page asks for the PIN and passes the accessibility checks', async () => {
  await open('');
  await page.getByRole('heading', {name: 'Librarian login'}).waitFor();
  await shots('admin-login');
  assertNoConsoleErrors(errors);
});

test('the right PIN opens the dashboard: microphone, storage, stories, clock', async () => {
  await page.getByLabel('PIN', {exact: true}).fill(PIN);
  await page.getByRole('button', {name: 'Log in'}).click();
  await page.getByRole('heading', {name: 'Dashboard'}).waitFor();
  const main = page.locator('main');
  await main.getByText('Working:').waitFor();
  const complete = main.locator('dl.counts div', {hasText: 'Complete'});
  assert.equal((await complete.locator('dd').textContent()).trim(), '2');
  assert.match(await main.textContent(), /Recording time left/);
  assert.match(await main.textContent(), /No laptop is paired yet/);
  assert.match(await main.textContent(), /Clock/);
  // The CSRF token is kept for this tab only, and the header names the booth.
  assert.ok(await page.evaluate(() => sessionStorage.getItem('storybooth-admin-csrf')));
  assert.match(await page.locator('#booth-name').textContent(), /\(\w+\)/);
  await shots('admin-dashboard', {doc: true});
  assertNoConsoleErrors(errors);
});

test('export to a USB drive lists the drives the booth can write to', async () => {
  const admin = await booth.admin(PIN);
  const {targets} = await admin.call('GET', '/api/v1/admin/export/targets');
  await page.getByRole('button', {name: 'Look for USB drives'}).click();
  if (targets.length === 0) {
    await page.getByRole('status').filter({hasText: 'No USB drive found. Plug one into the booth and try again.'}).waitFor();
  } else {
    // Drives are listed, each with its own button; nothing is copied until one is pressed.
    for (const target of targets) await page.getByRole('button', {name: `Export to ${target.path}`}).waitFor();
  }
  assertNoConsoleErrors(errors);
});

test('a reload keeps the librarian logged in', async () => {
  await page.reload();
  await page.getByRole('heading', {name: 'Dashboard'}).waitFor();
  assertNoConsoleErrors(errors);
});

// Searches and waits for that search's answer: two searches in a row can both say "1 story".
async function search() {
  await page.getByRole('button', {name: 'Search', exact: true}).click();
  await page.locator('.story-list[aria-busy="false"]').waitFor();
}

test('search finds the new story, and the state and sharing filters narrow the list', async () => {
  await page.getByRole('link', {name: 'Stories', exact: true}).click();
  await page.getByRole('heading', {name: 'Stories', level: 1}).waitFor();
  await page.locator('.story-item').first().waitFor();
  assert.equal(await page.locator('.story-item').count(), 2);
  await shots('admin-stories', {doc: true});

  await page.getByLabel('Search titles, descriptions, names and keywords').fill('bakery');
  await search();
  await page.getByRole('status').filter({hasText: '1 story'}).waitFor();
  const items = page.locator('.story-item');
  assert.equal(await items.count(), 1);
  assert.match(await items.first().textContent(), /The bakery on Elm Street/);
  assert.match(page.url(), /#\/stories\?q=bakery/);

  // A keyword and a name, whatever their accents and case.
  await page.getByLabel('Search titles, descriptions, names and keywords').fill('LUCIA');
  await search();
  await page.getByRole('status').filter({hasText: '1 story'}).waitFor();
  assert.match(await items.first().textContent(), /bakery/);

  await page.getByLabel('Search titles, descriptions, names and keywords').fill('');
  await page.getByLabel('Sharing').selectOption('private');
  await search();
  await page.getByRole('status').filter({hasText: '1 story'}).waitFor();
  assert.match(await items.first().textContent(), /Summers by the river/);
  assert.match(await items.first().textContent(), /Private/);
  assertNoConsoleErrors(errors);
});

const storyListUrl = (url) => url.pathname === '/api/v1/admin/stories';

test('a slow first list does not overwrite a search made while it loaded', async () => {
  // The first list (no search) answers late; the search for "bakery" answers at once.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  const slowFirstList = async (route) => {
    if (new URL(route.request().url()).searchParams.has('q')) return route.continue();
    await held;
    return route.continue();
  };
  await page.route(storyListUrl, slowFirstList);
  try {
    await open('#/dashboard');
    await page.getByRole('heading', {name: 'Dashboard'}).waitFor();
    await page.getByRole('link', {name: 'Stories', exact: true}).click();
    await page.getByRole('heading', {name: 'Stories', level: 1}).waitFor();
    await page.getByLabel('Search titles, descriptions, names and keywords').fill('bakery');
    await search();
    release();
    await sleep(500); // time for the late answer to arrive and (wrongly) be drawn
    const items = page.locator('.story-item');
    assert.equal(await items.count(), 1);
    assert.match(await items.first().textContent(), /The bakery on Elm Street/);
    assert.match(await page.getByRole('status').textContent(), /1 story/);
  } finally {
    release();
    await page.unroute(storyListUrl, slowFirstList);
  }
  assertNoConsoleErrors(errors);
});

test('a story opens with its player, participants and consents', async () => {
  await open('#/stories?q=bakery');
  await page.getByRole('link', {name: 'The bakery on Elm Street'}).click();
  await page.getByRole('heading', {name: 'The bakery on Elm Street', level: 1}).waitFor();
  const main = page.locator('main');
  assert.match(await main.textContent(), new RegExp(stories.bakery.code));
  assert.match(await main.textContent(), /Rosa Díaz/);
  assert.match(await main.textContent(), /chose to share with the community/);
  // The listening copy plays (the admin session's cookie reaches the audio route).
  const duration = await page.locator('audio').evaluate((a) => new Promise((resolve, reject) => {
    if (a.readyState >= 1) resolve(a.duration);
    a.addEventListener('loadedmetadata', () => resolve(a.duration));
    a.addEventListener('error', () => reject(new Error('the audio did not load')));
  }));
  assert.ok(duration > 1 && Number.isFinite(duration), `duration ${duration}`);
  await page.getByRole('button', {name: /Play from 0:0/}).first().click();
  await page.waitForFunction(() => !document.querySelector('audio').paused);
  await page.locator('audio').evaluate((a) => a.pause());
  await shots('admin-story', {doc: true});
  assertNoConsoleErrors(errors);
});

test('editing the title saves it in the catalog', async () => {
  await page.getByLabel('Title', {exact: true}).fill('The bakery on Elm Street, 1962');
  await page.getByLabel('Keywords').fill('bread, family, Elm Street');
  await page.getByRole('button', {name: 'Save changes'}).click();
  await page.getByRole('status').filter({hasText: 'Saved.'}).waitFor();
  await page.getByRole('heading', {name: 'The bakery on Elm Street, 1962', level: 1}).waitFor();
  assert.equal(storyRow(stories.bakery.id).title, 'The bakery on Elm Street, 1962');
  // An empty title is refused on the page, and the catalog keeps the old one.
  await page.getByLabel('Title', {exact: true}).fill('  ');
  await page.getByRole('button', {name: 'Save changes'}).click();
  await page.getByText('Please give the story a title.').waitFor();
  assert.equal(await page.getByLabel('Title', {exact: true}).getAttribute('aria-invalid'), 'true');
  assert.equal(storyRow(stories.bakery.id).title, 'The bakery on Elm Street, 1962');
  assertNoConsoleErrors(errors);
});

test('the sharing level changes at a participant’s request', async () => {
  assert.equal(storyRow(stories.bakery.id).share_level, 'community');
  await page.getByLabel(/^Private:/).check();
  await page.getByRole('button', {name: 'Change sharing level'}).click();
  await page.getByRole('status').filter({hasText: 'Sharing level changed to: Private.'}).waitFor();
  assert.equal(storyRow(stories.bakery.id).share_level, 'private');
  assertNoConsoleErrors(errors);
});

test('a private story gets a secret link on request, and it can be taken back', async () => {
  const card = page.locator('#secret-card');
  await card.getByRole('button', {name: 'Make a secret link'}).click();
  await card.getByRole('status').filter({hasText: 'Secret link made.'}).waitFor();
  const link = booth.sql(`SELECT secret_link FROM stories WHERE id = '${stories.bakery.id}'`)[0].secret_link;
  assert.match(link, /^[0-9a-f]{32}$/);
  assert.match(await card.locator('.secret-link').textContent(), new RegExp(`s/${link}/`));
  await checkPage(page, 'secret link');
  await card.getByRole('button', {name: 'Take the secret link back'}).click();
  await page.getByRole('dialog').getByRole('button', {name: 'Take it back'}).click();
  await card.getByRole('status').filter({hasText: 'The secret link is taken back.'}).waitFor();
  assert.equal(booth.sql(`SELECT secret_link FROM stories WHERE id = '${stories.bakery.id}'`)[0].secret_link, '');
  await card.getByRole('button', {name: 'Make a secret link'}).waitFor();
  assertNoConsoleErrors(errors);
});

test('withdrawing asks first, and Cancel changes nothing', async () => {
  await page.getByRole('button', {name: 'Withdraw this story'}).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /Withdraw “The bakery on Elm Street, 1962”/);
  await checkDialog(page, 'withdraw confirmation');
  await dialog.getByRole('button', {name: 'Cancel'}).click();
  await dialog.waitFor({state: 'hidden'});
  assert.equal(storyRow(stories.bakery.id).state, 'complete');

  await page.getByRole('button', {name: 'Withdraw this story'}).click();
  await dialog.getByRole('button', {name: 'Withdraw', exact: true}).click();
  await page.getByText('The story is withdrawn.').waitFor();
  assert.equal(storyRow(stories.bakery.id).state, 'withdrawn');
  assert.match(await page.locator('main .badges').textContent(), /Withdrawn/);
  assert.equal(await page.getByRole('button', {name: 'Withdraw this story'}).count(), 0);
  assertNoConsoleErrors(errors);
});

test('deleting asks first, then removes the story for good', async () => {
  await open('#/stories?q=river');
  await page.getByRole('link', {name: 'Summers by the river'}).click();
  await page.getByRole('heading', {name: 'Summers by the river', level: 1}).waitFor();
  await page.getByRole('button', {name: 'Delete for good'}).click();
  const dialog = page.getByRole('dialog');
  assert.match(await dialog.textContent(), /cannot be brought back/);
  await dialog.getByRole('button', {name: 'Delete for good'}).click();
  await page.getByRole('heading', {name: 'Stories', level: 1}).waitFor();
  await page.getByText('The story “Summers by the river” was deleted.').waitFor();
  assert.equal(storyRow(stories.river.id).state, 'deleted');
  assert.equal(fs.existsSync(path.join(booth.dataDir, 'stories', stories.river.id)), false);
  assertNoConsoleErrors(errors);
});

test('question sets: add a set and questions, reorder, save; each language has its own sets', async () => {
  await page.getByRole('link', {name: 'Questions'}).click();
  await page.getByRole('heading', {name: 'Question sets'}).waitFor();
  await page.getByText('There are no sets in this language yet.').waitFor();
  await page.getByRole('button', {name: 'Add a set'}).click();
  const set = page.locator('fieldset.set').first();
  const name = set.getByLabel('Set name');
  assert.ok(await name.evaluate((el) => el === document.activeElement), 'the new set\'s name has the focus');
  await name.fill('Growing up');
  await set.getByRole('textbox', {name: /^Question 1/}).fill('Where did you grow up?');
  await set.getByRole('button', {name: 'Add a question'}).click();
  const second = set.getByRole('textbox', {name: /^Question 2/});
  assert.ok(await second.evaluate((el) => el === document.activeElement), 'the new question has the focus');
  await second.fill('What song reminds you of home?');
  await set.getByRole('button', {name: 'Move question 2 up'}).click();
  assert.equal(await set.getByRole('textbox', {name: /^Question 1/}).inputValue(), 'What song reminds you of home?');
  assert.equal(await set.getByRole('button', {name: 'Move question 1 up'}).isDisabled(), true);
  await page.getByText('You have changes that are not saved yet.').waitFor();
  await shots('admin-questions', {doc: true});
  await page.getByRole('button', {name: 'Save question sets'}).click();
  await page.getByRole('status').filter({hasText: 'Saved.'}).waitFor();
  const rows = booth.sql(`SELECT q.text FROM set_questions q JOIN question_sets s ON s.id = q.set_id
                          WHERE s.name = 'Growing up' AND s.language = 'en' ORDER BY q.position`);
  assert.deepEqual(rows.map((r) => r.text), ['What song reminds you of home?', 'Where did you grow up?']);
  // The touchscreen offers the saved set.
  const kiosk = await booth.api('GET', '/api/v1/questions?language=en');
  assert.deepEqual(kiosk.sets.map((x) => x.name), ['Growing up']);

  // Spanish sets are separate; a set without a name is refused before anything is sent.
  await page.getByRole('button', {name: /^Spanish/}).click();
  assert.equal(await page.getByRole('button', {name: /^Spanish/}).getAttribute('aria-pressed'), 'true');
  await page.getByText('There are no sets in this language yet.').waitFor();
  await page.getByRole('button', {name: 'Add a set'}).click();
  const spanish = page.locator('fieldset.set').first();
  await spanish.getByLabel('Set name').fill('');
  await spanish.getByRole('textbox', {name: /^Question 1/}).fill('¿Dónde creciste?');
  await page.getByRole('button', {name: 'Save question sets'}).click();
  await page.getByRole('alert').filter({hasText: 'Every set needs a name (set 1).'}).waitFor();
  assert.equal(booth.sql("SELECT count(*) AS n FROM question_sets WHERE language = 'es'")[0].n, 0);
  await spanish.getByLabel('Set name').fill('Crecer');
  await page.getByRole('button', {name: 'Save question sets'}).click();
  await page.getByRole('status').filter({hasText: 'Saved.'}).waitFor();
  assert.deepEqual(booth.sql('SELECT name, language FROM question_sets ORDER BY id'),
    [{name: 'Growing up', language: 'en'}, {name: 'Crecer', language: 'es'}]);
  assertNoConsoleErrors(errors);
});

test('settings: a value that breaks a rule is shown next to it and nothing is saved', async () => {
  await open('#/settings');
  await page.getByRole('heading', {name: 'Settings'}).waitFor();
  const limit = page.getByLabel('Longest recording (minutes)');
  const was = await limit.inputValue();
  await limit.fill('90');
  await page.getByRole('button', {name: 'Save settings'}).click();
  const error = page.getByText(/The longest recording must be a number of minutes from 0.05 to 60/);
  await error.waitFor();
  assert.equal(await limit.getAttribute('aria-invalid'), 'true');
  assert.match(await page.getByRole('alert').first().textContent(), /Please correct the settings marked below/);
  await shots('admin-settings-error', {doc: true});
  const saved = await page.evaluate(() => fetch('/api/v1/admin/settings').then((r) => r.json()));
  assert.equal(saved['time-limit-minutes'], was);

  // No language at all is refused on the page.
  await limit.fill(was);
  await page.getByLabel('English').uncheck();
  await page.getByLabel('Spanish').uncheck();
  await page.getByRole('button', {name: 'Save settings'}).click();
  await page.getByText('Choose at least one language for visitors.').waitFor();
  await page.getByLabel('English').check();

  // A good value is saved, and the page header follows the booth's new name.
  await page.getByLabel('Booth name').fill('Eastside Library');
  await page.getByRole('button', {name: 'Save settings'}).click();
  await page.getByRole('status').filter({hasText: 'Saved.'}).waitFor();
  assert.equal(await limit.getAttribute('aria-invalid'), null);
  assert.match(await page.locator('#booth-name').textContent(), /Eastside Library/);
  const after = await page.evaluate(() => fetch('/api/v1/admin/settings').then((r) => r.json()));
  assert.equal(after['booth-name'], 'Eastside Library');
  await shots('admin-settings');
  assertNoConsoleErrors(errors);
});

test('settings saved during a recording leave the recording alone', async () => {
  await booth.api('POST', '/api/v1/session', {language: 'en'});
  await booth.api('PUT', '/api/v1/session/participants', [{name: 'Ana', role: 'storyteller', channel: 1}]);
  await booth.api('PUT', '/api/v1/session/consent', [{participant: 0, choice: 'private', typed_name: 'Ana'}]);
  await booth.api('PUT', '/api/v1/session/questions', [{text: 'Where did you grow up?'}]);
  await booth.api('POST', '/api/v1/session/mic-check');
  const started = await booth.api('POST', '/api/v1/session/record');
  await page.getByLabel('Longest recording (minutes)').fill('30');
  await page.getByRole('button', {name: 'Save settings'}).click();
  await page.getByRole('status').filter({hasText: 'Saved.'}).waitFor();
  const now = await booth.api('GET', '/api/v1/session');
  assert.equal(now.state, 'recording');
  assert.equal(now.story.id, started.story.id);
  // The running story keeps its 0.2-minute limit, not the new 30 minutes.
  assert.ok(now.remaining_ms <= 12000, `remaining ${now.remaining_ms} ms`);
  await booth.api('DELETE', '/api/v1/session');
  assertNoConsoleErrors(errors);
});

test('pairing shows a one-time code with its QR code', async () => {
  await page.getByRole('link', {name: 'Pairing'}).click();
  await page.getByRole('heading', {name: 'Pairing', level: 1}).waitFor();
  // The list of paired laptops arrives after the heading.
  await page.locator('main').getByText('No laptop is paired yet').waitFor();
  await page.getByRole('button', {name: 'Show a pairing code'}).click();
  const code = page.locator('.code-big');
  await code.waitFor();
  assert.match((await code.textContent()).trim(), /^[A-Z0-9]{4} [A-Z0-9]{4}$/);
  const qr = page.getByRole('img', {name: /QR code for the pairing code/});
  await qr.waitFor();
  await page.waitForFunction(() => document.querySelector('img.qr').complete);
  assert.ok(await qr.evaluate((img) => img.naturalWidth > 0), 'the QR code image loads');
  assert.equal(await page.getByRole('button', {name: 'Show a new pairing code'}).count(), 1);
  await shots('admin-pairing', {doc: true});
  assertNoConsoleErrors(errors);
});

test('the audit log lists what the librarian did', async () => {
  await page.getByRole('link', {name: 'Audit log'}).click();
  await page.getByRole('heading', {name: 'Audit log'}).waitFor();
  const table = page.locator('table.audit');
  await table.locator('tbody tr').first().waitFor();
  const text = await table.textContent();
  for (const action of ['Logged in', 'Story edited', 'Sharing level changed', 'Secret link made', 'Secret link taken back', 'Story withdrawn', 'Story deleted',
    'Settings changed', 'Question sets changed', 'Pairing code shown']) assert.match(text, new RegExp(action));
  await shots('admin-audit');
  assertNoConsoleErrors(errors);
});

test('an unknown page address says so', async () => {
  await open('#/nowhere');
  await page.getByRole('heading', {name: /There is no such page/}).waitFor();
  assertNoConsoleErrors(errors);
});

test('a session the booth ended sends the librarian back to the PIN, with the reason', async () => {
  await open('#/dashboard');
  await page.getByRole('heading', {name: 'Dashboard'}).waitFor();
  // End the session on the booth's side, as 10 idle minutes would.
  await page.evaluate(() => fetch('/api/v1/admin/logout', {method: 'POST',
    headers: {'X-CSRF-Token': sessionStorage.getItem('storybooth-admin-csrf')}}));
  await page.getByRole('link', {name: 'Stories', exact: true}).click();
  await page.getByRole('heading', {name: 'Librarian login'}).waitFor();
  await page.getByText('Your session ended after 10 minutes without use. Please enter the PIN again.').waitFor();
  assert.equal(await page.locator('#top').isVisible(), false);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('storybooth-admin-csrf')), null);
  // The booth's refusal is the one expected console line.
  assertNoConsoleErrors(withoutRefusals(errors, 401));
  errors.length = 0;

  // Logging in again returns to the page that was asked for.
  await page.getByLabel('PIN', {exact: true}).fill(PIN);
  await page.getByRole('button', {name: 'Log in'}).click();
  await page.getByRole('heading', {name: 'Stories', level: 1}).waitFor();
  await page.getByRole('button', {name: 'Log out'}).click();
  await page.getByText('You are logged out.').waitFor();
  assertNoConsoleErrors(errors);
});

test('on the booth’s own screen the PIN is typed on the number pad by touch', async () => {
  const small = await newPage(browser, {width: 800, height: 480});
  try {
    await small.page.goto(`${booth.url}/admin/`);
    const pad = small.page.getByRole('group', {name: 'Number pad'});
    await pad.waitFor();
    for (const d of '2461') await pad.getByRole('button', {name: d, exact: true}).tap();
    await pad.getByRole('button', {name: 'Delete the last digit'}).tap();
    await pad.getByRole('button', {name: '8', exact: true}).tap();
    assert.equal(await small.page.getByLabel('PIN', {exact: true}).inputValue(), PIN);
    await small.page.getByRole('button', {name: 'Log in'}).tap();
    await small.page.getByRole('heading', {name: 'Dashboard'}).waitFor();
    await small.page.getByRole('link', {name: 'Stories', exact: true}).tap();
    await small.page.getByRole('heading', {name: 'Stories', level: 1}).waitFor();
    assertNoConsoleErrors(small.errors);
  } finally {
    await small.context.close();
  }
});
