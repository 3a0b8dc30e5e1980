// The question picker: curated sets on the left (tap a question to add it, tap again to take it
// back), the chosen questions on the right in interview order, each with big Move up / Move down
// / Remove buttons, and a field for the people's own questions.
import {$, h} from '../common/dom.js';
import {t} from './i18n.js';

export const MAX_QUESTIONS = 20;
export const MAX_QUESTION_CHARS = 500;

export class QuestionPicker {
  // onError(message) shows a message on the screen; onChange() after every change
  constructor(root, {onError, onChange} = {}) {
    this.root = root;
    this.onError = onError || (() => {});
    this.onChange = onChange || (() => {});
    this.sets = [];
    this.setIndex = 0;
    this.chosen = [];
    $('#own-add', root).addEventListener('click', () => this.addOwn());
    $('#own-question', root).addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        this.addOwn();
      }
    });
  }

  // sets: [{name, questions: [text]}]
  setSets(sets) {
    this.sets = sets;
    this.setIndex = 0;
    this.render();
  }

  setChosen(texts) {
    this.chosen = [...texts];
    this.render();
  }

  has(text) {
    return this.chosen.includes(text);
  }

  add(text) {
    const q = text.trim();
    if (!q) return false;
    if (this.has(q)) return true;
    if (this.chosen.length >= MAX_QUESTIONS) {
      this.onError(t('questions.errorTooMany'));
      return false;
    }
    this.chosen.push(q);
    this.changed();
    return true;
  }

  remove(text) {
    this.chosen = this.chosen.filter((q) => q !== text);
    this.changed();
  }

  move(index, by) {
    const to = index + by;
    if (to < 0 || to >= this.chosen.length) return;
    const [q] = this.chosen.splice(index, 1);
    this.chosen.splice(to, 0, q);
    this.changed(q, by < 0 ? 'up' : 'down');
  }

  addOwn() {
    const input = $('#own-question', this.root);
    const text = input.value.trim();
    if (!text) return this.onError(t('questions.errorOwnEmpty'));
    if ([...text].length > MAX_QUESTION_CHARS) return this.onError(t('questions.errorOwnLong'));
    if (this.add(text)) input.value = '';
  }

  changed(focusText, focusDir) {
    this.onError('');
    this.render();
    this.onChange();
    // Keep the moved question's button under the finger (and focus) after a reorder.
    if (focusText !== undefined) {
      const i = this.chosen.indexOf(focusText);
      const li = $('#chosen', this.root).children[i];
      const btn = li && (li.querySelector(`[data-move="${focusDir}"]:not([disabled])`) || li.querySelector('[data-move]:not([disabled])'));
      if (btn) btn.focus();
    }
  }

  render() {
    const tabs = $('#set-tabs', this.root);
    tabs.replaceChildren(
      ...this.sets.map((set, i) =>
        h('button', {
          type: 'button',
          class: 'tab',
          'aria-pressed': String(i === this.setIndex),
          text: set.name,
          onclick: () => {
            this.setIndex = i;
            this.render();
          },
        }),
      ),
    );
    const set = this.sets[this.setIndex];
    const list = $('#set-questions', this.root);
    list.setAttribute('aria-label', set ? t('questions.setQuestions', {set: set.name}) : t('questions.sets'));
    list.replaceChildren(
      ...(set ? set.questions : []).map((text) => {
        const added = this.has(text);
        return h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              class: 'pick',
              'aria-pressed': String(added),
              onclick: () => (this.has(text) ? this.remove(text) : this.add(text)),
            },
            h('span', {class: 'pick-mark', 'aria-hidden': 'true', text: added ? '✓' : '+'}),
            h('span', {class: 'pick-text', text}),
          ),
        );
      }),
    );

    $('#chosen-heading', this.root).textContent = t('questions.chosen', {count: this.chosen.length});
    $('#chosen-none', this.root).hidden = this.chosen.length > 0;
    const chosen = $('#chosen', this.root);
    chosen.replaceChildren(
      ...this.chosen.map((text, i) =>
        h(
          'li',
          {class: 'chosen-item'},
          h('span', {class: 'chosen-number', 'aria-hidden': 'true', text: `${i + 1}.`}),
          h('span', {class: 'chosen-text', text}),
          h(
            'span',
            {class: 'chosen-buttons'},
            h('button', {type: 'button', class: 'icon-button', dataset: {move: 'up'}, disabled: i === 0, 'aria-label': t('questions.up', {question: text}), text: '▲', onclick: () => this.move(i, -1)}),
            h('button', {type: 'button', class: 'icon-button', dataset: {move: 'down'}, disabled: i === this.chosen.length - 1, 'aria-label': t('questions.down', {question: text}), text: '▼', onclick: () => this.move(i, 1)}),
            h('button', {type: 'button', class: 'icon-button remove', 'aria-label': t('questions.remove', {question: text}), text: '✕', onclick: () => this.remove(text)}),
          ),
        ),
      ),
    );
  }
}
