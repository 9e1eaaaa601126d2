#!/bin/sh
# Builds the static pause binary by hand: `apps/kubelet/pause/build.sh [output]`. The kubelet does the same
# itself (ensurePauseImage in src/images/pause-image.ts) before building the skiff/pause image from it.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/pause}"
gcc -Os -static -Wall -Wextra -o "$out" "$here/pause.c"
strip "$out" 2>/dev/null || true
echo "$out"
