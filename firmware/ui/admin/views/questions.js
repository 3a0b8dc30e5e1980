// Question sets, per language: rename, add, remove and reorder sets and their questions, then
// save them all at once (the booth replaces its sets with what is saved).
import {S, t} from '../strings.js';
import {h} from '../../common/dom.js';
import {message, busy, newId, SessionEnded, load} from '../dom.js';

const MAX_QUESTIONS = 50; // the booth's limits for one set
const MAX_SETS = 100;

export async function renderQuestions(app) {
  const box = app.page('questions');
  const msg = message('error');
  const status = message('info');
  box.append(h('h1', {}, S.q.heading), h('p', {}, S.q.intro), msg);
  app.focusHeading(box);
  let sets = await load(app, box, msg, '/api/v1/admin/questions');
  if (!sets) return;
  sets = sets.map((s) => ({name: s.name, language: s.language, questions: [...s.questions]}));

  let lang = 'en';
  const tabs = h('div', {class: 'tabs', role: 'group', 'aria-label': S.q.languageLabel});
  const editor = h('div', {class: 'sets'});
  const save = h('button', {type: 'button', class: 'primary'}, S.q.save);
  const saveBar = h('div', {class: 'save-bar'}, save, status);
  box.append(tabs, editor, saveBar);

  const changed = () => {
    status.show(S.q.unsaved, 'warn');
  };

  const drawTabs = () => {
    tabs.replaceChildren(...Object.entries(S.q.languages).map(([code, label]) => {
      const n = sets.filter((s) => s.language === code).length;
      return h('button', {type: 'button', class: 'tab', 'aria-pressed': String(code === lang), onclick: () => {
        lang = code;
        drawTabs();
        draw();
      }}, code === lang ? h('span', {'aria-hidden': 'true'}, '✔ ') : null, `${label} (${n})`);
    }));
  };

  // Redraws the sets of the chosen language; `focusKey` names the control to focus afterwards.
  const draw = (focusKey) => {
    const mine = sets.map((s, i) => [s, i]).filter(([s]) => s.language === lang);
    editor.replaceChildren();
    if (!mine.length) editor.append(h('p', {}, S.q.none));
    mine.forEach(([set, index], pos) => editor.append(drawSet(set, index, pos, mine)));
    editor.append(h('button', {type: 'button', class: 'secondary', 'data-key': 'add-set', disabled: sets.length >= MAX_SETS, onclick: () => {
      sets.push({name: S.q.newSet, language: lang, questions: ['']});
      changed();
      drawTabs();
      draw(`name-${sets.length - 1}`);
    }}, h('span', {'aria-hidden': 'true'}, '+ '), S.q.addSet));
    if (focusKey) {
      const el = editor.querySelector(`[data-key="${focusKey}"]`);
      if (el && !el.disabled) el.focus();
      else if (el) el.closest('li, fieldset')?.querySelector('input')?.focus();
    }
  };

  const swap = (list, a, b) => {
    [list[a], list[b]] = [list[b], list[a]];
  };

  const drawSet = (set, index, pos, mine) => {
    const label = set.name || t(S.q.setNoName, {n: pos + 1});
    const nameId = newId('set');
    const legend = h('legend', {}, t(S.q.setLegend, {n: pos + 1, name: label}));
    const name = h('input', {type: 'text', id: nameId, value: set.name, maxlength: 100, 'data-key': `name-${index}`});
    name.addEventListener('input', () => {
      set.name = name.value;
      legend.textContent = t(S.q.setLegend, {n: pos + 1, name: set.name || t(S.q.setNoName, {n: pos + 1})});
      changed();
    });
    const prev = mine[pos - 1];
    const next = mine[pos + 1];
    const setTools = h('div', {class: 'tools'},
      h('button', {type: 'button', class: 'icon', 'aria-label': t(S.q.setUp, {name: label}), 'data-key': `set-up-${index}`, disabled: !prev, onclick: () => {
        swap(sets, index, prev[1]);
        changed();
        draw(`set-up-${prev[1]}`);
      }}, '↑'),
      h('button', {type: 'button', class: 'icon', 'aria-label': t(S.q.setDown, {name: label}), 'data-key': `set-down-${index}`, disabled: !next, onclick: () => {
        swap(sets, index, next[1]);
        changed();
        draw(`set-down-${next[1]}`);
      }}, '↓'),
      h('button', {type: 'button', class: 'icon danger', 'aria-label': t(S.q.setRemove, {name: label}), onclick: () => {
        sets.splice(index, 1);
        changed();
        drawTabs();
        draw('add-set');
      }}, '✕'));
    const items = set.questions.map((text, qi) => {
      const input = h('input', {type: 'text', value: text, maxlength: 500, 'aria-label': `${t(S.q.question, {n: qi + 1})} (${label})`, 'data-key': `q-${index}-${qi}`});
      input.addEventListener('input', () => {
        set.questions[qi] = input.value;
        changed();
      });
      const move = (to, key) => () => {
        swap(set.questions, qi, to);
        changed();
        draw(`${key}-${index}-${to}`);
      };
      return h('li', {}, input, h('div', {class: 'tools'},
        h('button', {type: 'button', class: 'icon', 'aria-label': t(S.q.moveUp, {n: qi + 1}), 'data-key': `up-${index}-${qi}`, disabled: qi === 0, onclick: move(qi - 1, 'up')}, '↑'),
        h('button', {type: 'button', class: 'icon', 'aria-label': t(S.q.moveDown, {n: qi + 1}), 'data-key': `down-${index}-${qi}`, disabled: qi === set.questions.length - 1, onclick: move(qi + 1, 'down')}, '↓'),
        h('button', {type: 'button', class: 'icon danger', 'aria-label': t(S.q.remove, {n: qi + 1}), onclick: () => {
          set.questions.splice(qi, 1);
          changed();
          draw(`add-q-${index}`);
        }}, '✕')));
    });
    const add = h('button', {type: 'button', class: 'secondary', 'data-key': `add-q-${index}`, disabled: set.questions.length >= MAX_QUESTIONS, onclick: () => {
      set.questions.push('');
      changed();
      draw(`q-${index}-${set.questions.length - 1}`);
    }}, h('span', {'aria-hidden': 'true'}, '+ '), S.q.addQuestion);
    return h('fieldset', {class: 'card set'}, legend,
      h('div', {class: 'set-head'}, h('div', {class: 'field'}, h('label', {for: nameId}, S.q.setName), name), setTools),
      h('ol', {class: 'questions'}, items), add);
  };

  save.addEventListener('click', () => busy(save, async () => {
    msg.clear();
    const body = [];
    for (const [i, s] of sets.entries()) {
      const name = s.name.trim();
      const questions = s.questions.map((q) => q.trim()).filter(Boolean);
      const pos = sets.filter((x) => x.language === s.language).indexOf(s) + 1;
      if (!name || !questions.length) {
        if (lang !== s.language) {
          lang = s.language;
          drawTabs();
        }
        draw(!name ? `name-${i}` : `add-q-${i}`);
        msg.show(!name ? t(S.q.nameEmpty, {n: pos}) : t(S.q.noQuestions, {name}));
        return;
      }
      if (body.some((b) => b.language === s.language && b.name.toLowerCase() === name.toLowerCase())) {
        if (lang !== s.language) {
          lang = s.language;
          drawTabs();
        }
        draw(`name-${i}`);
        msg.show(t(S.q.nameTaken, {name, language: S.q.languages[s.language] || s.language}));
        return;
      }
      body.push({name, language: s.language, questions});
    }
    status.show(S.saving, 'info');
    try {
      const saved = await app.call('PUT', '/api/v1/admin/questions', body);
      sets = saved.map((s) => ({name: s.name, language: s.language, questions: [...s.questions]}));
      drawTabs();
      draw();
      status.show(S.saved, 'ok');
    } catch (e) {
      if (e instanceof SessionEnded) return;
      status.clear();
      msg.show(e.message);
    }
  }).catch(() => {}));

  drawTabs();
  draw();
}
