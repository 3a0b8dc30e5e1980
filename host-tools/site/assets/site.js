/* The published site's only script (a classic script, so it runs from file:// too; it fetches
   nothing). On the index it turns on the search over the JSON block the page carries; on a
   story's page it makes the chapter buttons seek the player. Without it, every story is still
   listed and every page still plays. */
(function () {
  'use strict';

  // Letters that do not come apart into a base letter and a mark under NFD.
  var SPECIAL = {'ø': 'o', 'đ': 'd', 'ð': 'd', 'ł': 'l', 'ß': 'ss', 'æ': 'ae', 'œ': 'oe', 'þ': 'th', 'ı': 'i', 'ħ': 'h'};

  // Lower case without diacritics: "Río" and "rio" compare equal.
  function fold(text) {
    return String(text)
      .normalize('NFKD')
      .replace(/[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g, '')
      .toLowerCase()
      .replace(/[øđðłßæœþıħ]/g, function (c) { return SPECIAL[c]; });
  }

  function words(text) {
    return fold(text).split(/[\s,;:!?"“”«»()\[\]{}\-‐–—]+/).filter(function (w) { return w.length > 0; });
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : all;
    });
  }

  function setUpSearch() {
    var dataBlock = document.getElementById('search-data');
    var form = document.getElementById('search');
    var input = document.getElementById('q');
    var status = document.getElementById('search-status');
    var list = document.getElementById('stories');
    if (!dataBlock || !form || !input || !status || !list) return;

    var stories;
    try {
      stories = JSON.parse(dataBlock.textContent);
    } catch (e) {
      return; // the list stays as it is, which is the page without search
    }
    var cards = list.querySelectorAll('li.story-card');
    var haystacks = stories.map(function (s) {
      return fold([s.t].concat(s.p || [], s.k || []).join('\n'));
    });

    function countText(n) {
      return n === 1 ? status.dataset.one : fill(status.dataset.many, {n: n});
    }

    function apply() {
      var query = words(input.value);
      var shown = 0;
      for (var i = 0; i < cards.length; i++) {
        var index = Number(cards[i].dataset.index);
        var hay = haystacks[index] || '';
        var match = query.every(function (w) { return hay.indexOf(w) !== -1; });
        cards[i].hidden = !match;
        if (match) shown++;
      }
      if (query.length === 0) status.textContent = countText(cards.length);
      else if (shown === 0) status.textContent = status.dataset.none;
      else status.textContent = fill(status.dataset.shown, {n: shown, total: cards.length});
    }

    form.hidden = false;
    form.addEventListener('submit', function (event) { event.preventDefault(); });
    input.addEventListener('input', apply);
    input.addEventListener('search', apply);
    // A query the browser restored (back button) applies at once.
    if (input.value) apply();
  }

  function setUpChapters() {
    var player = document.getElementById('player');
    var buttons = document.querySelectorAll('button.chapter');
    if (!player || buttons.length === 0) return;
    var starts = Array.prototype.map.call(buttons, function (b) { return Number(b.dataset.start) || 0; });

    function seek(seconds) {
      var go = function () {
        player.currentTime = seconds;
        var playing = player.play();
        if (playing && playing.catch) playing.catch(function () { /* the user can press play */ });
      };
      if (player.readyState >= 1) go();
      else {
        player.addEventListener('loadedmetadata', go, {once: true});
        player.load();
      }
    }

    // The chapter being heard is marked for sight and for screen readers.
    var current = -1;
    function mark() {
      var t = player.currentTime;
      var now = -1;
      for (var i = 0; i < starts.length; i++) if (t + 0.05 >= starts[i]) now = i;
      if (now === current) return;
      if (current >= 0) buttons[current].removeAttribute('aria-current');
      if (now >= 0) buttons[now].setAttribute('aria-current', 'true');
      current = now;
    }

    Array.prototype.forEach.call(buttons, function (button, i) {
      button.addEventListener('click', function () { seek(starts[i]); });
    });
    player.addEventListener('timeupdate', mark);
    player.addEventListener('seeked', mark);
  }

  setUpSearch();
  setUpChapters();
})();
