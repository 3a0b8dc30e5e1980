// Small helpers the admin views share: building elements (text is always set as text, never
// parsed as HTML, so a story title cannot inject markup), messages, confirmation, formatting.
import {S, t} from './strings.js';

// h('button', {type: 'button', onclick: f}, 'Save') -> <button>. Attributes starting with "on"
// become listeners; `class`, `for`, aria-* and data-* are set as attributes; false/null skip.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = Boolean(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// Thrown to a view when its request found the session over; the login is already on screen.
export class SessionEnded extends Error {}

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

export function formatClock(ms) {
  const total = Math.floor(ms / 1000);
  const m = Math.floor(total / 60);
  const s = String(total % 60).padStart(2, '0');
  return `${m}:${s}`;
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
