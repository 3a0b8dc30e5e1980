// Live level meters, one per participant, fed by the booth's `level` events (10 per second).
// Each meter carries the person's name, a bar, and a worded hint with its own symbol, so
// "too quiet" and "too loud" never depend on colour alone.
import {h} from '../common/dom.js';
import {t} from './i18n.js';

const FLOOR_DB = -60;        // the bar's empty end
const WINDOW_FRAMES = 40;    // the hint looks at the last 4 seconds
const MIN_FRAMES = 10;       // and says nothing for the first second
const QUIET_RMS_DB = -50;    // loudest moment in the window still this quiet: nobody is near the mic
const LOUD_PEAK_DB = -1;     // peaks this close to full scale (or any clipped sample): too loud

const HINT_ICON = {waiting: '…', ok: '✓', quiet: '▼', loud: '▲'};

function fraction(db) {
  if (!Number.isFinite(db)) return 0;
  return Math.min(1, Math.max(0, (db - FLOOR_DB) / -FLOOR_DB));
}

// hint for a window of recent frames of one channel: 'waiting' | 'ok' | 'quiet' | 'loud'
export function levelHint(frames) {
  if (frames.length < MIN_FRAMES) return 'waiting';
  let maxRms = -Infinity;
  let maxPeak = -Infinity;
  let clipped = 0;
  for (const f of frames) {
    maxRms = Math.max(maxRms, f.rms_dbfs);
    maxPeak = Math.max(maxPeak, f.peak_dbfs);
    clipped += f.clipped || 0;
  }
  if (clipped > 0 || maxPeak >= LOUD_PEAK_DB) return 'loud';
  if (!(maxRms > QUIET_RMS_DB)) return 'quiet';
  return 'ok';
}

export class Meters {
  // container: element to fill; compact: smaller rows for the recording screen
  constructor(container, {compact = false} = {}) {
    this.container = container;
    this.compact = compact;
    this.rows = [];
  }

  // people: [{name, channel}] in on-screen order
  setPeople(people) {
    this.container.replaceChildren();
    this.rows = people.map((p, i) => {
      const bar = h('span', {class: 'meter-fill'});
      const peak = h('span', {class: 'meter-peak'});
      const meter = h(
        'div',
        {
          class: 'meter',
          role: 'meter',
          'aria-valuemin': FLOOR_DB,
          'aria-valuemax': 0,
          'aria-valuenow': FLOOR_DB,
          'aria-label': t('mic.meter', {name: p.name}),
        },
        bar,
        peak,
      );
      const icon = h('span', {class: 'hint-icon', 'aria-hidden': 'true', text: HINT_ICON.waiting});
      const text = h('span', {class: 'hint-text', text: t('mic.waiting')});
      const hint = h('p', {class: 'meter-hint', dataset: {hint: 'waiting'}}, icon, text);
      const name = h('p', {class: 'meter-name', text: p.name});
      const row = h('div', {class: 'meter-row', dataset: {channel: p.channel, person: i}}, name, meter, hint);
      this.container.append(row);
      const r = {person: p, row, bar, peak, meter, icon, text, hint, frames: [], state: 'waiting'};
      this.#show(r, 'waiting');
      return r;
    });
  }

  reset() {
    for (const r of this.rows) {
      r.frames = [];
      this.#show(r, 'waiting');
      r.bar.style.width = '0%';
      r.peak.style.left = '0%';
    }
  }

  // data: {channels: [{channel, peak_dbfs, rms_dbfs, clipped}], elapsed_ms}
  update(data) {
    const channels = data && Array.isArray(data.channels) ? data.channels : [];
    if (channels.length === 0) return;
    for (const r of this.rows) {
      // A second person on a one-channel microphone shares channel 1.
      const ch = channels.find((c) => c.channel === r.person.channel) || channels[0];
      r.frames.push(ch);
      if (r.frames.length > WINDOW_FRAMES) r.frames.shift();
      r.bar.style.width = `${(fraction(ch.rms_dbfs) * 100).toFixed(1)}%`;
      r.peak.style.left = `${(fraction(ch.peak_dbfs) * 100).toFixed(1)}%`;
      const now = Number.isFinite(ch.rms_dbfs) ? Math.max(FLOOR_DB, Math.round(ch.rms_dbfs)) : FLOOR_DB;
      r.meter.setAttribute('aria-valuenow', String(now));
      r.meter.setAttribute('aria-valuetext', `${now} dB`);
      const state = levelHint(r.frames);
      if (state !== r.state) this.#show(r, state);
    }
  }

  retranslate() {
    for (const r of this.rows) {
      r.meter.setAttribute('aria-label', t('mic.meter', {name: r.person.name}));
      this.#show(r, r.state);
    }
  }

  #show(r, state) {
    r.state = state;
    r.hint.dataset.hint = state;
    r.row.dataset.hint = state;
    r.icon.textContent = HINT_ICON[state];
    r.text.textContent = t(`mic.${state}`);
  }
}
