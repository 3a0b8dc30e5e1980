// Settings: the booth's name and code, time limit and warnings, quality, master copy,
// languages, idle timeout; and the librarian PIN. The booth checks every value (its rules are
// the one source of truth) and its 422 answer is shown next to the setting it names. Saving
// never interrupts a recording: a story in progress keeps the settings it started with.
import {S, t} from '../strings.js';
import {h} from '../../common/dom.js';
import {field, message, busy, newId, SessionEnded, load, readNewPin} from '../dom.js';

const TEXT_KEYS = ['booth-name', 'booth-code', 'time-limit-minutes', 'warning-minutes', 'bitrate', 'idle-timeout-seconds', 'site-url'];
const INPUT_MODE = {'site-url': 'url', 'time-limit-minutes': 'decimal', 'warning-minutes': 'decimal', 'bitrate': 'numeric', 'idle-timeout-seconds': 'numeric'};

const NUMBER = /^[0-9]+(\.[0-9]+)?$/;
const WHOLE = /^[0-9]+$/;
const inRange = (text, pattern, lo, hi) => pattern.test(text) && Number(text) >= lo && Number(text) <= hi;

// The booth's rules (config/settings.cpp), checked here first so a librarian sees the message
// at once; the booth checks again and its own message is shown if it still disagrees.
const RULES = {
  'booth-name': (v) => v.length > 0 && new TextEncoder().encode(v).length <= 100,
  'booth-code': (v) => /^[A-Z0-9]{2,8}$/.test(v),
  'time-limit-minutes': (v) => inRange(v, NUMBER, 0.05, 60),
  'warning-minutes': (v) => v.split(',').map((x) => x.trim()).filter(Boolean).every((x) => inRange(x, NUMBER, 0.01, 59)),
  'bitrate': (v) => inRange(v, WHOLE, 16000, 256000),
  'idle-timeout-seconds': (v) => inRange(v, WHOLE, 30, 3600),
  'site-url': (v) => v === '' || (/^https?:\/\/[^\s]+$/.test(v) && v.length <= 300),
};

// "time-limit-minutes must be a number …" -> ['time-limit-minutes', 'The longest recording must be a number …']
export function explainRule(text) {
  const keys = Object.keys(S.set.names).sort((a, b) => b.length - a.length);
  for (const key of keys) {
    if (text.startsWith(`${key} `) || text.startsWith(`${key}:`) || text.startsWith(`'${key}'`)) {
      const rest = text.slice(text.startsWith(`'${key}'`) ? key.length + 2 : key.length);
      const sentence = `${S.set.names[key]}${rest}`;
      return [key, /[.!?]$/.test(sentence) ? sentence : `${sentence}.`];
    }
  }
  return [null, text];
}

export async function renderSettings(app) {
  const box = app.page('settings');
  const msg = message('error');
  box.append(h('h1', {}, S.set.heading), h('p', {class: 'notice'}, S.set.intro), msg);
  app.focusHeading(box);
  const current = await load(app, box, msg, '/api/v1/admin/settings');
  if (!current) return;
  box.append(settingsForm(app, current, msg), pinForm(app));
}

function settingsForm(app, current, msg) {
  const fields = {};
  for (const key of TEXT_KEYS) {
    const input = h('input', {type: 'text', value: current[key] ?? '', name: key, autocomplete: 'off',
      inputmode: INPUT_MODE[key] || false, autocapitalize: key === 'booth-code' ? 'characters' : false});
    fields[key] = field(S.set.fields[key], input, S.set.hints[key]);
  }
  const masterId = newId('master');
  const master = h('input', {type: 'checkbox', id: masterId, checked: current.master === 'on', 'aria-describedby': `${masterId}-hint`});
  const masterError = h('p', {class: 'field-error', hidden: true});
  const masterWrap = h('div', {class: 'field'},
    h('div', {class: 'choice'}, master, h('label', {for: masterId}, S.set.fields.master)),
    h('p', {class: 'hint', id: `${masterId}-hint`}, S.set.hints.master), masterError);

  const offered = String(current.languages || '').split(',').map((l) => l.trim());
  const langBoxes = Object.entries(S.set.langNames).map(([code, label]) => {
    const id = newId('lang');
    const input = h('input', {type: 'checkbox', id, value: code, checked: offered.includes(code)});
    return {code, input, wrap: h('div', {class: 'choice'}, input, h('label', {for: id}, label))};
  });
  const langError = h('p', {class: 'field-error', hidden: true});
  const langHintId = newId('lang-hint');
  const langSet = h('fieldset', {'aria-describedby': langHintId}, h('legend', {}, S.set.fields.languages),
    h('p', {class: 'hint', id: langHintId}, S.set.hints.languages), langBoxes.map((l) => l.wrap), langError);

  const setError = (key, text) => {
    if (fields[key]) fields[key].setError(text);
    else if (key === 'languages') {
      langError.textContent = text ? `⚠ ${text}` : '';
      langError.hidden = !text;
    } else if (key === 'master') {
      masterError.textContent = text ? `⚠ ${text}` : '';
      masterError.hidden = !text;
    }
  };
  const focusKey = (key) => {
    if (fields[key]) fields[key].input.focus();
    else if (key === 'languages') langBoxes[0].input.focus();
    else if (key === 'master') master.focus();
  };

  const values = () => {
    const out = {};
    for (const key of TEXT_KEYS) out[key] = fields[key].input.value.trim();
    out['booth-code'] = out['booth-code'].toUpperCase();
    out.master = master.checked ? 'on' : 'off';
    out.languages = langBoxes.filter((l) => l.input.checked).map((l) => l.code).join(',');
    return out;
  };

  const status = message('info');
  const save = h('button', {type: 'submit', class: 'primary'}, S.set.save);
  const form = h('form', {class: 'settings', novalidate: true},
    h('div', {class: 'grid-fields'}, TEXT_KEYS.map((k) => fields[k].wrap)), masterWrap, langSet,
    h('div', {class: 'save-bar'}, save, status));

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    msg.clear();
    for (const key of [...TEXT_KEYS, 'master', 'languages']) setError(key, '');
    const now = values();
    const broken = TEXT_KEYS.filter((key) => !RULES[key](now[key]));
    for (const key of broken) setError(key, S.set.rules[key]);
    if (!now.languages) {
      setError('languages', S.set.langNone);
      broken.push('languages');
    }
    if (broken.length) {
      msg.show(S.set.fixField);
      focusKey(broken[0]);
      return;
    }
    const changes = {};
    for (const [key, value] of Object.entries(now)) if (value !== String(current[key] ?? '')) changes[key] = value;
    if (!Object.keys(changes).length) {
      status.show(S.set.nothing, 'info');
      return;
    }
    busy(save, async () => {
      status.show(S.saving, 'info');
      try {
        const saved = await app.call('PUT', '/api/v1/admin/settings', changes);
        Object.assign(current, saved);
        for (const key of TEXT_KEYS) fields[key].input.value = saved[key] ?? '';
        app.setBooth(saved['booth-name'], saved['booth-code']);
        status.show(S.saved, 'ok');
      } catch (err) {
        if (err instanceof SessionEnded) return;
        status.clear();
        const [key, sentence] = explainRule(err.message);
        if (key && err.status === 422) {
          setError(key, sentence);
          msg.show(S.set.fixField);
          focusKey(key);
        } else {
          msg.show(err.message);
        }
      }
    }).catch(() => {});
  });
  return form;
}

function pinForm(app) {
  const msg = message('info');
  const pin = field(S.set.pinNew, h('input', {type: 'password', inputmode: 'numeric', autocomplete: 'new-password', maxlength: 12}), S.login.setupDigits);
  const again = field(S.set.pinRepeat, h('input', {type: 'password', inputmode: 'numeric', autocomplete: 'new-password', maxlength: 12}));
  const save = h('button', {type: 'submit', class: 'secondary'}, S.set.pinSave);
  const form = h('form', {class: 'card', novalidate: true, 'aria-labelledby': 'pin-h'},
    h('h2', {id: 'pin-h'}, S.set.pinHeading), h('div', {class: 'grid-fields'}, pin.wrap, again.wrap), save, msg);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    msg.clear();
    const value = readNewPin(pin, again);
    if (value === null) return;
    busy(save, async () => {
      try {
        await app.call('PUT', '/api/v1/admin/pin', {pin: value});
        pin.input.value = '';
        again.input.value = '';
        msg.show(S.set.pinDone, 'ok');
      } catch (err) {
        if (!(err instanceof SessionEnded)) msg.show(err.message, 'error');
      }
    }).catch(() => {});
  });
  return form;
}
