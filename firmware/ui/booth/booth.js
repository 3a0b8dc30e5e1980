// The touchscreen booth: one screen per step of the interview session (docs/booth-screens.md).
//
// The booth daemon owns the session. This page shows the screen for the session's state, sends
// each step with the API (docs/api.md) and follows the daemon's Server-Sent Events, so a state
// change the daemon makes by itself (time limit reached, idle timeout back to welcome, a lost
// microphone) shows up here too. The only screen state kept locally is what people are typing
// before they press the button that sends it, and the Saved/Deleted screens' own return to
// Welcome (the daemon accepts a new start from both).
import {api, ApiError, qrUrl} from '../common/api.js';
import {$, $$, clock, h} from '../common/dom.js';
import {LANGUAGES, entry, language, loadCatalogues, setLanguage, t, translateBoothMessage} from './i18n.js';
import {Meters} from './meters.js';
import {chime, unlockAudio} from './chime.js';
import {QuestionPicker} from './questions.js';
import {suggestTitle} from './title.js';

const STEPS = 6;                       // "Step n of 6": people, consent, questions, mic, recording, review
const SAVED_RETURN_S = 60;             // the Saved screen goes back to Welcome after this long
const DELETED_RETURN_S = 20;           // and the Deleted screen after this long
const ACTIVITY_EVERY_MS = 10000;       // report touches to the daemon's idle timer at most this often
const AGE_RANGES = [
  ['under 18', 'people.ageUnder18'],
  ['18-29', 'people.age18'],
  ['30-49', 'people.age30'],
  ['50-69', 'people.age50'],
  ['70+', 'people.age70'],
];
const MINOR = 'under 18';
const MAX_KEYWORDS = 20;
const MAX_KEYWORD_CHARS = 50;
const MAX_TITLE_CHARS = 200;

const SCREEN_OF_STATE = {
  welcome: 'welcome',
  participants: 'people',
  consent: 'consent',
  questions: 'questions',
  mic_check: 'mic',
  recording: 'recording',
  paused: 'recording',
  mic_lost: 'recording',
  review: 'review',
  saved: 'saved',
  deleted: 'deleted',
};

const ui = {
  session: null,          // the session as the daemon last told it
  screen: null,           // the screen on show
  localWelcome: false,    // Welcome shown while the daemon still holds a saved/deleted session
  welcomeLanguage: 'en',
  limitMinutes: 40,
  busy: false,
  people: [],             // the Who-is-here form
  consentIndex: 0,
  consents: [],
  stopRequested: false,   // the Stop button was used (else a move to review is the time limit)
  endedByItself: false,
  returnTimer: null,
  lastActivity: 0,
  eventsLost: false,
};

let micMeters;
let recMeters;
let picker;

// ---------- screens ----------

function section(name) {
  return $(`#screen-${name}`);
}

function showScreen(name, session) {
  const previous = ui.screen;
  if (previous && screens[previous].leave) screens[previous].leave();
  closeConfirm(false);
  for (const s of $$('.screen')) s.hidden = s.dataset.screen !== name;
  ui.screen = name;
  document.body.dataset.screen = name;
  clearError(name);
  screens[name].enter(session, previous);
  const body = $('.body', section(name));
  if (body) body.scrollTop = 0;
}

// The daemon's session (from an answer or an event) decides the screen.
function applySession(s) {
  if (!s || typeof s.state !== 'string') return;
  const before = ui.session;
  ui.session = s;
  document.body.dataset.state = s.state;
  if (s.state === 'welcome') {
    ui.localWelcome = false;
    if (s.remaining_ms > 0) ui.limitMinutes = Math.max(1, Math.round(s.remaining_ms / 60000));
  } else if (s.language && s.language !== language() && !(ui.localWelcome && ui.screen === 'welcome')) {
    setLanguage(s.language);
  }
  let target = SCREEN_OF_STATE[s.state] || 'welcome';
  if (ui.localWelcome && (s.state === 'saved' || s.state === 'deleted')) target = 'welcome';
  if (target === 'review' && ui.screen === 'recording') ui.endedByItself = !ui.stopRequested;
  if (target !== ui.screen) showScreen(target, s);
  else if (screens[target].update) screens[target].update(s, before);
}

// ---------- errors ----------

function messageFor(err) {
  if (err instanceof ApiError) {
    if (err.status === 0) return t('errors.offline');
    if (err.status === 503) return t('errors.noMic');
    // 507 at Save: the story is kept but cannot be saved yet; the booth's sentence says so.
    if (err.status === 507) return /cannot be saved/.test(err.message) ? translateBoothMessage(err.message) : t('errors.diskFull');
    return translateBoothMessage(err.message);
  }
  return err && err.message ? err.message : String(err);
}

// The daemon's own sentence for a session fault (an `error` event or the session's `error`).
function boothMessage(message) {
  if (/^The microphone was disconnected\./.test(message)) return t('errors.micLost');
  if (/not enough space/i.test(message)) return t('errors.diskFull');
  return translateBoothMessage(message);
}

function errorBox(name) {
  return $('.error', section(name));
}

function showError(name, message, {fromBooth = false} = {}) {
  const box = errorBox(name);
  if (!box) return;
  if (!message) return clearError(name);
  $('.text', box).textContent = message;
  box.dataset.fromBooth = fromBooth ? 'yes' : '';
  box.hidden = false;
  box.scrollIntoView({block: 'nearest'});
}

function clearError(name) {
  const box = errorBox(name);
  if (!box) return;
  box.hidden = true;
  $('.text', box).textContent = '';
  box.dataset.fromBooth = '';
}

// The session's standing fault (e.g. waiting for the microphone) on the screen on show.
function showSessionError(name, s) {
  const box = errorBox(name);
  if (!box) return;
  if (s && s.error) showError(name, boothMessage(s.error), {fromBooth: true});
  else if (box.dataset.fromBooth === 'yes') clearError(name);
}

// ---------- actions ----------

// Runs one step: buttons are held while it runs (no double taps), the answer moves the screen,
// a refusal is shown on the screen where it happened.
async function act(button, fn) {
  if (ui.busy) return;
  const name = ui.screen;
  ui.busy = true;
  document.body.setAttribute('aria-busy', 'true');
  if (button) button.disabled = true;
  clearError(name);
  try {
    const s = await fn();
    if (s && typeof s.state === 'string') applySession(s);
  } catch (err) {
    showError(name, messageFor(err));
  } finally {
    ui.busy = false;
    document.body.removeAttribute('aria-busy');
    if (button) button.disabled = false;
    if (ui.session && screens[ui.screen].update) screens[ui.screen].update(ui.session, ui.session);
  }
}

// ---------- confirmation dialog ----------

let confirmResolve = null;

function confirmAction(text, yes, no, {danger = false} = {}) {
  const overlay = $('#confirm');
  $('#confirm-text').textContent = text;
  $('#confirm-yes').textContent = yes;
  $('#confirm-no').textContent = no;
  $('#confirm-yes').className = danger ? 'danger' : 'primary';
  overlay.dataset.danger = danger ? 'yes' : '';
  if (confirmResolve) confirmResolve(false);
  overlay.hidden = false;
  // The safe choice has the focus: a stray Enter keeps things as they are.
  $('#confirm-no').focus();
  return new Promise((resolve) => {
    confirmResolve = resolve;
  });
}

function closeConfirm(answer) {
  $('#confirm').hidden = true;
  if (confirmResolve) {
    const r = confirmResolve;
    confirmResolve = null;
    r(answer);
  }
}

async function startOver() {
  const ok = await confirmAction(t('common.startOverConfirm'), t('common.startOverYes'), t('common.cancel'));
  if (ok) await act(null, () => api('DELETE', '/api/v1/session'));
}

// ---------- Welcome ----------

// The languages the booth offers: all the catalogues, narrowed to the booth's `languages`
// setting when its health report names them.
let offered = LANGUAGES;

async function readOfferedLanguages() {
  try {
    const health = await api('GET', '/api/v1/health');
    if (health && Array.isArray(health.languages)) {
      const list = LANGUAGES.filter((l) => health.languages.includes(l));
      if (list.length > 0) offered = list;
    }
  } catch {
    // The session request below reports an unreachable booth.
  }
}

const welcome = {
  enter(s, previous) {
    if (previous && previous !== 'welcome') ui.welcomeLanguage = offered[0];
    if (!offered.includes(ui.welcomeLanguage)) ui.welcomeLanguage = offered[0];
    if (language() !== ui.welcomeLanguage) setLanguage(ui.welcomeLanguage);
    this.render();
  },
  render() {
    $('#welcome-lead').textContent = t('welcome.lead', {minutes: ui.limitMinutes});
    $('#lang-buttons').replaceChildren(
      ...offered.map((lang) =>
        h('button', {
          type: 'button',
          class: 'lang',
          lang,
          dataset: {lang},
          'aria-pressed': String(lang === language()),
          text: entry('language.name', lang),
          onclick: () => {
            ui.welcomeLanguage = lang;
            setLanguage(lang);
            clearError('welcome');
            this.render();
          },
        }),
      ),
    );
  },
};

// ---------- Who is here ----------

function newPerson(index) {
  return {name: '', role: index === 0 ? 'storyteller' : 'interviewer', age_range: '', relationship: '', channel: index + 1};
}

// A row of big buttons of which one (or, when optional, none) is chosen: get() is the current
// value, pick(value) changes it.
function choiceGroup(labelKey, id, options, get, pick) {
  const labelId = `${id}-label`;
  const row = h('div', {class: 'segmented'});
  const refresh = () => {
    for (const b of row.children) b.setAttribute('aria-pressed', String(b.dataset.value === String(get())));
  };
  for (const [value, key] of options)
    row.append(
      h('button', {
        type: 'button',
        class: 'segment',
        dataset: {value},
        'aria-pressed': String(value === String(get())),
        text: t(key),
        onclick: () => {
          pick(value);
          refresh();
        },
      }),
    );
  return h('div', {class: 'choice-group', id, role: 'group', 'aria-labelledby': labelId}, h('p', {class: 'label', id: labelId, text: t(labelKey)}), row);
}

const people = {
  enter(s) {
    ui.people = s && s.participants && s.participants.length ? s.participants.map((p) => ({...p})) : [newPerson(0), newPerson(1)];
    this.render();
  },
  render() {
    const box = $('#people');
    box.replaceChildren(...ui.people.map((p, i) => this.card(p, i)));
    box.dataset.count = String(ui.people.length);
    $('#people-toggle').textContent = t(ui.people.length === 2 ? 'people.removeSecond' : 'people.addSecond');
  },
  card(p, i) {
    const id = `person${i + 1}`;
    const nameInput = h('input', {type: 'text', id: `${id}-name`, autocomplete: 'off', autocapitalize: 'words', spellcheck: 'false', enterkeyhint: 'next', maxlength: 200, placeholder: t('people.namePlaceholder')});
    nameInput.value = p.name;
    nameInput.addEventListener('input', () => {
      p.name = nameInput.value;
    });
    const relInput = h('input', {type: 'text', id: `${id}-relationship`, autocomplete: 'off', enterkeyhint: 'done', maxlength: 200, placeholder: t('people.relationshipPlaceholder')});
    relInput.value = p.relationship;
    relInput.addEventListener('input', () => {
      p.relationship = relInput.value;
    });
    const role = choiceGroup('people.role', `${id}-role`, [['storyteller', 'people.roleStoryteller'], ['interviewer', 'people.roleInterviewer']], () => p.role, (v) => {
      p.role = v;
    });
    const age = choiceGroup('people.age', `${id}-age`, AGE_RANGES, () => p.age_range, (v) => {
      p.age_range = p.age_range === v ? '' : v; // a second tap clears: the age is optional
    });
    const mic = choiceGroup('people.mic', `${id}-mic`, [['1', 'people.mic1'], ['2', 'people.mic2']], () => String(p.channel), (v) => {
      p.channel = Number(v);
      // Two people cannot share one microphone: the other person moves to the free one.
      const other = ui.people[1 - i];
      if (other && other.channel === p.channel) {
        other.channel = p.channel === 1 ? 2 : 1;
        this.render();
      }
    });
    const heading = h('h2', {id: `${id}-heading`, text: t('people.person', {n: i + 1})});
    return h(
      'div',
      {class: 'person', role: 'group', 'aria-labelledby': `${id}-heading`, dataset: {person: i}},
      heading,
      h('label', {class: 'label', for: `${id}-name`, text: t('people.name')}),
      nameInput,
      role,
      age,
      h('label', {class: 'label', for: `${id}-relationship`, text: t('people.relationship')}),
      relInput,
      ui.people.length === 2 ? mic : null,
    );
  },
  toggle() {
    if (ui.people.length === 2) {
      ui.people = [ui.people[0]];
      ui.people[0].channel = 1;
      if (ui.people[0].role !== 'storyteller') ui.people[0].role = 'storyteller';
    } else {
      const other = newPerson(1);
      other.channel = ui.people[0].channel === 1 ? 2 : 1;
      ui.people.push(other);
    }
    clearError('people');
    this.render();
  },
  validate() {
    for (const [i, p] of ui.people.entries()) if (!p.name.trim()) return t('people.errorName', {n: i + 1});
    if (!ui.people.some((p) => p.role === 'storyteller')) return t('people.errorStoryteller');
    if (ui.people.length === 2 && ui.people[0].channel === ui.people[1].channel) return t('people.errorMic');
    return '';
  },
  next(button) {
    const problem = this.validate();
    if (problem) return showError('people', problem);
    const body = ui.people.map((p) => ({name: p.name.trim(), role: p.role, age_range: p.age_range, relationship: p.relationship.trim(), channel: p.channel}));
    act(button, () => api('PUT', '/api/v1/session/participants', body));
  },
};

// ---------- Consent ----------

const consent = {
  enter(s) {
    ui.people = (s && s.participants) || [];
    ui.consentIndex = 0;
    ui.consents = ui.people.map(() => ({choice: '', typed_name: '', guardian_name: ''}));
    this.renderRelease();
    this.render();
  },
  renderRelease() {
    const version = entry('release.version');
    $('#release-version').textContent = t('consent.version', {version});
    const text = $('#release-text');
    text.setAttribute('aria-label', t('consent.releaseLabel', {version}));
    text.replaceChildren(...(entry('release.paragraphs') || []).map((p) => h('p', {text: p})));
    text.scrollTop = 0;
  },
  render() {
    const i = ui.consentIndex;
    const p = ui.people[i] || {name: ''};
    const c = ui.consents[i] || {};
    $('#consent-heading').textContent = p.name ? t('consent.heading', {name: p.name}) : t('consent.headingPlain');
    section('consent').dataset.person = String(i);
    for (const b of $$('.choice', section('consent'))) b.setAttribute('aria-pressed', String(b.dataset.choice === c.choice));
    $('#everyone-note').hidden = ui.people.length < 2;
    $('#typed-name').value = c.typed_name || '';
    const minor = (p.age_range || '').trim().toLowerCase() === MINOR;
    $('#guardian-block').hidden = !minor;
    $('#guardian-label').textContent = t('consent.guardian', {name: p.name});
    $('#guardian-name').value = c.guardian_name || '';
    $('#consent-agree').textContent = t(i < ui.people.length - 1 ? 'consent.agreeNext' : 'consent.agree');
  },
  choose(choice) {
    ui.consents[ui.consentIndex].choice = choice;
    clearError('consent');
    this.render();
  },
  agree(button) {
    const i = ui.consentIndex;
    const p = ui.people[i];
    const c = ui.consents[i];
    c.typed_name = $('#typed-name').value.trim();
    c.guardian_name = $('#guardian-name').value.trim();
    if (!c.choice) return showError('consent', t('consent.errorChoice'));
    if (!c.typed_name) return showError('consent', t('consent.errorTyped'));
    const minor = (p.age_range || '').trim().toLowerCase() === MINOR;
    if (minor && !c.guardian_name) return showError('consent', t('consent.errorGuardian', {name: p.name}));
    if (!minor) c.guardian_name = '';
    if (i < ui.people.length - 1) {
      ui.consentIndex = i + 1;
      clearError('consent');
      this.render();
      $('#release-text').scrollTop = 0;
      $('#screen-consent .body').scrollTop = 0;
      return;
    }
    const body = ui.consents.map((x, n) => ({participant: n, choice: x.choice, typed_name: x.typed_name, guardian_name: x.guardian_name}));
    act(button, () => api('PUT', '/api/v1/session/consent', body));
  },
};

// ---------- Questions ----------

function starterSets() {
  return (entry('starter') || []).map((set) => ({name: set.name, questions: set.questions.map((q) => q.text)}));
}

const questions = {
  async enter(s) {
    picker.setChosen((s && s.questions) || []);
    picker.setSets(starterSets());
    const note = $('#questions-note');
    note.hidden = true;
    const lang = language();
    try {
      const answer = await api('GET', `/api/v1/questions?language=${encodeURIComponent(lang)}`);
      const sets = ((answer && answer.sets) || []).filter((set) => Array.isArray(set.questions) && set.questions.length > 0);
      if (sets.length > 0 && ui.screen === 'questions') picker.setSets(sets.map((set) => ({name: set.name, questions: set.questions})));
    } catch {
      note.textContent = t('questions.loadError');
      note.hidden = false;
    }
  },
  next(button) {
    if (picker.chosen.length === 0) return showError('questions', t('questions.errorNone'));
    const body = picker.chosen.map((text) => ({text}));
    act(button, async () => {
      await api('PUT', '/api/v1/session/questions', body);
      return api('POST', '/api/v1/session/mic-check');
    });
  },
  update(s) {
    showSessionError('questions', s);
  },
};

// ---------- Mic check ----------

const mic = {
  enter(s) {
    micMeters.setPeople((s.participants || []).map((p) => ({name: p.name, channel: p.channel})));
    showSessionError('mic', s);
  },
  start(button) {
    ui.stopRequested = false;
    ui.endedByItself = false;
    act(button, () => api('POST', '/api/v1/session/record'));
  },
  update(s) {
    showSessionError('mic', s);
  },
};

// ---------- Recording ----------

function warningText(secondsLeft) {
  if (secondsLeft >= 90) return t('rec.minutesLeft', {n: Math.round(secondsLeft / 60)});
  if (secondsLeft >= 60) return t('rec.oneMinuteLeft');
  return t('rec.secondsLeft', {n: Math.max(1, Math.round(secondsLeft))});
}

const recording = {
  enter(s) {
    recMeters.setPeople((s.participants || []).map((p) => ({name: p.name, channel: p.channel})));
    const banner = $('#rec-banner');
    if (banner.dataset.story !== (s.story && s.story.id)) {
      banner.hidden = true;
      banner.dataset.story = '';
    }
    this.update(s);
  },
  update(s) {
    const sec = section('recording');
    sec.dataset.state = s.state;
    const key = s.state === 'paused' ? 'rec.paused' : s.state === 'mic_lost' ? 'rec.micLost' : 'rec.recording';
    $('#rec-state-text').textContent = t(key);
    const paused = s.state === 'paused';
    $('#rec-pause').textContent = t(paused ? 'rec.resume' : 'rec.pause');
    $('#rec-pause').dataset.action = paused ? 'resume' : 'pause';
    $('#rec-pause').disabled = s.state === 'mic_lost' || ui.busy;
    $('#rec-paused-hint').hidden = !paused;
    const qs = s.questions || [];
    const n = Math.max(0, s.current_question);
    $('#rec-question-count').textContent = qs.length ? t('rec.question', {n: n + 1, total: qs.length}) : '';
    $('#rec-question').textContent = qs[n] || '';
    const last = n >= qs.length - 1;
    const next = $('#rec-next');
    next.disabled = last || s.state === 'mic_lost' || ui.busy;
    next.textContent = t(last ? 'rec.last' : 'rec.next');
    this.clock(s.elapsed_ms, s.remaining_ms);
    showSessionError('recording', s);
  },
  clock(elapsed, remaining) {
    $('#rec-elapsed').textContent = clock(elapsed);
    $('#rec-remaining').textContent = clock(remaining);
  },
  warn(secondsLeft) {
    const banner = $('#rec-banner');
    $('#rec-banner-text').textContent = warningText(secondsLeft);
    banner.dataset.secondsLeft = String(secondsLeft);
    banner.dataset.story = (ui.session && ui.session.story && ui.session.story.id) || '';
    banner.hidden = false;
    chime();
  },
  async stop(button) {
    const ok = await confirmAction(t('rec.stopConfirm'), t('rec.stopYes'), t('rec.stopNo'));
    if (!ok || ui.screen !== 'recording') return;
    ui.stopRequested = true;
    await act(button, () => api('POST', '/api/v1/session/stop'));
  },
};

// ---------- Review ----------

const review = {
  duration: 0,
  seeking: false, // the seek bar is held: playback does not move it
  enter(s) {
    $('#review-timeup').hidden = !ui.endedByItself;
    $('#review-title').value = suggestTitle(s.participants || [], s.questions || []);
    $('#review-description').value = '';
    $('#review-keywords').value = '';
    const audio = $('#review-audio');
    this.duration = (s.elapsed_ms || 0) / 1000;
    const seek = $('#review-seek');
    seek.max = String(this.duration || 0);
    seek.value = '0';
    audio.src = `/api/v1/session/audio?story=${encodeURIComponent((s.story && s.story.id) || '')}`;
    audio.load();
    this.showPosition();
    showSessionError('review', s);
  },
  leave() {
    const audio = $('#review-audio');
    audio.pause();
    audio.removeAttribute('src');
    audio.load();
  },
  knownDuration() {
    const d = $('#review-audio').duration;
    return Number.isFinite(d) && d > 0 ? d : this.duration;
  },
  showPosition() {
    const audio = $('#review-audio');
    const total = this.knownDuration();
    const seek = $('#review-seek');
    seek.max = String(total || 0);
    if (!this.seeking) seek.value = String(audio.currentTime || 0);
    const pos = t('review.position', {pos: clock(audio.currentTime * 1000), total: clock(total * 1000)});
    $('#review-position').textContent = pos;
    seek.setAttribute('aria-valuetext', pos);
    const playing = !audio.paused && !audio.ended;
    $('#review-play').textContent = t(playing ? 'review.pause' : 'review.play');
    $('#review-play').dataset.playing = playing ? 'yes' : '';
  },
  toggle() {
    const audio = $('#review-audio');
    if (audio.paused || audio.ended) {
      audio.play().catch((err) => {
        if (err && err.name !== 'AbortError') showError('review', t('review.audioError'));
      });
    } else {
      audio.pause();
    }
  },
  keep(button) {
    const title = $('#review-title').value.trim();
    const description = $('#review-description').value.trim();
    const keywords = [...new Set($('#review-keywords').value.split(/[,;\n]/).map((k) => k.trim()).filter(Boolean))];
    if ([...title].length > MAX_TITLE_CHARS) return showError('review', t('review.errorTitle'));
    if (keywords.length > MAX_KEYWORDS || keywords.some((k) => [...k].length > MAX_KEYWORD_CHARS)) return showError('review', t('review.errorKeywords'));
    $('#review-audio').pause();
    act(button, async () => {
      await api('PUT', '/api/v1/session/review', {title, description, keywords});
      return api('POST', '/api/v1/session/save');
    });
  },
  async remove(button) {
    const ok = await confirmAction(t('review.deleteConfirm'), t('review.deleteYes'), t('review.deleteNo'), {danger: true});
    if (!ok || ui.screen !== 'review') return;
    $('#review-audio').pause();
    await act(button, () => api('DELETE', '/api/v1/session'));
  },
  update(s) {
    showSessionError('review', s);
  },
};

// ---------- Saved and Deleted ----------

function stopCountdown() {
  clearInterval(ui.returnTimer);
  ui.returnTimer = null;
}

function countdown(seconds, show) {
  stopCountdown();
  let left = seconds;
  show(left);
  ui.returnTimer = setInterval(() => {
    left -= 1;
    if (left <= 0) {
      stopCountdown();
      goWelcome();
    } else {
      show(left);
    }
  }, 1000);
}

function goWelcome() {
  ui.localWelcome = true;
  showScreen('welcome', ui.session);
}

const saved = {
  enter(s) {
    const code = (s.story && s.story.code) || '';
    $('#saved-code').textContent = code;
    const qr = $('#saved-qr');
    qr.hidden = !code;
    if (code) {
      qr.src = qrUrl(code);
      qr.alt = t('saved.qr', {code});
    }
    countdown(SAVED_RETURN_S, (n) => {
      $('#saved-returning').textContent = t('saved.returning', {n});
    });
  },
  leave: stopCountdown,
};

const deleted = {
  enter() {
    countdown(DELETED_RETURN_S, () => {});
  },
  leave: stopCountdown,
};

const screens = {welcome, people, consent, questions, mic, recording, review, saved, deleted};

// ---------- events from the booth ----------

function parse(data) {
  try {
    return JSON.parse(data);
  } catch {
    return null;
  }
}

async function resync() {
  try {
    applySession(await api('GET', '/api/v1/session'));
  } catch (err) {
    if (ui.screen) showError(ui.screen, messageFor(err));
  }
}

function connectEvents() {
  const events = new EventSource('/api/v1/events');
  events.addEventListener('state', (e) => applySession(parse(e.data)));
  events.addEventListener('level', (e) => {
    const d = parse(e.data);
    if (ui.screen === 'mic') micMeters.update(d);
    else if (ui.screen === 'recording') recMeters.update(d);
  });
  events.addEventListener('timer', (e) => {
    const d = parse(e.data);
    if (d && ui.screen === 'recording') recording.clock(d.elapsed_ms, d.remaining_ms);
  });
  events.addEventListener('warning', (e) => {
    const d = parse(e.data);
    if (d && ui.screen === 'recording') recording.warn(d.seconds_left);
  });
  // A named `error` event carries the booth's message; a bare one is the connection dropping.
  events.addEventListener('error', (e) => {
    if (e.data) {
      const d = parse(e.data);
      if (d && d.message && ui.screen) showError(ui.screen, boothMessage(d.message), {fromBooth: true});
    } else {
      ui.eventsLost = true;
    }
  });
  events.addEventListener('open', () => {
    if (ui.eventsLost) {
      ui.eventsLost = false;
      resync();
    }
  });
}

// Typing and choosing change nothing on the booth until a step is sent, so every so often a touch
// tells the daemon's idle timer that someone is still here.
function reportActivity() {
  unlockAudio();
  const s = ui.session;
  if (!s || s.state === 'welcome' || ui.localWelcome) return;
  const now = Date.now();
  if (now - ui.lastActivity < ACTIVITY_EVERY_MS) return;
  ui.lastActivity = now;
  api('POST', '/api/v1/session/touch').catch(() => {});
}

// ---------- wiring ----------

function wire() {
  document.addEventListener('pointerdown', reportActivity, {capture: true, passive: true});
  document.addEventListener('input', reportActivity, {capture: true, passive: true});
  for (const b of $$('[data-action="start-over"]')) b.addEventListener('click', startOver);
  $('#start').addEventListener('click', (e) =>
    act(e.currentTarget, () => {
      ui.localWelcome = false;
      return api('POST', '/api/v1/session', {language: language()});
    }),
  );
  $('#people-toggle').addEventListener('click', () => people.toggle());
  $('#people-next').addEventListener('click', (e) => people.next(e.currentTarget));
  for (const b of $$('.choice')) b.addEventListener('click', () => consent.choose(b.dataset.choice));
  $('#larger-text').addEventListener('click', (e) => {
    const on = $('#release-text').classList.toggle('larger');
    e.currentTarget.setAttribute('aria-pressed', String(on));
  });
  $('#consent-agree').addEventListener('click', (e) => consent.agree(e.currentTarget));
  $('#questions-next').addEventListener('click', (e) => questions.next(e.currentTarget));
  $('#record-start').addEventListener('click', (e) => mic.start(e.currentTarget));
  $('#rec-next').addEventListener('click', (e) => act(e.currentTarget, () => api('POST', '/api/v1/session/next-question')));
  $('#rec-pause').addEventListener('click', (e) => {
    const action = e.currentTarget.dataset.action === 'resume' ? 'resume' : 'pause';
    act(e.currentTarget, () => api('POST', `/api/v1/session/${action}`));
  });
  $('#rec-stop').addEventListener('click', (e) => recording.stop(e.currentTarget));
  const audio = $('#review-audio');
  for (const ev of ['timeupdate', 'durationchange', 'loadedmetadata', 'play', 'pause', 'ended']) audio.addEventListener(ev, () => review.showPosition());
  audio.addEventListener('error', () => {
    if (ui.screen === 'review' && audio.getAttribute('src')) showError('review', t('review.audioError'));
  });
  $('#review-play').addEventListener('click', () => review.toggle());
  const seek = $('#review-seek');
  seek.addEventListener('pointerdown', () => {
    review.seeking = true;
  });
  seek.addEventListener('input', () => {
    audio.currentTime = Number(seek.value);
    review.showPosition();
  });
  seek.addEventListener('change', () => {
    review.seeking = false;
    audio.currentTime = Number(seek.value);
  });
  $('#review-keep').addEventListener('click', (e) => review.keep(e.currentTarget));
  $('#review-delete').addEventListener('click', (e) => review.remove(e.currentTarget));
  $('#saved-done').addEventListener('click', goWelcome);
  $('#deleted-done').addEventListener('click', goWelcome);
  $('#confirm-yes').addEventListener('click', () => closeConfirm(true));
  $('#confirm-no').addEventListener('click', () => closeConfirm(false));
  $('#confirm').addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeConfirm(false);
  });
}

function fillSteps() {
  for (const el of $$('[data-step]')) el.textContent = t('common.stepOf', {n: el.dataset.step, total: STEPS});
}

async function main() {
  try {
    await loadCatalogues();
  } catch (err) {
    // Without its texts the booth cannot speak to anyone; say so plainly and try again soon.
    document.body.textContent = err.message;
    setTimeout(() => location.reload(), 10000);
    return;
  }
  const observer = new MutationObserver(fillSteps);
  observer.observe(document.documentElement, {attributes: true, attributeFilter: ['lang']});
  setLanguage('en');
  fillSteps();
  micMeters = new Meters($('#mic-meters'));
  recMeters = new Meters($('#rec-meters'), {compact: true});
  picker = new QuestionPicker(section('questions'), {onError: (m) => showError('questions', m)});
  wire();
  await readOfferedLanguages();
  connectEvents();
  let s = null;
  try {
    s = await api('GET', '/api/v1/session');
  } catch (err) {
    showScreen('welcome', null);
    showError('welcome', messageFor(err));
  }
  if (s) {
    if (s.state !== 'welcome' && s.language) ui.welcomeLanguage = s.language;
    applySession(s);
  }
  $('#app').removeAttribute('aria-busy');
  document.body.dataset.ready = 'yes';
}

main();
