#!/usr/bin/env bash
# Quick start: set up, build, and run the booth on this machine with embedded defaults: a local
# data folder, SQLite, and a simulated microphone (a generated two-person conversation played
# in a loop at real time) unless STORYBOOTH_DEVICE names a real microphone.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
"$here/setup.sh"
bin="${STORYBOOTH_BUILD_DIR:-$root/build}/firmware/app/storybooth"
data="${STORYBOOTH_DATA:-$root/storybooth-data}"
listen="${STORYBOOTH_LISTEN:-127.0.0.1:8080}"
mkdir -p "$data"

if [[ -n "${STORYBOOTH_DEVICE:-}" ]]; then
  mic=(--device "$STORYBOOTH_DEVICE")
else
  sample="$data/sample-conversation.wav"
  [[ -f "$sample" ]] || "$here/make-conversation.sh" "$sample"
  mic=(--input "$sample")
fi
cat <<MSG

The booth is starting on http://$listen/
  touchscreen:   http://$listen/          (a session, as visitors see it)
  librarian:     http://$listen/admin/    (choose a PIN there the first time)
  health:        http://$listen/api/v1/health
  the API:       docs/api.md
Stop it with Ctrl-C; a recording in progress is saved.

MSG
exec "$bin" run --data "$data" --listen "$listen" "${mic[@]}"
