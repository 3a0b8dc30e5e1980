// The touchscreen booth in real Chromium against the real daemon with the simulated microphone:
// a whole session by touch, from Welcome to Saved, in English and again in Spanish, and what the
// catalog then holds; pause and resume, the time warning, the time limit, delete at review, a
// booth without a microphone, and the idle return to Welcome. Every screen is checked with axe-core, for text size and touch-target size, and
// photographed at 800x480 and 1280x800 (artifacts booth-<screen>-<lang>-<w>x<h>.png).
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {startBooth, openBrowser, newPage, assertNoConsoleErrors, withoutRefusals, checkPage, shot, assertMinTextSize, assertTouchTargets} from './lib/harness.mjs';

const SIZES = [
  {width: 800, height: 480},
  {width: 1280, height: 800},
];

// The screen on show, as the page marks it once it has followed the booth's session, and ready
// for a touch: the booth's event can bring the next screen before the step that moved it has its
// answer, and until then the page is busy and takes no new step.
async function onScreen(page, name, timeout = 10000) {
  await page.waitForSelector(`body[data-ready="yes"][data-screen="${name}"]:not([aria-busy])`, {state: 'attached', timeout});
}

// Waits until fn (run in the page) returns something truthy, and returns it.
async function waitFor(page, fn, arg, timeout = 10000) {
  const handle = await page.waitForFunction(fn, arg, {timeout});
  return handle.jsonValue();
}

// The screen as it is now, at both screen sizes: axe-core (no serious or critical violations,
// every control named), no text under 18 px, no touch target under 48 px, and a screenshot.
async function inspect(page, label) {
  const original = page.viewportSize();
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const name = `${label}-${size.width}x${size.height}`;
    await checkPage(page, name);
    await assertMinTextSize(page, 18, name);
    await assertTouchTargets(page, 48, name);
    await shot(page, name);
  }
  await page.setViewportSize(original);
}

async function tapPick(page, text) {
  await page.locator('#set-questions .pick', {hasText: text}).tap();
  await waitFor(page, (q) => [...document.querySelectorAll('#chosen .chosen-text')].some((e) => e.textContent === q), text);
}

function questionOrder(page) {
  return page.locator('#chosen .chosen-text').allTextContents();
}

// Every meter in the group has had a second of levels and moved.
async function levelsFlowing(page, selector) {
  await waitFor(page, (sel) => {
    const rows = [...document.querySelectorAll(`${sel} .meter-row`)];
    return rows.length > 0 && rows.every((r) => r.dataset.hint !== 'waiting') &&
      rows.some((r) => parseFloat(r.querySelector('.meter-fill').style.width) > 0);
  }, selector);
}

// A touch page of the given size on the booth's Welcome screen.
async function openBooth(booth, size = {width: 800, height: 480}) {
  const opened = await newPage(browser, size);
  opened.page.setDefaultTimeout(10000);
  await opened.page.goto(booth.url + '/');
  await onScreen(opened.page, 'welcome');
  return opened;
}

// A story as the catalog holds it, by its code.
function storyFromCatalog(booth, code) {
  const q = (s) => s.replaceAll("'", "''");
  const [story] = booth.sql(`SELECT * FROM stories WHERE code = '${q(code)}'`);
  assert.ok(story, `story ${code} is in the catalog`);
  const id = q(story.id);
  story.people = booth.sql(`SELECT p.name, p.role, p.age_range, p.relationship, p.mic_channel, c.release_version, c.choice, c.typed_name, c.guardian_name
      FROM participants p LEFT JOIN consents c ON c.participant_id = p.id WHERE p.story_id = '${id}' ORDER BY p.position`);
  story.questions = booth.sql(`SELECT text FROM questions WHERE story_id = '${id}' ORDER BY position`).map((r) => r.text);
  story.markers = booth.sql(`SELECT offset_ms, text FROM markers WHERE story_id = '${id}' ORDER BY offset_ms`);
  story.keywords = booth.sql(`SELECT keyword FROM keywords WHERE story_id = '${id}'`).map((r) => r.keyword);
  return story;
}

// The Saved screen once its story code and QR code are up, inspected with no console errors;
// returns the story as the catalog then holds it, complete.
async function savedStory(page, booth, errors, label) {
  await onScreen(page, 'saved');
  const code = (await page.textContent('#saved-code')).trim();
  assert.match(code, /^MAIN-\d{4}$/);
  await waitFor(page, () => document.querySelector('#saved-qr').naturalWidth > 0);
  await inspect(page, label);
  assertNoConsoleErrors(errors);
  const story = storyFromCatalog(booth, code);
  assert.equal(story.state, 'complete');
  return story;
}

let browser;
before(async () => {
  browser = await openBrowser();
});
after(async () => {
  await browser?.close();
});

test('a whole session in English by touch ends saved, with names, consents, markers and the suggested title in the catalog', async () => {
  const booth = await startBooth();
  try {
    const {page, errors, context} = await openBooth(booth);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await inspect(page, 'booth-welcome-en');
    await page.tap('#start');

    // Who is here: two people, each at their own microphone.
    await onScreen(page, 'people');
    await page.tap('#person1-name');
    await page.fill('#person1-name', 'Rosa Díaz');
    await page.tap('#person1-age [data-value="70+"]');
    await page.fill('#person1-relationship', 'grandmother');
    await page.fill('#person2-name', 'Leo');
    await page.tap('#person2-age [data-value="18-29"]');
    await inspect(page, 'booth-people-en');
    await page.tap('#people-next');

    // Consent, one person after the other; the release shows its version.
    await onScreen(page, 'consent');
    assert.match(await page.textContent('#release-version'), /2026-1/);
    assert.match(await page.textContent('#consent-heading'), /Rosa Díaz/);
    await page.tap('#larger-text');
    assert.equal(await page.getAttribute('#larger-text', 'aria-pressed'), 'true');
    await inspect(page, 'booth-consent-en');
    await page.tap('#consent-agree');
    assert.match(await page.textContent('#screen-consent .error'), /choose whether to keep the story private or share/);
    await page.tap('#choice-share');
    await page.fill('#typed-name', 'Rosa Díaz');
    await page.tap('#consent-agree');
    await waitFor(page, () => document.querySelector('#consent-heading').textContent.includes('Leo'));
    assert.equal(await page.inputValue('#typed-name'), '');
    assert.equal(await page.isVisible('#guardian-block'), false);
    await page.tap('#choice-share');
    await page.fill('#typed-name', 'Leo Díaz');
    await page.tap('#consent-agree');

    // Questions: the booth has no librarian sets yet, so the starter sets are offered.
    await onScreen(page, 'questions');
    assert.ok((await page.locator('#set-tabs .tab').count()) >= 5, 'the five starter sets');
    await tapPick(page, 'What is your earliest memory of your family?');
    await page.tap('#set-tabs .tab:has-text("Growing up")');
    await tapPick(page, 'Where did you grow up?');
    await tapPick(page, 'What did you want to be when you grew up?');
    await page.fill('#own-question', 'What song reminds you of home?');
    await page.tap('#own-add');
    // Reorder by touch: "Where did you grow up?" moves to the top; a question is taken out again.
    await page.tap('[aria-label="Move up: Where did you grow up?"]');
    await page.tap('[aria-label="Remove: What did you want to be when you grew up?"]');
    const chosen = ['Where did you grow up?', 'What is your earliest memory of your family?', 'What song reminds you of home?'];
    assert.deepEqual(await questionOrder(page), chosen);
    await inspect(page, 'booth-questions-en');
    await page.tap('#questions-next');

    // Mic check: a meter per person, labelled with their name, moving with the conversation.
    await onScreen(page, 'mic');
    assert.deepEqual(await page.locator('#mic-meters .meter-name').allTextContents(), ['Rosa Díaz', 'Leo']);
    await levelsFlowing(page, '#mic-meters');
    assert.equal(await page.getAttribute('#mic-meters .meter >> nth=0', 'aria-label'), 'Sound level for Rosa Díaz');
    await inspect(page, 'booth-mic-en');
    await page.tap('#record-start');

    // Recording: the indicator, the clock, the current question, "Next question" as markers.
    await onScreen(page, 'recording');
    assert.equal(await page.textContent('#rec-state-text'), 'Recording');
    assert.equal(await page.textContent('#rec-question'), chosen[0]);
    await levelsFlowing(page, '#rec-meters');
    await inspect(page, 'booth-recording-en');
    await page.waitForTimeout(1200);
    await page.tap('#rec-next');
    await waitFor(page, (q) => document.querySelector('#rec-question').textContent === q, chosen[1]);
    await page.waitForTimeout(1200);
    await page.tap('#rec-next');
    await waitFor(page, (q) => document.querySelector('#rec-question').textContent === q, chosen[2]);
    assert.equal(await page.isDisabled('#rec-next'), true, 'no next question after the last');
    assert.match(await page.textContent('#rec-question-count'), /Question 3 of 3/);
    await page.waitForTimeout(1200);
    assert.notEqual(await page.textContent('#rec-elapsed'), '0:00');

    // Stop asks first; "Keep recording" changes nothing.
    await page.tap('#rec-stop');
    await page.waitForSelector('#confirm:not([hidden])');
    await inspect(page, 'booth-stop-confirm-en');
    await page.tap('#confirm-no');
    assert.equal((await booth.api('GET', '/api/v1/session')).state, 'recording');
    await page.tap('#rec-stop');
    await page.tap('#confirm-yes');

    // Review: the recording plays back and seeks; the suggested title comes from names and question.
    await onScreen(page, 'review');
    assert.equal(await page.isVisible('#review-timeup'), false);
    assert.equal(await page.inputValue('#review-title'), 'Rosa Díaz and Leo talk about where they grew up');
    await page.tap('#review-play');
    const played = await waitFor(page, () => {
      const a = document.querySelector('#review-audio');
      return a.currentTime > 0.5 && a.currentTime;
    });
    assert.ok(played > 0.5, `the audio plays (currentTime ${played})`);
    assert.equal(await page.textContent('#review-play'), 'Pause');
    await page.tap('#review-play');
    const duration = await page.evaluate(() => document.querySelector('#review-audio').duration);
    assert.ok(Number.isFinite(duration) && duration > 3, `a known duration (${duration})`);
    await page.evaluate(() => {
      const seek = document.querySelector('#review-seek');
      seek.value = '1.5';
      seek.dispatchEvent(new Event('input', {bubbles: true}));
    });
    const sought = await page.evaluate(() => document.querySelector('#review-audio').currentTime);
    assert.ok(Math.abs(sought - 1.5) < 0.3, `the seek bar moves the playback (${sought})`);
    await page.fill('#review-description', 'Rosa remembers the river and her grandmother’s kitchen.');
    await page.fill('#review-keywords', 'river, childhood, family');
    await inspect(page, 'booth-review-en');
    await page.tap('#review-keep');

    // Saved: the story code, large, and its QR code; the catalog holds what was entered.
    const story = await savedStory(page, booth, errors, 'booth-saved-en');
    assert.equal(await page.getAttribute('#saved-qr', 'alt'), `QR code for story code ${story.code}`);
    assert.equal(story.language, 'en');
    assert.equal(story.title, 'Rosa Díaz and Leo talk about where they grew up');
    assert.equal(story.description, 'Rosa remembers the river and her grandmother’s kitchen.');
    assert.equal(story.share_level, 'community', 'both chose to share');
    assert.deepEqual(story.people, [
      {name: 'Rosa Díaz', role: 'storyteller', age_range: '70+', relationship: 'grandmother', mic_channel: 1, release_version: '2026-1', choice: 'community', typed_name: 'Rosa Díaz', guardian_name: ''},
      {name: 'Leo', role: 'interviewer', age_range: '18-29', relationship: '', mic_channel: 2, release_version: '2026-1', choice: 'community', typed_name: 'Leo Díaz', guardian_name: ''},
    ]);
    assert.deepEqual(story.questions, chosen);
    assert.deepEqual(story.markers.map((m) => m.text), chosen.slice(1));
    assert.ok(story.markers[0].offset_ms > 0 && story.markers[1].offset_ms > story.markers[0].offset_ms, JSON.stringify(story.markers));
    assert.deepEqual(story.keywords.sort(), ['childhood', 'family', 'river']);
    assert.ok(story.duration_ms > 3000, `duration ${story.duration_ms}`);

    // Done goes back to Welcome, ready for the next people.
    await page.tap('#saved-done');
    await onScreen(page, 'welcome');
    assertNoConsoleErrors(errors);
    await context.close();
  } finally {
    await booth.stop();
  }
});

test('a whole session in Spanish by touch: every word in Spanish, a guardian for a minor, the librarian’s questions, a title of their own', async () => {
  const booth = await startBooth({pin: '2468'});
  try {
    const admin = await booth.admin();
    const librarianSet = ['¿Cómo era la casa de sus abuelos?', '¿Qué comida le recuerda a su infancia?', '¿Qué le gustaría que supieran sus nietos?'];
    await admin.call('PUT', '/api/v1/admin/questions', [
      {name: 'Raíces', language: 'es', questions: librarianSet},
      {name: 'Roots', language: 'en', questions: ['What was your grandparents’ house like?']},
    ]);
    const {page, errors, context} = await openBooth(booth, {width: 1280, height: 800});
    await page.tap('[data-lang="es"]');
    assert.equal(await page.locator('html').getAttribute('lang'), 'es');
    assert.equal(await page.textContent('#welcome-heading'), 'Bienvenidos a la cabina de historias');
    await inspect(page, 'booth-welcome-es');
    await page.tap('#start');

    await onScreen(page, 'people');
    await page.fill('#person1-name', 'Rosa Díaz');
    await page.fill('#person2-name', 'Leo');
    await page.tap('#person2-age [data-value="under 18"]');
    await page.fill('#person2-relationship', 'nieto');
    // Person 1 moves to microphone 2: Leo moves to microphone 1 by himself.
    await page.tap('#person1-mic [data-value="2"]');
    assert.equal(await page.getAttribute('#person2-mic [data-value="1"]', 'aria-pressed'), 'true');
    await inspect(page, 'booth-people-es');
    await page.tap('#people-next');

    await onScreen(page, 'consent');
    assert.match(await page.textContent('#release-version'), /Versión 2026-1/);
    assert.match(await page.textContent('#release-text'), /Mantenerla privada/);
    await inspect(page, 'booth-consent-es');
    await page.tap('#choice-share');
    await page.fill('#typed-name', 'Rosa Díaz');
    await page.tap('#consent-agree');
    await waitFor(page, () => document.querySelector('#consent-heading').textContent.includes('Leo'));
    assert.equal(await page.isVisible('#guardian-block'), true, 'Leo is under 18');
    await page.tap('#choice-private');
    await page.fill('#typed-name', 'Leo');
    await page.tap('#consent-agree');
    assert.match(await page.textContent('#screen-consent .error'), /menor de 18 años/);
    await page.fill('#guardian-name', 'Marta Díaz');
    await inspect(page, 'booth-consent-guardian-es');
    await page.tap('#consent-agree');

    // The librarian's Spanish set replaces the starter sets.
    await onScreen(page, 'questions');
    await waitFor(page, () => document.querySelector('#set-tabs .tab')?.textContent.includes('Raíces'));
    assert.equal(await page.locator('#set-tabs .tab').count(), 1);
    for (const q of librarianSet) await tapPick(page, q);
    await page.tap(`[aria-label="Bajar: ${librarianSet[0]}"]`);
    const chosen = [librarianSet[1], librarianSet[0], librarianSet[2]];
    assert.deepEqual(await questionOrder(page), chosen);
    await inspect(page, 'booth-questions-es');
    await page.tap('#questions-next');

    await onScreen(page, 'mic');
    assert.deepEqual(await page.locator('#mic-meters .meter-name').allTextContents(), ['Rosa Díaz', 'Leo']);
    await levelsFlowing(page, '#mic-meters');
    await inspect(page, 'booth-mic-es');
    await page.tap('#record-start');

    await onScreen(page, 'recording');
    assert.equal(await page.textContent('#rec-state-text'), 'Grabando');
    await inspect(page, 'booth-recording-es');
    await page.waitForTimeout(1500);
    await page.tap('#rec-next');
    await waitFor(page, (q) => document.querySelector('#rec-question').textContent === q, chosen[1]);
    await page.waitForTimeout(1500);
    await page.tap('#rec-stop');
    await page.waitForSelector('#confirm:not([hidden])');
    assert.match(await page.textContent('#confirm-text'), /¿Terminar la grabación\?/);
    await inspect(page, 'booth-stop-confirm-es');
    await page.tap('#confirm-yes');

    await onScreen(page, 'review');
    assert.equal(await page.inputValue('#review-title'), `Rosa Díaz y Leo: ${chosen[0]}`);
    await page.tap('#review-play');
    await waitFor(page, () => document.querySelector('#review-audio').currentTime > 0.5);
    await page.tap('#review-play');
    await page.fill('#review-title', 'La casa de los abuelos');
    await page.fill('#review-keywords', 'abuelos, casa');
    await inspect(page, 'booth-review-es');
    await page.tap('#review-keep');

    const story = await savedStory(page, booth, errors, 'booth-saved-es');
    assert.equal(await page.textContent('#saved-heading'), 'Gracias. Su historia está guardada.');
    assert.equal(story.language, 'es');
    assert.equal(story.title, 'La casa de los abuelos');
    assert.equal(story.share_level, 'private', 'Leo chose to keep it private: the strictest choice wins');
    assert.deepEqual(story.people, [
      {name: 'Rosa Díaz', role: 'storyteller', age_range: '', relationship: '', mic_channel: 2, release_version: '2026-1', choice: 'community', typed_name: 'Rosa Díaz', guardian_name: ''},
      {name: 'Leo', role: 'interviewer', age_range: 'under 18', relationship: 'nieto', mic_channel: 1, release_version: '2026-1', choice: 'private', typed_name: 'Leo', guardian_name: 'Marta Díaz'},
    ]);
    assert.deepEqual(story.questions, chosen);
    assert.deepEqual(story.markers.map((m) => m.text), [chosen[1]]);
    assert.deepEqual(story.keywords.sort(), ['abuelos', 'casa']);
    await context.close();
  } finally {
    await booth.stop();
  }
});

// One person through Who-is-here, Consent and one question, by touch, as fast as a test can.
async function walkToQuestions(page, name) {
  await page.tap('#start');
  await onScreen(page, 'people');
  await page.tap('#people-toggle');
  await page.fill('#person1-name', name);
  await page.tap('#people-next');
  await onScreen(page, 'consent');
  await page.tap('#choice-private');
  await page.fill('#typed-name', name);
  await page.tap('#consent-agree');
  await onScreen(page, 'questions');
  await page.tap('#set-tabs .tab:has-text("Growing up")');
  await tapPick(page, 'Where did you grow up?');
}

function filesUnder(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, {withFileTypes: true})) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

test('pause and resume, the warning banner and chime, the time limit ending the recording, and delete at review', async () => {
  // 15 seconds of recording at most, warned 9 seconds before the end.
  const booth = await startBooth({args: ['--time-limit-minutes', '0.25', '--warning-minutes', '0.15']});
  try {
    const {page, errors, context} = await openBooth(booth);
    await walkToQuestions(page, 'Ana');
    await page.tap('#questions-next');
    await onScreen(page, 'mic');
    await page.tap('#record-start');
    await onScreen(page, 'recording');

    // Pause: the indicator says so, and the recorded time stands still until Resume.
    await page.tap('#rec-pause');
    await waitFor(page, () => document.querySelector('#screen-recording').dataset.state === 'paused');
    assert.equal(await page.textContent('#rec-state-text'), 'Paused');
    assert.equal(await page.textContent('#rec-pause'), 'Resume');
    assert.equal(await page.isVisible('#rec-paused-hint'), true);
    const before = (await booth.api('GET', '/api/v1/session')).elapsed_ms;
    await inspect(page, 'booth-paused-en');
    await page.waitForTimeout(1500);
    const during = await booth.api('GET', '/api/v1/session');
    assert.equal(during.state, 'paused');
    assert.ok(during.elapsed_ms - before < 300, `no time recorded while paused (${before} → ${during.elapsed_ms})`);
    await page.tap('#rec-pause');
    await waitFor(page, () => document.querySelector('#screen-recording').dataset.state === 'recording');
    assert.equal(await page.textContent('#rec-state-text'), 'Recording');
    assert.equal(await page.isVisible('#rec-banner'), false);

    // The warning: a banner in words and a chime.
    await page.waitForSelector('#rec-banner:not([hidden])', {timeout: 15000});
    assert.equal(await page.textContent('#rec-banner-text'), '9 seconds left');
    assert.equal(await page.getAttribute('body', 'data-chimes'), '1');
    await inspect(page, 'booth-warning-en');

    // The limit ends the recording by itself; review says so, and the audio is held, not lost.
    await onScreen(page, 'review', 20000);
    assert.equal(await page.isVisible('#review-timeup'), true);
    assert.match(await page.textContent('#review-timeup'), /Time is up/);
    const session = await booth.api('GET', '/api/v1/session');
    assert.equal(session.state, 'review');
    assert.ok(session.elapsed_ms >= 14000, `recorded up to the limit (${session.elapsed_ms} ms)`);
    await inspect(page, 'booth-review-timeup-en');

    // Delete asks first, saying it is permanent; "No, keep it" keeps it.
    await page.tap('#review-delete');
    await page.waitForSelector('#confirm:not([hidden])');
    assert.match(await page.textContent('#confirm-text'), /permanent/);
    await inspect(page, 'booth-delete-confirm-en');
    await page.tap('#confirm-no');
    assert.equal((await booth.api('GET', '/api/v1/session')).state, 'review');
    await page.tap('#review-delete');
    await page.tap('#confirm-yes');
    await onScreen(page, 'deleted');
    await inspect(page, 'booth-deleted-en');
    assertNoConsoleErrors(errors);

    // Nothing of it is left: no audio file, no story but a deleted one.
    assert.deepEqual(filesUnder(booth.dataDir).filter((f) => /\.(opus|flac|ogg|wav)$/.test(f)), []);
    for (const row of booth.sql('SELECT state FROM stories')) assert.equal(row.state, 'deleted');
    assert.deepEqual(booth.sql('SELECT * FROM files'), []);

    await page.tap('#deleted-done');
    await onScreen(page, 'welcome');
    assertNoConsoleErrors(errors);
    await context.close();
  } finally {
    await booth.stop();
  }
});

test('a booth without a microphone says so on the questions screen, in plain words, and keeps the choices', async () => {
  // No simulated microphone, and a capture device that does not exist.
  const booth = await startBooth({input: null, args: ['--device', 'no-such-microphone']});
  try {
    const {page, errors, context} = await openBooth(booth);
    await walkToQuestions(page, 'Ana');
    await page.tap('#questions-next');
    await page.waitForSelector('#screen-questions .error:not([hidden])');
    assert.equal(
      await page.textContent('#screen-questions .error .text'),
      'We cannot find the microphone. Please check that it is plugged in, or ask a librarian for help.',
    );
    await onScreen(page, 'questions');
    assert.deepEqual(await questionOrder(page), ['Where did you grow up?']);
    assert.equal((await booth.api('GET', '/api/v1/session')).state, 'questions');
    await inspect(page, 'booth-error-nomic-en');
    // Start over asks first, then clears the session.
    await page.tap('#screen-questions [data-action="start-over"]');
    await page.waitForSelector('#confirm:not([hidden])');
    await page.tap('#confirm-yes');
    await onScreen(page, 'welcome');
    assert.equal((await booth.api('GET', '/api/v1/session')).state, 'welcome');
    // The refused request itself is the only thing the browser logs.
    assertNoConsoleErrors(withoutRefusals(errors, 503));
    await context.close();
  } finally {
    await booth.stop();
  }
});

test('an untouched screen goes back to Welcome after the idle time, and touching the screen keeps it', async () => {
  const booth = await startBooth({args: ['--idle-timeout-seconds', '30']});
  try {
    const {page, errors, context} = await openBooth(booth);
    await page.tap('[data-lang="es"]');
    await page.tap('#start');
    await onScreen(page, 'people');
    const started = Date.now();
    // Typing changes nothing on the booth until Next, but the touches tell it someone is here.
    await page.waitForTimeout(12000);
    await page.tap('#person1-name');
    await page.fill('#person1-name', 'Rosa');
    await page.waitForTimeout(Math.max(0, 33000 - (Date.now() - started)));
    assert.equal((await booth.api('GET', '/api/v1/session')).state, 'participants', 'still here 33 s after the start');
    assert.equal(await page.getAttribute('body', 'data-screen'), 'people');
    // Now nobody touches: the booth goes back to Welcome, and so does the screen, in English again.
    await onScreen(page, 'welcome', 20000);
    assert.equal((await booth.api('GET', '/api/v1/session')).state, 'welcome');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assertNoConsoleErrors(errors);
    await context.close();
  } finally {
    await booth.stop();
  }
});
