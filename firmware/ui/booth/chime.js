// A soft two-tone chime made with WebAudio (no sound file): two sine notes a major third apart
// with gentle attacks and long decays, quiet enough not to startle someone mid-sentence.
// Browsers only let audio start after a touch, so the first touch on the screen unlocks it.

let ctx = null;

function context() {
  if (ctx) return ctx;
  const Ctor = window.AudioContext || window.webkitAudioContext;
  if (!Ctor) return null;
  try {
    ctx = new Ctor();
  } catch {
    ctx = null;
  }
  return ctx;
}

export function unlockAudio() {
  const c = context();
  if (c && c.state === 'suspended') c.resume().catch(() => {});
}

function note(c, freq, start, length, volume) {
  const osc = c.createOscillator();
  const gain = c.createGain();
  osc.type = 'sine';
  osc.frequency.value = freq;
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(volume, start + 0.04);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
  osc.connect(gain).connect(c.destination);
  osc.start(start);
  osc.stop(start + length + 0.05);
}

// Plays the chime; returns whether the audio system accepted it. Counts chimes on <body
// data-chimes> so the screen's behaviour can be checked.
export function chime() {
  document.body.dataset.chimes = String(Number(document.body.dataset.chimes || 0) + 1);
  const c = context();
  if (!c) return false;
  try {
    if (c.state === 'suspended') c.resume().catch(() => {});
    const now = c.currentTime + 0.02;
    note(c, 659.25, now, 0.9, 0.12);        // E5
    note(c, 523.25, now + 0.45, 1.2, 0.10); // C5
    return true;
  } catch {
    return false;
  }
}
