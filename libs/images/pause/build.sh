#!/bin/sh
# Builds the static pause binary by hand: `libs/images/pause/build.sh [output]`. The kubelet does the same
# itself (ensurePauseImage in libs/images/src/pause-image.ts) before building the skiff/pause image from it.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/pause}"
gcc -Os -static -Wall -Wextra -o "$out" "$here/pause.c"
strip "$out" 2>/dev/null || true
echo "$out"
