#!/usr/bin/env bash
# fresh-up-bench.sh: time a new user's first minutes — ./skiff up from a clean clone, then the README's
# example Deployment (deploy/examples/web.yaml, Service web on NodePort 30080) until it answers through its
# NodePort. Each output line of `up` gets the seconds since the start; the last line is
#   BENCH up=<s> total=<s> (...)
# Meant for a bare Debian 12 as root (docs/benchmarks.md, "Fresh machine to a running app"), e.g.
#   ../shared/tools/fresh-machine 'bash scripts/fresh-up-bench.sh'
set -uo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
t0=$(date +%s.%N)
el() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }
./skiff up 2>&1 | while IFS= read -r l; do echo "[$(el)s] $l"; done
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] || { echo "BENCH failed: ./skiff up exited $rc"; exit 1; }
t_up=$(el)
./skiff kubectl apply -f deploy/examples/web.yaml || exit 1
ip=$(hostname -I | awk '{print $1}')
out=""
for _ in $(seq 300); do out=$(curl -sf --max-time 2 "http://$ip:30080/") && break; out=""; sleep 0.5; done
[ -n "$out" ] || { echo "BENCH failed: no answer on http://$ip:30080/ after $(el)s"; exit 1; }
echo "answer: $out"
echo "BENCH up=${t_up}s total=$(el)s (clone -> ./skiff up -> web answering on http://$ip:30080/)"
