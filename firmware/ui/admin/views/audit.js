// The audit log: every librarian action, newest first, a page at a time.
import {S} from '../strings.js';
import {h} from '../../common/dom.js';
import {message, busy, formatWhen, load} from '../dom.js';

const PAGE_SIZE = 100;

export async function renderAudit(app) {
  const box = app.page('audit');
  const msg = message('error');
  const body = h('tbody', {});
  const table = h('table', {class: 'audit'},
    h('caption', {class: 'visually-hidden'}, S.audit.heading),
    h('thead', {}, h('tr', {}, [S.audit.when, S.audit.who, S.audit.what, S.audit.story, S.audit.detail].map((c) => h('th', {scope: 'col'}, c)))),
    body);
  const empty = h('p', {hidden: true}, S.audit.none);
  const older = h('button', {type: 'button', class: 'secondary', hidden: true}, S.audit.older);
  box.append(h('h1', {}, S.audit.heading), h('p', {}, S.audit.intro), msg, h('div', {class: 'table-wrap'}, table), empty, older);
  app.focusHeading(box);

  let before = 0;
  const more = async () => {
    const q = new URLSearchParams({limit: String(PAGE_SIZE)});
    if (before) q.set('before', String(before));
    const rows = await load(app, box, msg, `/api/v1/admin/audit?${q}`);
    if (!rows) return;
    for (const r of rows) {
      body.append(h('tr', {},
        h('td', {}, formatWhen(r.at)),
        h('td', {}, r.actor),
        h('td', {}, S.audit.actions[r.action] || r.action),
        h('td', {}, r.story_id ? h('a', {href: `#/stories/${r.story_id}`}, S.audit.openStory) : ''),
        h('td', {}, r.detail || '')));
      before = r.seq;
    }
    empty.hidden = body.children.length > 0;
    table.hidden = body.children.length === 0;
    older.hidden = rows.length < PAGE_SIZE;
  };
  older.addEventListener('click', () => busy(older, more).catch(() => {}));
  await more();
}
