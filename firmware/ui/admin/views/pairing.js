// Pairing sync laptops: a one-time code (and its QR code) for `storysync pair`, and the laptops
// already paired, each of which can be revoked.
import {qrUrl} from '../../common/api.js';
import {S, t} from '../strings.js';
import {h} from '../../common/dom.js';
import {message, busy, confirmAction, formatWhen, formatTime, SessionEnded, load} from '../dom.js';

export async function renderPairing(app) {
  const box = app.page('pairing');
  const msg = message('error');
  const codeArea = h('div', {class: 'pair-code', 'aria-live': 'polite'});
  const newCode = h('button', {type: 'button', class: 'primary'}, S.pair.newCode);
  const laptops = h('div', {});
  const laptopsMsg = message('info');
  box.append(h('h1', {}, S.pair.heading), h('p', {}, S.pair.intro), msg,
    h('section', {class: 'card', 'aria-labelledby': 'code-h'}, h('h2', {id: 'code-h'}, S.pair.codeLabel), newCode, codeArea),
    h('section', {class: 'card', 'aria-labelledby': 'laptops-h'}, h('h2', {id: 'laptops-h'}, S.pair.laptops), laptopsMsg, laptops));
  app.focusHeading(box);

  let expiry = 0;
  newCode.addEventListener('click', () => busy(newCode, async () => {
    msg.clear();
    try {
      const r = await app.call('POST', '/api/v1/admin/pairing');
      if (!box.alive()) return;
      const grouped = r.code.length === 8 ? `${r.code.slice(0, 4)} ${r.code.slice(4)}` : r.code;
      codeArea.replaceChildren(
        h('p', {class: 'code-big', 'aria-label': `${S.pair.codeLabel}: ${r.code.split('').join(' ')}`}, grouped),
        h('img', {src: qrUrl(r.code), alt: t(S.pair.qrAlt, {code: r.code}), width: 200, height: 200, class: 'qr'}),
        h('p', {}, t(S.pair.codeHow, {time: formatTime(r.expires_at)})));
      newCode.textContent = S.pair.anotherCode;
      // The code is useless once it expires: take it off the screen then.
      clearTimeout(expiry);
      const left = new Date(r.expires_at).getTime() - Date.now();
      if (left > 0) expiry = setTimeout(() => codeArea.replaceChildren(), left);
    } catch (e) {
      if (e instanceof SessionEnded) return;
      msg.show(e.message);
    }
  }).catch(() => {}));
  app.cleanup = () => clearTimeout(expiry);

  const drawLaptops = async () => {
    const list = await load(app, box, laptopsMsg, '/api/v1/admin/pairing');
    if (!list) return;
    if (!list.length) {
      laptops.replaceChildren(h('p', {}, S.pair.none));
      return;
    }
    laptops.replaceChildren(h('ul', {class: 'plain laptops'}, list.map((l) => {
      const revoke = h('button', {type: 'button', class: 'danger'}, t(S.pair.revoke, {name: l.host_name}));
      revoke.addEventListener('click', async () => {
        if (!await confirmAction(t(S.pair.revokeConfirm, {name: l.host_name}), S.pair.revokeYes)) {
          revoke.focus();
          return;
        }
        await busy(revoke, async () => {
          try {
            await app.call('DELETE', `/api/v1/admin/pairing/${l.id}`);
            laptopsMsg.show(t(S.pair.revoked, {name: l.host_name}), 'ok');
            await drawLaptops();
          } catch (e) {
            if (!(e instanceof SessionEnded)) laptopsMsg.show(e.message, 'error');
          }
        }).catch(() => {});
      });
      return h('li', {},
        h('div', {}, h('strong', {}, l.host_name), h('br'),
          t(S.pair.paired, {when: formatWhen(l.paired_at)}), ' · ', t(S.pair.lastSeen, {when: formatWhen(l.last_seen_at)})),
        revoke);
    })));
  };
  await drawLaptops();
}
