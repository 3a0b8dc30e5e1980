#!/usr/bin/env bash
# Writes a simulated two-person interview: a 48 kHz 16-bit stereo WAV with the interviewer on
# channel 1 and the storyteller on channel 2 (each mic hears the other faintly, as in a booth).
#   make-conversation.sh OUT.wav [MIN_SECONDS]
# The conversation is repeated until it lasts at least MIN_SECONDS (default: once).
set -euo pipefail
out="$1"; min="${2:-0}"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT

lines=(
  "A|Thank you for sitting down with me today. Where did you grow up?"
  "B|I grew up in a small town by the river. Every summer we swam off the old wooden dock."
  "A|What do you remember most about your grandmother?"
  "B|Her kitchen. It always smelled of bread, and she sang while she worked, the same three songs."
  "A|Is there something you want your grandchildren to know?"
  "B|That kindness is never wasted. Not once, in all my years, have I regretted being kind."
)
i=0
for l in "${lines[@]}"; do
  who="${l%%|*}"; text="${l#*|}"
  voice=$([[ $who == A ]] && echo "en-us+m3" || echo "en+f2")
  espeak-ng -v "$voice" -s 150 -w "$tmp/raw$i.wav" "$text"
  # Speaker on their own channel, a -20 dB bleed on the other, half a second of room between lines.
  sox "$tmp/raw$i.wav" -r 48000 -b 16 "$tmp/mono$i.wav" pad 0 0.5
  if [[ $who == A ]]; then remix="1v0.9 1v0.09"; else remix="1v0.09 1v0.9"; fi
  sox "$tmp/mono$i.wav" -c 2 "$tmp/line$i.wav" remix $remix
  i=$((i+1))
done
sox "$tmp"/line*.wav "$tmp/once.wav"
len=$(soxi -D "$tmp/once.wav")
reps=$(awk -v m="$min" -v l="$len" 'BEGIN{r=int(m/l); if (r*l<m) r++; if (r<1) r=1; print r-1}')
sox "$tmp/once.wav" "$out" repeat "$reps"
