// Stories: the searchable list, and one story (listen, edit, sharing level, withdraw, delete).
import {S, t} from '../strings.js';
import {h, clock} from '../../common/dom.js';
import {field, message, busy, confirmAction, formatWhen, formatDuration, formatBytes, newId, SessionEnded} from '../dom.js';

const PAGE_SIZE = 50;

function badge(kind, text, sign) {
  return h('span', {class: `badge badge-${kind}`}, sign ? h('span', {'aria-hidden': 'true'}, `${sign} `) : null, text);
}

function stateBadges(s) {
  const out = [badge(`state-${s.state}`, S.stories.states[s.state] || s.state)];
  out.push(badge(`share-${s.share_level}`, S.stories.shares[s.share_level] || s.share_level,
    s.share_level === 'community' ? '◉' : '○'));
  if (s.recovered) out.push(badge('warn', S.stories.recoveredFlag, '⚠'));
  return out;
}

function dateText(s) {
  const when = formatWhen(s.created_at);
  return s.clock_trusted ? when : `${when} ${S.stories.uncertainDate}`;
}

function titleOf(s) {
  return s.title || S.stories.untitled;
}

function select(options, value) {
  return h('select', {}, options.map(([v, label]) => h('option', {value: v, selected: v === value}, label)));
}

export async function renderStories(app, query) {
  const box = app.page('stories');
  const msg = message('error');
  const q = field(S.stories.searchLabel, h('input', {type: 'search', value: query.get('q') || '', maxlength: 200, autocomplete: 'off'}));
  const state = field(S.stories.state, select([['', S.stories.any], ...Object.entries(S.stories.states)], query.get('state') || ''));
  const share = field(S.stories.share, select([['', S.stories.any], ...Object.entries(S.stories.shares)], query.get('share') || ''));
  const submit = h('button', {type: 'submit', class: 'primary'}, S.stories.submit);
  const form = h('form', {class: 'search', role: 'search', novalidate: true}, q.wrap, state.wrap, share.wrap, submit);
  const count = h('p', {class: 'count', role: 'status'});
  const list = h('ul', {class: 'plain story-list'});
  const more = h('button', {type: 'button', class: 'secondary', hidden: true}, S.stories.more);
  const done = message('ok');
  box.append(h('h1', {}, S.stories.heading), done, form, msg, count, list, more);
  app.focusHeading(box);
  if (app.flash) {
    done.show(app.flash, 'ok');
    app.flash = '';
  }

  let offset = 0;
  let total = 0;
  let filtered = false;
  const params = () => {
    const p = new URLSearchParams();
    if (q.input.value.trim()) p.set('q', q.input.value.trim());
    if (state.input.value) p.set('state', state.input.value);
    if (share.input.value) p.set('share', share.input.value);
    return p;
  };
  // Each new search (or the first list) is a new generation; an answer that arrives after a newer
  // search was asked for belongs to an older question and is dropped, so a slow first list cannot
  // overwrite the result of the search typed while it loaded.
  // "More" continues the search on screen, not what is typed in the fields since.
  let generation = 0;
  let shownSearch = params();
  const load = async (append) => {
    if (!append) {
      generation += 1;
      shownSearch = params();
    }
    const asked = generation;
    const search = shownSearch;
    const p = new URLSearchParams(search);
    p.set('limit', String(PAGE_SIZE));
    p.set('offset', String(append ? offset : 0));
    // Screen readers (and the tests) can tell a list being replaced from the answer.
    list.setAttribute('aria-busy', 'true');
    try {
      const r = await app.call('GET', `/api/v1/admin/stories?${p}`);
      if (!box.alive() || asked !== generation) return;
      list.setAttribute('aria-busy', 'false');
      filtered = [...search.keys()].length > 0;
      if (!append) offset = 0;
      msg.clear();
      total = r.total;
      if (!append) list.replaceChildren();
      for (const s of r.stories) {
        list.append(h('li', {class: 'story-item'},
          h('a', {href: `#/stories/${s.id}`, class: 'story-title'}, titleOf(s)),
          h('p', {class: 'meta'}, [s.code, dateText(s), formatDuration(s.duration_ms),
            s.participants.length ? t(S.stories.people, {names: s.participants.join(', ')}) : null].filter(Boolean).join(' · ')),
          h('p', {class: 'badges'}, stateBadges(s))));
      }
      offset += r.stories.length;
      const shown = list.children.length;
      count.textContent = total === 0 ? (filtered ? S.stories.none : S.stories.noneYet)
        : total === 1 ? S.stories.countOne : t(S.stories.count, {shown, total});
      more.hidden = shown >= total;
    } catch (e) {
      if (e instanceof SessionEnded) throw e;
      if (asked !== generation) return;
      list.setAttribute('aria-busy', 'false');
      msg.show(e.message);
    }
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    // The address keeps the search (so Back and reload return to it) without redrawing the page.
    const p = params().toString();
    history.replaceState(null, '', `#/stories${p ? `?${p}` : ''}`);
    busy(submit, () => load(false)).catch(() => {});
  });
  more.addEventListener('click', () => busy(more, () => load(true)).catch(() => {}));
  await load(false);
}

// One story.
export async function renderStory(app, id) {
  const box = app.page('story');
  const msg = message('error');
  box.append(h('p', {}, h('a', {href: '#/stories', class: 'back'}, `← ${S.story.back}`)), msg);
  let s;
  try {
    s = await app.call('GET', `/api/v1/admin/stories/${encodeURIComponent(id)}`);
  } catch (e) {
    if (e instanceof SessionEnded) throw e;
    box.append(h('h1', {}, S.stories.heading));
    msg.show(e.message);
    app.focusHeading(box);
    return;
  }
  if (!box.alive()) return;
  drawStory(app, box, s);
}

function drawStory(app, box, s) {
  const editable = s.state !== 'recording';
  const title = h('h1', {}, titleOf(s));
  const badges = h('p', {class: 'badges'}, stateBadges(s));
  box.append(title, badges);
  if (s.recovered) box.append(h('p', {class: 'notice notice-warn'}, h('span', {'aria-hidden': 'true'}, '⚠ '), S.story.recoveredNote, s.note ? ` (${s.note})` : ''));
  if (s.state === 'recording') box.append(h('p', {class: 'notice'}, S.story.recordingNote));
  if (s.state === 'withdrawn') box.append(h('p', {class: 'notice'}, S.story.withdrawnNote));

  box.append(h('dl', {class: 'pairs facts'},
    h('div', {}, h('dt', {}, S.story.code), h('dd', {class: 'code'}, s.code)),
    h('div', {}, h('dt', {}, S.story.recorded), h('dd', {}, dateText(s))),
    h('div', {}, h('dt', {}, S.story.length), h('dd', {}, formatDuration(s.duration_ms))),
    h('div', {}, h('dt', {}, S.story.language), h('dd', {}, S.story.languages[s.language] || s.language))));

  // Listening, with the chapter markers as places to jump to.
  const listen = h('section', {class: 'card', 'aria-labelledby': 'listen-h'}, h('h2', {id: 'listen-h'}, S.story.listen));
  const hasAudio = s.files.some((f) => f.kind === 'listening');
  if (hasAudio) {
    const audio = h('audio', {controls: true, preload: 'metadata', src: `/api/v1/admin/stories/${s.id}/audio`,
      'aria-label': t(S.story.player, {title: titleOf(s)})});
    listen.append(audio);
    if (s.markers.length) {
      listen.append(h('h3', {}, S.story.chapters), h('ul', {class: 'plain chapters'}, s.markers.map((m) => h('li', {},
        h('button', {type: 'button', class: 'link', onclick: () => {
          audio.currentTime = m.offset_ms / 1000;
          audio.play().catch(() => {});
        }}, t(S.story.playFrom, {time: clock(m.offset_ms), text: m.text}))))));
    }
  } else {
    listen.append(h('p', {}, S.story.noAudio));
  }
  box.append(listen);

  box.append(h('div', {class: 'two-col'}, editSection(app, s, editable, title), shareSection(app, s, editable, box)));
  if (editable && s.share_level === 'private' && s.state !== 'withdrawn') box.append(secretSection(app, s));
  box.append(peopleSection(s), questionsSection(s), detailsSection(s));
  if (editable) box.append(manageSection(app, s));
  app.focusHeading(box);
}

function editSection(app, s, editable, titleEl) {
  const msg = message('info');
  const title = field(S.story.title, h('input', {type: 'text', value: s.title, maxlength: 200, disabled: !editable}));
  const desc = field(S.story.description, h('textarea', {rows: 3, maxlength: 2000, disabled: !editable}, s.description));
  const keys = field(S.story.keywords, h('input', {type: 'text', value: s.keywords.join(', '), disabled: !editable}), S.story.keywordsHint);
  const save = h('button', {type: 'submit', class: 'primary', disabled: !editable}, S.story.save);
  const form = h('form', {novalidate: true}, title.wrap, desc.wrap, keys.wrap, save, msg);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    title.setError('');
    const body = {
      title: title.input.value.trim(),
      description: desc.input.value.trim(),
      keywords: keys.input.value.split(',').map((k) => k.trim()).filter(Boolean),
    };
    if (!body.title) {
      title.setError(S.story.titleEmpty);
      title.input.focus();
      return;
    }
    busy(save, async () => {
      msg.show(S.saving, 'info');
      try {
        const updated = await app.call('PATCH', `/api/v1/admin/stories/${s.id}`, body);
        Object.assign(s, updated);
        titleEl.textContent = titleOf(updated);
        keys.input.value = updated.keywords.join(', ');
        msg.show(S.saved, 'ok');
      } catch (err) {
        if (!(err instanceof SessionEnded)) msg.show(err.message, 'error');
      }
    }).catch(() => {});
  });
  return h('section', {class: 'card', 'aria-labelledby': 'edit-h'}, h('h2', {id: 'edit-h'}, S.story.edit), form);
}

function shareSection(app, s, editable, box) {
  const msg = message('info');
  const name = newId('share');
  const option = (value, label) => {
    const id = newId('share');
    return h('div', {class: 'choice'},
      h('input', {type: 'radio', name, id, value, checked: s.share_level === value, disabled: !editable}),
      h('label', {for: id}, label));
  };
  const allShared = s.participants.length > 0 && s.participants.every((p) => p.consent && (p.consent.choice === 'share' || p.consent.choice === 'community'));
  const save = h('button', {type: 'submit', class: 'secondary', disabled: !editable}, S.story.shareSave);
  const form = h('form', {novalidate: true},
    h('fieldset', {}, h('legend', {}, S.story.shareHeading),
      h('p', {class: 'hint'}, S.story.shareHint),
      option('private', S.story.sharePrivate), option('community', S.story.shareCommunity)),
    allShared ? null : h('p', {class: 'hint'}, h('span', {'aria-hidden': 'true'}, 'ⓘ '), S.story.shareNotAll),
    save, msg);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const level = form.querySelector(`input[name="${name}"]:checked`).value;
    if (level === s.share_level) {
      msg.show(t(S.story.shareSame, {level: S.stories.shares[level]}), 'info');
      return;
    }
    busy(save, async () => {
      try {
        const updated = await app.call('PATCH', `/api/v1/admin/stories/${s.id}`, {share_level: level});
        s.share_level = updated.share_level;
        s.secret_link = updated.secret_link;
        box.querySelector('.badges').replaceChildren(...stateBadges(updated));
        // Secret links are for private stories only.
        const secret = box.querySelector('#secret-card');
        if (s.share_level === 'private' && !secret && s.state !== 'withdrawn') box.querySelector('.two-col').after(secretSection(app, s));
        if (s.share_level !== 'private' && secret) secret.remove();
        msg.show(t(S.story.shareDone, {level: S.stories.shares[updated.share_level]}), 'ok');
      } catch (err) {
        if (!(err instanceof SessionEnded)) msg.show(err.message, 'error');
      }
    }).catch(() => {});
  });
  return h('section', {class: 'card', 'aria-labelledby': 'share-h'}, h('h2', {id: 'share-h'}, S.story.shareCard), form);
}

// A private story's unlisted page on the library's site (made by the next publish on a laptop).
function secretSection(app, s) {
  const msg = message('info');
  const body = h('div', {});
  const draw = () => {
    const link = s.secret_link;
    if (!link) {
      const make = h('button', {type: 'button', class: 'secondary'}, S.story.secretMake);
      make.addEventListener('click', () => busy(make, async () => {
        try {
          Object.assign(s, await app.call('POST', `/api/v1/admin/stories/${s.id}/secret-link`));
          draw();
          msg.show(S.story.secretMade, 'ok');
        } catch (err) {
          if (!(err instanceof SessionEnded)) msg.show(err.message, 'error');
        }
      }).catch(() => {}));
      body.replaceChildren(h('p', {}, S.story.secretNone), make);
      return;
    }
    const remove = h('button', {type: 'button', class: 'secondary'}, S.story.secretRemove);
    remove.addEventListener('click', async () => {
      if (!await confirmAction(t(S.story.secretRemoveConfirm, {title: titleOf(s)}), S.story.secretRemoveYes)) {
        remove.focus();
        return;
      }
      await busy(remove, async () => {
        try {
          Object.assign(s, await app.call('DELETE', `/api/v1/admin/stories/${s.id}/secret-link`));
          draw();
          msg.show(S.story.secretRemoved, 'ok');
        } catch (err) {
          if (!(err instanceof SessionEnded)) msg.show(err.message, 'error');
        }
      }).catch(() => {});
    });
    body.replaceChildren(
      h('p', {}, link.url ? S.story.secretAddress : S.story.secretPathOnly),
      h('p', {class: 'code secret-link'}, link.url || link.path),
      remove);
  };
  draw();
  return h('section', {class: 'card', id: 'secret-card', 'aria-labelledby': 'secret-h'}, h('h2', {id: 'secret-h'}, S.story.secretCard),
    h('p', {class: 'hint'}, S.story.secretHint), body, msg);
}

function peopleSection(s) {
  const items = s.participants.map((p) => {
    const facts = [S.story.role[p.role] || p.role, p.age_range && `${S.story.ageRange}: ${p.age_range}`,
      p.relationship && `${S.story.relationship}: ${p.relationship}`, `${S.story.mic} ${p.channel}`].filter(Boolean);
    const c = p.consent;
    return h('li', {},
      h('strong', {}, p.name), h('p', {}, facts.join(' · ')),
      c ? h('p', {}, `${S.story.consent}: ${S.story.consentChoice[c.choice] || c.choice}. `,
        t(S.story.consentSigned, {name: c.typed_name, when: formatWhen(c.agreed_at), version: c.release_version}),
        c.guardian_name ? `. ${t(S.story.guardian, {name: c.guardian_name})}` : '')
        : h('p', {}, S.story.noConsent));
  });
  return h('section', {class: 'card', 'aria-labelledby': 'people-h'}, h('h2', {id: 'people-h'}, S.story.people),
    h('ul', {class: 'plain people'}, items));
}

function questionsSection(s) {
  return h('section', {class: 'card', 'aria-labelledby': 'questions-h'}, h('h2', {id: 'questions-h'}, S.story.questions),
    s.questions.length ? h('ol', {}, s.questions.map((q) => h('li', {}, q))) : h('p', {}, S.story.noQuestions));
}

function detailsSection(s) {
  const loud = s.lufs === null || s.lufs === undefined ? S.unknown
    : t(S.story.loudnessValue, {lufs: s.lufs, peak: s.true_peak_dbtp ?? S.unknown});
  return h('details', {class: 'card'}, h('summary', {}, S.story.details),
    h('dl', {class: 'pairs'},
      h('div', {}, h('dt', {}, S.story.loudness), h('dd', {}, loud)),
      h('div', {}, h('dt', {}, S.story.files), h('dd', {}, h('ul', {class: 'plain'},
        s.files.map((f) => h('li', {}, `${S.story.fileKinds[f.kind] || f.kind}: ${formatBytes(f.size)}`)))))));
}

function manageSection(app, s) {
  const msg = message('info');
  const children = [h('h2', {id: 'manage-h'}, S.story.manage)];
  if (s.state !== 'withdrawn') {
    const withdraw = h('button', {type: 'button', class: 'secondary'}, S.story.withdraw);
    withdraw.addEventListener('click', async () => {
      if (!await confirmAction(t(S.story.withdrawConfirm, {title: titleOf(s), code: s.code}), S.story.withdrawYes)) {
        withdraw.focus();
        return;
      }
      await busy(withdraw, async () => {
        try {
          await app.call('POST', `/api/v1/admin/stories/${s.id}/withdraw`);
          await renderStory(app, s.id);
          const again = app.main.querySelector('.page-story .msg');
          if (again) again.show(S.story.withdrawn, 'ok');
        } catch (err) {
          if (!(err instanceof SessionEnded)) msg.show(err.message, 'error');
        }
      }).catch(() => {});
    });
    children.push(h('p', {class: 'hint'}, S.story.withdrawHint), withdraw);
  }
  const del = h('button', {type: 'button', class: 'danger'}, S.story.del);
  del.addEventListener('click', async () => {
    if (!await confirmAction(t(S.story.delConfirm, {title: titleOf(s), code: s.code}), S.story.delYes)) {
      del.focus();
      return;
    }
    await busy(del, async () => {
      try {
        await app.call('DELETE', `/api/v1/admin/stories/${s.id}`);
        // The list page says what happened once it is drawn.
        app.flash = t(S.story.deleted, {title: titleOf(s)});
        app.navigate('#/stories');
      } catch (err) {
        if (!(err instanceof SessionEnded)) msg.show(err.message, 'error');
      }
    }).catch(() => {});
  });
  children.push(h('p', {class: 'hint'}, S.story.delHint), del, msg);
  return h('section', {class: 'card danger-zone', 'aria-labelledby': 'manage-h'}, ...children);
}
