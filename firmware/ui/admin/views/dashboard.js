// The dashboard: is the booth working? Microphone (with the live level on the booth's own
// screen), storage, stories, sync laptops, clock, recent problems; and export to a USB drive.
import {api, ApiError} from '../../common/api.js';
import {S, t} from '../strings.js';
import {h} from '../../common/dom.js';
import {message, busy, formatWhen, formatBytes, SessionEnded, load} from '../dom.js';

const LOW_HOURS = 2;       // below this much recording time left, the dashboard warns
const HEALTH_EVERY_MS = 5000; // the open health route: polling it does not keep a session alive

function card(title, ...children) {
  const id = `card-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return h('section', {class: 'card', 'aria-labelledby': id}, h('h2', {id}, title), ...children);
}

// A status line that says in words (and with a sign) whether something is fine.
function status(ok, text) {
  return h('p', {class: `status ${ok ? 'status-ok' : 'status-bad'}`},
    h('span', {class: 'sign', 'aria-hidden': 'true'}, ok ? '✔' : '⚠'), ' ', text);
}

function micLine(mic) {
  return status(mic.present, mic.present ? t(S.dash.micOk, {name: mic.name || S.unknown}) : S.dash.micMissing);
}

function sessionText(state) {
  return S.dash.sessionStates[state] || state;
}

// Live level meters from the kiosk event stream. Only the booth itself may open that stream,
// so a laptop never tries (it would be refused and the browser would log the refusal).
function liveLevel(app, box, onState) {
  const area = h('div', {class: 'levels', 'aria-live': 'off'});
  const note = h('p', {class: 'hint'});
  const wrap = h('div', {}, h('h3', {}, S.dash.liveLevel), area, note);
  if (!app.onBooth) {
    note.textContent = S.dash.levelLaptop;
    return {wrap, stop() {}};
  }
  note.textContent = S.dash.levelWaiting;
  const meters = new Map();
  let quiet = 0;
  const meterFor = (channel) => {
    if (meters.has(channel)) return meters.get(channel);
    const id = `level-${channel}`;
    const meter = h('meter', {id, min: -60, max: 0, low: -40, high: -6, optimum: -18, value: -60});
    const value = h('span', {class: 'level-value'});
    const row = h('div', {class: 'level'}, h('label', {for: id}, t(S.dash.levelChannel, {n: channel})), meter, value);
    area.append(row);
    const m = {meter, value};
    meters.set(channel, m);
    return m;
  };
  const source = new EventSource('/api/v1/events');
  source.addEventListener('level', (e) => {
    let data;
    try {
      data = JSON.parse(e.data);
    } catch {
      return;
    }
    note.textContent = '';
    area.hidden = false;
    for (const ch of data.channels || []) {
      const m = meterFor(ch.channel);
      const peak = Math.max(-60, Math.min(0, ch.peak_dbfs));
      m.meter.value = peak;
      m.value.textContent = ch.clipped > 0 ? S.dash.levelClipped
        : ch.peak_dbfs <= -60 ? S.dash.levelSilent : t(S.dash.levelValue, {db: Math.round(ch.peak_dbfs)});
    }
    clearTimeout(quiet);
    quiet = setTimeout(() => {
      area.hidden = true;
      note.textContent = S.dash.levelWaiting;
    }, 1500);
  });
  source.addEventListener('state', (e) => {
    try {
      onState(JSON.parse(e.data));
    } catch {
      // A malformed event changes nothing on screen.
    }
  });
  return {
    wrap,
    stop() {
      clearTimeout(quiet);
      source.close();
    },
  };
}

function exportSection(app) {
  const msg = message('info');
  const list = h('ul', {class: 'plain drives'});
  const find = h('button', {type: 'button', class: 'secondary'}, S.exp.find);
  const run = async (path, button) => {
    msg.show(S.exp.exporting, 'info');
    try {
      const r = await app.call('POST', '/api/v1/admin/export', {to: path});
      msg.show(t(S.exp.done, {stories: r.stories, files: r.files_copied, size: formatBytes(r.bytes_copied), folder: r.folder}), 'ok');
    } catch (e) {
      if (e instanceof SessionEnded) return;
      msg.show(e instanceof ApiError && e.status === 404 && /no such page/i.test(e.message)
        ? S.exp.missing : t(S.exp.failed, {message: e.message}), 'error');
    }
    button.focus();
  };
  find.addEventListener('click', () => busy(find, async () => {
    list.replaceChildren();
    msg.show(S.exp.looking, 'info');
    try {
      const r = await app.call('GET', '/api/v1/admin/export/targets');
      const targets = (r && r.targets) || [];
      if (!targets.length) {
        msg.show(S.exp.none, 'info');
        return;
      }
      msg.clear();
      for (const target of targets) {
        const button = h('button', {type: 'button', class: 'primary'}, t(S.exp.exportTo, {path: target.path}));
        button.addEventListener('click', () => busy(button, () => run(target.path, button)));
        list.append(h('li', {}, h('span', {}, t(S.exp.drive, {path: target.path, free: formatBytes(target.free_bytes)})), button));
      }
    } catch (e) {
      if (e instanceof SessionEnded) return;
      msg.show(e instanceof ApiError && e.status === 404 ? S.exp.missing : t(S.exp.failed, {message: e.message}), 'error');
    }
  }));
  return card(S.exp.heading, h('p', {}, S.exp.intro), find, list, msg);
}

export async function renderDashboard(app) {
  const box = app.page('dashboard');
  const msg = message('error');
  const refresh = h('button', {type: 'button', class: 'secondary', onclick: () => renderDashboard(app).catch(() => {})}, S.refresh);
  box.append(h('div', {class: 'page-head'}, h('h1', {}, S.dash.heading), refresh), msg);
  app.focusHeading(box);
  const d = await load(app, box, msg, '/api/v1/admin/dashboard');
  if (!d) return;
  app.setBooth(d.booth.name, d.booth.code);

  // Microphone and the booth's state now.
  const micBox = h('div', {}, micLine(d.mic));
  const sessionLine = h('p', {}, sessionText(d.session));
  const level = liveLevel(app, box, (s) => { sessionLine.textContent = sessionText(s.state); });

  // Storage.
  const freeCell = h('dd', {}, formatBytes(d.disk.free_bytes));
  const hoursCell = h('dd', {}, t(S.dash.hours, {h: d.disk.hours_left}));
  const low = h('div', {});
  const showLow = (hours) => low.replaceChildren(hours < LOW_HOURS ? status(false, t(S.dash.diskLow, {h: LOW_HOURS})) : '');
  showLow(d.disk.hours_left);

  // Stories by state.
  const counts = h('dl', {class: 'counts'});
  for (const [state, label] of Object.entries(S.dash.storyStates)) {
    const n = d.stories[state] ?? 0;
    counts.append(h('div', {}, h('dt', {}, label),
      h('dd', {}, n > 0 ? h('a', {href: `#/stories?state=${state}`}, String(n)) : '0')));
  }

  // Sync laptops.
  const sync = d.sync.length
    ? h('ul', {class: 'plain'}, d.sync.map((l) => h('li', {},
      h('strong', {}, l.host_name), h('br'),
      t(S.dash.syncLast, {when: formatWhen(l.last_seen_at)}))))
    : h('p', {}, S.dash.syncNone, ' ', h('a', {href: '#/pairing'}, S.dash.syncPair));

  const errors = d.errors.length
    ? h('ul', {class: 'errors'}, d.errors.map((e) => h('li', {}, status(false, e))))
    : status(true, S.dash.errorsNone);

  box.append(h('div', {class: 'cards'},
    card(S.dash.mic, micBox, level.wrap),
    card(S.dash.session, sessionLine),
    card(S.dash.disk, h('dl', {class: 'pairs'},
      h('div', {}, h('dt', {}, S.dash.diskFree), freeCell),
      h('div', {}, h('dt', {}, S.dash.hoursLeft), hoursCell)), low),
    card(S.dash.stories, counts, h('p', {}, h('a', {href: '#/stories'}, S.dash.seeStories))),
    card(S.dash.sync, sync),
    card(S.dash.clock, status(d.clock.trusted,
      t(d.clock.trusted ? S.dash.clockTrusted : S.dash.clockUntrusted, {now: formatWhen(d.clock.now)}))),
    card(S.dash.errors, errors),
    exportSection(app),
  ), h('p', {class: 'hint version'}, t(S.dash.version, {v: d.version})));

  // The open health route keeps the microphone and storage lines current without keeping the
  // librarian session alive (the session still ends after 10 minutes without use).
  const timer = setInterval(async () => {
    try {
      const health = await api('GET', '/api/v1/health');
      if (!box.alive()) return;
      micBox.replaceChildren(micLine(health.mic));
      sessionLine.textContent = sessionText(health.state);
      const hours = Math.round(health.recording_seconds_left / 360) / 10;
      freeCell.textContent = formatBytes(health.disk_free_bytes);
      hoursCell.textContent = t(S.dash.hours, {h: hours});
      showLow(hours);
    } catch {
      // The next tick tries again; the lines keep their last known values.
    }
  }, HEALTH_EVERY_MS);
  app.cleanup = () => {
    clearInterval(timer);
    level.stop();
  };
}
