// The PIN login, and the first PIN when none is set (only on the booth's own screen: the
// booth accepts it only from there). On the booth's touchscreen there is no keyboard, so a
// number pad types into the PIN field; on a laptop the keyboard does.
import {api, ApiError} from '../../common/api.js';
import {S} from '../strings.js';
import {h} from '../../common/dom.js';
import {field, message, busy, SessionEnded, readNewPin} from '../dom.js';

function pinInput(autocomplete) {
  return h('input', {
    type: 'password', inputmode: 'numeric', autocomplete, maxlength: 12,
    pattern: '[0-9]*', spellcheck: 'false', class: 'pin',
  });
}

// A number pad that types into whichever of `inputs` last had the focus.
function keypad(inputs) {
  let target = inputs[0];
  for (const i of inputs) i.addEventListener('focus', () => { target = i; });
  const press = (fn) => (e) => {
    e.preventDefault();
    fn();
    target.dispatchEvent(new Event('input', {bubbles: true}));
  };
  const digit = (d) => h('button', {type: 'button', class: 'key', onclick: press(() => {
    if (target.value.length < 12) target.value += d;
  })}, d);
  return h('div', {class: 'keypad', role: 'group', 'aria-label': S.login.keypadLabel},
    ['1', '2', '3', '4', '5', '6', '7', '8', '9'].map(digit),
    h('button', {type: 'button', class: 'key secondary', onclick: press(() => { target.value = ''; })}, S.login.clear),
    digit('0'),
    h('button', {type: 'button', class: 'key secondary', 'aria-label': S.login.backspace,
      onclick: press(() => { target.value = target.value.slice(0, -1); })}, '⌫'));
}

function frame(app, name) {
  const box = app.page(name);
  box.classList.add('login');
  return box;
}

export function renderLogin(app, {text = '', kind = 'error'} = {}) {
  const box = frame(app, 'login');
  const msg = message('error');
  const pin = field(S.login.pinLabel, pinInput('current-password'));
  const submit = h('button', {type: 'submit', class: 'primary'}, S.login.submit);
  const form = h('form', {class: 'login-form', novalidate: true},
    pin.wrap, app.onBooth ? keypad([pin.input]) : null, submit);
  box.append(h('div', {class: 'login-text'},
    h('h1', {}, S.login.heading), h('p', {}, S.login.intro), msg), form);
  if (text) msg.show(text, kind);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = pin.input.value.trim();
    if (!value) {
      msg.show(S.login.empty, 'error');
      pin.input.focus();
      return;
    }
    busy(submit, async () => {
      msg.show(S.login.checking, 'info');
      try {
        await app.login(value);
      } catch (err) {
        pin.input.value = '';
        if (err instanceof ApiError && err.status === 409) {
          if (app.onBooth) {
            renderSetup(app);
            return;
          }
          msg.show(`${err.message} ${S.login.noPinLaptop}`, 'error');
        } else if (!(err instanceof SessionEnded)) {
          // 401 carries the tries left, 429 the lockout: the booth's own sentences.
          msg.show(err.message, 'error');
        }
        if (pin.input.isConnected) pin.input.focus();
      }
    });
  });
  pin.input.focus();
}

// The first PIN, on the booth's own screen only.
function renderSetup(app) {
  const box = frame(app, 'setup');
  const msg = message('error');
  const first = field(S.login.setupPin, pinInput('new-password'));
  const again = field(S.login.setupRepeat, pinInput('new-password'));
  const submit = h('button', {type: 'submit', class: 'primary'}, S.login.setupSubmit);
  const form = h('form', {class: 'login-form', novalidate: true},
    first.wrap, again.wrap, keypad([first.input, again.input]), submit);
  box.append(h('div', {class: 'login-text'},
    h('h1', {}, S.login.setupHeading), h('p', {}, S.login.setupIntro), msg), form);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const pin = readNewPin(first, again);
    if (pin === null) return;
    busy(submit, async () => {
      try {
        await api('POST', '/api/v1/admin/setup-pin', {pin});
        msg.show(S.login.setupDone, 'ok');
        await app.login(pin);
      } catch (err) {
        if (!(err instanceof SessionEnded)) msg.show(err.message, 'error');
      }
    });
  });
  first.input.focus();
}
