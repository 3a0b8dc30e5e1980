// The librarian's admin pages: the login, the page frame and navigation (by the address's
// #/hash), and the librarian session. Each page lives in views/ and draws itself into <main>.
//
// The session: login sets an HttpOnly cookie (path /api/v1/admin) and answers with a CSRF
// token, kept in sessionStorage so a reload can carry on (GET /api/v1/admin/me hands it back
// while the session lives). Any 401 means the booth ended the session: back to the PIN.
import {api, ApiError} from '../common/api.js';
import {S, t} from './strings.js';
import {h} from '../common/dom.js';
import {SessionEnded} from './dom.js';
import {renderLogin} from './views/login.js';
import {renderDashboard} from './views/dashboard.js';
import {renderStories, renderStory} from './views/stories.js';
import {renderQuestions} from './views/questions.js';
import {renderSettings} from './views/settings.js';
import {renderPairing} from './views/pairing.js';
import {renderAudit} from './views/audit.js';

const CSRF_KEY = 'storybooth-admin-csrf';
const IDLE_MS = 10 * 60 * 1000; // the booth ends a librarian session after 10 idle minutes

const PAGES = [
  ['dashboard', renderDashboard],
  ['stories', renderStories],
  ['questions', renderQuestions],
  ['settings', renderSettings],
  ['pairing', renderPairing],
  ['audit', renderAudit],
];

function isLoopback(host) {
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const app = {
  // The admin page on the booth's own screen (loopback) may use the kiosk routes: the live
  // level and setting the first PIN. From a laptop those answer 403, so they are not tried.
  onBooth: isLoopback(location.hostname),
  csrf: sessionStorage.getItem(CSRF_KEY),
  main: document.getElementById('main'),
  idleTimer: 0,
  cleanup: null, // what the page on screen must stop (timers, event streams) when it goes
  boothName: '',
  flash: '', // a line for the next page to show (e.g. after a deletion)

  // An admin API call with the session's CSRF token. A 401 ends the session on screen; a 403
  // for a stale token fetches a fresh one once and tries again.
  async call(method, path, body, retried = false) {
    try {
      const data = await api(method, path, body, {csrf: this.csrf});
      this.touch();
      return data;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        this.endSession(S.login.sessionEnded);
        throw new SessionEnded(e.message);
      }
      if (e instanceof ApiError && e.status === 403 && method !== 'GET' && !retried) {
        const me = await this.call('GET', '/api/v1/admin/me');
        this.setCsrf(me.csrf);
        return this.call(method, path, body, true);
      }
      throw e;
    }
  },

  setCsrf(token) {
    this.csrf = token || null;
    if (token) sessionStorage.setItem(CSRF_KEY, token);
    else sessionStorage.removeItem(CSRF_KEY);
  },

  // Keeps the screen in step with the booth's idle logout, so an admin page left open on the
  // booth's public screen does not stay readable after its session ended.
  touch() {
    clearTimeout(this.idleTimer);
    if (this.csrf) this.idleTimer = setTimeout(() => this.endSession(S.login.sessionEnded), IDLE_MS);
  },

  async login(pin) {
    const answer = await api('POST', '/api/v1/admin/login', {pin});
    this.setCsrf(answer.csrf);
    this.touch();
    await this.loadFrame();
    route();
  },

  async logout() {
    try {
      await api('POST', '/api/v1/admin/logout', undefined, {csrf: this.csrf});
    } catch {
      // Already over on the booth's side: the page logs out all the same.
    }
    this.endSession(S.login.loggedOut, 'info');
  },

  endSession(text, kind = 'error') {
    clearTimeout(this.idleTimer);
    this.setCsrf(null);
    this.stopPage();
    showFrame(false);
    renderLogin(app, {text, kind});
  },

  stopPage() {
    if (this.cleanup) {
      try {
        this.cleanup();
      } catch {
        // A page that cannot stop cleanly must not block the next one.
      }
    }
    this.cleanup = null;
  },

  // The booth's name and code for the page header.
  async loadFrame() {
    try {
      const d = await this.call('GET', '/api/v1/admin/dashboard');
      this.setBooth(d.booth.name, d.booth.code);
    } catch (e) {
      if (e instanceof SessionEnded) throw e;
      this.setBooth('', '');
    }
  },

  setBooth(name, code) {
    this.boothName = name ? t(S.boothHeading, {name, code}) : '';
    const el = document.getElementById('booth-name');
    if (el) el.textContent = this.boothName;
  },

  navigate(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },

  // A fresh container for a page: the old page is stopped and removed; `alive()` tells an
  // async view whether it is still the one on screen before it draws what it fetched.
  page(name) {
    this.stopPage();
    const dialog = document.getElementById('confirm');
    if (dialog.open) dialog.close();
    const box = h('div', {class: `page page-${name}`});
    this.main.replaceChildren(box);
    box.alive = () => box.isConnected;
    return box;
  },

  // Moves the focus to a page's heading, so screen readers announce the new page.
  focusHeading(box) {
    const h1 = box.querySelector('h1');
    if (h1) {
      h1.setAttribute('tabindex', '-1');
      h1.focus({preventScroll: true});
    }
    window.scrollTo(0, 0);
  },
};

function buildFrame() {
  const top = document.getElementById('top');
  const nav = h('nav', {'aria-label': S.navLabel},
    h('ul', {}, PAGES.map(([name]) => h('li', {}, h('a', {href: `#/${name}`, 'data-page': name}, S.nav[name])))));
  top.replaceChildren(
    h('div', {class: 'brand'}, h('span', {id: 'booth-name'}, app.boothName)),
    nav,
    h('button', {type: 'button', class: 'secondary logout', onclick: () => app.logout()}, S.logout),
  );
}

function showFrame(visible) {
  document.getElementById('top').hidden = !visible;
}

function markNav(name) {
  for (const a of document.querySelectorAll('#top nav a')) {
    if (a.dataset.page === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// "#/stories/ID?q=x" -> {parts: ['stories', 'ID'], query: URLSearchParams}
export function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, qs] = raw.split('?');
  return {parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(qs || '')};
}

function route() {
  if (!app.csrf) return; // the login is on screen; it comes back here once the PIN is right
  showFrame(true);
  const {parts, query} = parseHash();
  const name = parts[0] || 'dashboard';
  markNav(name);
  const run = (render, ...args) =>
    Promise.resolve(render(app, ...args)).catch((e) => {
      if (!(e instanceof SessionEnded)) throw e;
    });
  if (name === 'stories' && parts[1]) return run(renderStory, parts[1]);
  const page = PAGES.find(([n]) => n === name);
  if (page) return run(page[1], query);
  const box = app.page('missing');
  box.append(h('h1', {}, S.notFound));
  app.focusHeading(box);
  return undefined;
}

async function start() {
  document.title = S.appTitle;
  const skip = document.getElementById('skip');
  skip.textContent = S.skipToContent;
  // The skip link moves the focus itself: "#main" would be taken for a page address.
  skip.addEventListener('click', (e) => {
    e.preventDefault();
    app.main.focus();
  });
  buildFrame();
  window.addEventListener('hashchange', route);
  window.addEventListener('pagehide', () => app.stopPage());
  if (app.csrf) {
    // A reload: the session may still be alive; /me hands back its CSRF token.
    try {
      const me = await api('GET', '/api/v1/admin/me');
      app.setCsrf(me.csrf);
      app.touch();
      await app.loadFrame();
      route();
      return;
    } catch (e) {
      app.setCsrf(null);
      renderLogin(app, {text: e instanceof ApiError && e.status === 401 ? S.login.sessionEnded : e.message, kind: 'error'});
      return;
    }
  }
  renderLogin(app, {});
}

start();
