// Small helpers the admin views share: messages, fields, loading, confirmation, formatting.
// Building elements (h) is in ../common/dom.js, shared with the booth's screens.
import {h} from '../common/dom.js';
import {S, t} from './strings.js';

// Thrown to a view when its request found the session over; the login is already on screen.
export class SessionEnded extends Error {}

// GETs what a page shows. When the request fails its reason goes to `msg` and the answer is null,
// as it is when the page was left meanwhile; a session found over is thrown on.
export async function load(app, box, msg, path) {
  try {
    const data = await app.call('GET', path);
    return box.alive() ? data : null;
  } catch (e) {
    if (e instanceof SessionEnded) throw e;
    msg.show(e.message, 'error');
    return null;
  }
}

let uid = 0;
// A fresh id for label/field and aria-describedby pairs.
export function newId(prefix = 'f') {
  uid += 1;
  return `${prefix}-${uid}`;
}

// A message line: kind 'error' is announced at once (role=alert), others politely (role=status).
// Each kind has its own icon and words, so nothing depends on colour alone.
export function message(kind = 'info') {
  const el = h('p', {class: `msg msg-${kind}`, role: kind === 'error' ? 'alert' : 'status', hidden: true});
  el.show = (text, k = kind) => {
    el.className = `msg msg-${k}`;
    el.setAttribute('role', k === 'error' ? 'alert' : 'status');
    el.textContent = text;
    el.hidden = !text;
  };
  el.clear = () => el.show('');
  return el;
}

// A labelled field: returns {wrap, input, error, setError}. `control` is an input, select or textarea.
export function field(label, control, hint) {
  const id = control.id || newId();
  control.id = id;
  const hintEl = hint ? h('p', {class: 'hint', id: `${id}-hint`}, hint) : null;
  const error = h('p', {class: 'field-error', id: `${id}-error`, hidden: true});
  const described = [hintEl && hintEl.id, error.id].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', described);
  const wrap = h('div', {class: 'field'}, h('label', {for: id}, label), hintEl, control, error);
  const setError = (text) => {
    error.textContent = text ? `⚠ ${text}` : '';
    error.hidden = !text;
    if (text) control.setAttribute('aria-invalid', 'true');
    else control.removeAttribute('aria-invalid');
  };
  return {wrap, input: control, error, setError};
}

// The new PIN typed twice, in the fields `pin` and `again` (from field()), or null when it is not
// 4 to 12 digits or the two differ: the reason is shown at the field, which gets the focus.
export function readNewPin(pin, again) {
  pin.setError('');
  again.setError('');
  const value = pin.input.value.trim();
  if (!/^[0-9]{4,12}$/.test(value)) {
    pin.setError(S.login.setupDigits);
    pin.input.focus();
    return null;
  }
  if (again.input.value.trim() !== value) {
    again.setError(S.login.setupMismatch);
    again.input.value = '';
    again.input.focus();
    return null;
  }
  return value;
}

// Asks a yes/no question in the page's modal dialog; resolves true for yes.
export function confirmAction(text, yesLabel) {
  const dlg = document.getElementById('confirm');
  document.getElementById('confirm-heading').textContent = S.story.confirmHeading;
  document.getElementById('confirm-text').textContent = text;
  const yes = document.getElementById('confirm-yes');
  const no = document.getElementById('confirm-no');
  yes.textContent = yesLabel;
  no.textContent = S.cancel;
  return new Promise((resolve) => {
    const done = (answer) => {
      yes.onclick = null;
      no.onclick = null;
      dlg.onclose = null;
      if (dlg.open) dlg.close();
      resolve(answer);
    };
    yes.onclick = () => done(true);
    no.onclick = () => done(false);
    dlg.onclose = () => done(false);
    dlg.showModal();
    no.focus();
  });
}

// Disables a button while `work` runs, so a double tap does not send twice.
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

export function formatWhen(iso) {
  if (!iso) return S.never;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-GB', {dateStyle: 'medium', timeStyle: 'short'});
}

export function formatTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleTimeString('en-GB', {hour: '2-digit', minute: '2-digit'});
}

export function formatDuration(ms) {
  if (ms === null || ms === undefined) return S.unknown;
  const total = Math.round(ms / 1000);
  return t(S.stories.duration, {m: Math.floor(total / 60), s: total % 60});
}

export function formatBytes(n) {
  if (n === null || n === undefined) return S.unknown;
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
