#!/usr/bin/env bash
# Quick start: set up, build, and record a sample story with the simulated microphone
# (a generated two-person conversation), or from a real microphone when one is present and
# STORYBOOTH_DEVICE names it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
"$here/setup.sh"
bin="${STORYBOOTH_BUILD_DIR:-$root/build}/firmware/app/storybooth"
data="${STORYBOOTH_DATA:-$root/storybooth-data}"

if [[ -n "${STORYBOOTH_DEVICE:-}" ]]; then
  echo "Recording 20 seconds from '$STORYBOOTH_DEVICE' — speak now."
  exec "$bin" record --data "$data" --device "$STORYBOOTH_DEVICE" --seconds 20 --title "A first test story"
fi
sample="$data/sample-conversation.wav"
mkdir -p "$data"
[[ -f "$sample" ]] || "$here/make-conversation.sh" "$sample"
echo "Recording a sample story from the simulated microphone ($sample), at real time..."
"$bin" record --data "$data" --input "$sample" --realtime --title "A sample story"
echo
echo "The catalog is $data/catalog.db; 'storybooth devices' lists real microphones."
