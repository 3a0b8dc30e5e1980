// The per-language catalogues (/ui/i18n/<lang>.json): every word the booth screens show comes
// from here, none from the markup. Markup names a key with data-i18n (text), data-i18n-label
// (aria-label), data-i18n-placeholder; code asks with t('screen.key', {vars}).

export const LANGUAGES = ['en', 'es'];

const catalogues = new Map();
let current = 'en';

export async function loadCatalogues() {
  await Promise.all(
    LANGUAGES.map(async (lang) => {
      const res = await fetch(`/ui/i18n/${lang}.json`, {cache: 'no-cache'});
      if (!res.ok) throw new Error(`The ${lang} texts could not be loaded (${res.status}).`);
      catalogues.set(lang, await res.json());
    }),
  );
}

export function language() {
  return current;
}

export function setLanguage(lang) {
  if (!catalogues.has(lang)) return;
  current = lang;
  document.documentElement.lang = lang;
  document.title = t('page.title');
  translateTree(document.body);
}

// The raw value at a dotted path in one language's catalogue (strings, lists, objects).
export function entry(path, lang = current) {
  let v = catalogues.get(lang);
  for (const part of path.split('.')) {
    if (v == null) return undefined;
    v = v[part];
  }
  return v;
}

// A catalogue string with {name} placeholders filled in. A missing key shows the key itself,
// so a gap in a catalogue is visible on screen rather than silently blank.
export function t(path, vars = {}, lang = current) {
  let s = entry(path, lang);
  if (typeof s !== 'string') s = entry(path, 'en');
  if (typeof s !== 'string') return path;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

export function translateTree(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n, varsOf(el));
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel, varsOf(el)));
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder, varsOf(el));
}

function varsOf(el) {
  if (!el.dataset.i18nVars) return {};
  try {
    return JSON.parse(el.dataset.i18nVars);
  } catch {
    return {};
  }
}

// The booth's own error sentences are English. In another language, each sentence is looked up
// in the catalogue's errors.messages; if any sentence is unknown the whole message stays as the
// booth wrote it, so nothing is lost in translation.
export function translateBoothMessage(message) {
  if (current === 'en' || !message) return message;
  const table = entry('errors.messages') || {};
  const sentences = message.match(/[^.!?]+[.!?]+(\s+|$)|[^.!?]+$/g) || [message];
  const out = [];
  for (const raw of sentences) {
    const s = raw.trim();
    if (!table[s]) return message;
    out.push(table[s]);
  }
  return out.join(' ');
}
