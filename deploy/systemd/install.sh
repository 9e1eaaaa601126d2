#!/usr/bin/env bash
# Installs Skiff's systemd units, rendered for this machine.
#   deploy/systemd/install.sh control-plane   etcd, apiserver, controller-manager, scheduler
#   deploy/systemd/install.sh node            kubelet, kube-proxy, dns (./skiff join does this itself)
# Environment: SKIFF_HOME (default /var/lib/skiff), NODE (the node >= 24 binary; default: the one
# ./skiff installed, else `node` on PATH). Per-machine settings go to /etc/default/skiff(-node).
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
ROLE="${1:-}"
SKIFF_HOME="${SKIFF_HOME:-/var/lib/skiff}"
NODE="${NODE:-}"
if [ -z "$NODE" ]; then
  if [ -x "$ROOT/.tools/node24/node_modules/node/bin/node" ]; then NODE="$ROOT/.tools/node24/node_modules/node/bin/node"
  else NODE="$(command -v node || true)"; fi
fi
[ -n "$NODE" ] || { echo "install.sh: no node binary: run ./skiff once (it installs Node.js 24)" >&2; exit 1; }

case "$ROLE" in
  control-plane) UNITS=(skiff-etcd skiff-apiserver skiff-controller-manager skiff-scheduler) ;;
  node) UNITS=(skiff-kubelet skiff-kube-proxy skiff-dns) ;;
  *) echo "usage: $0 control-plane|node" >&2; exit 2 ;;
esac

DEST="${SYSTEMD_DIR:-/etc/systemd/system}"
for unit in "${UNITS[@]}"; do
  sed -e "s#@SKIFF_ROOT@#$ROOT#g" -e "s#@SKIFF_HOME@#$SKIFF_HOME#g" -e "s#@NODE@#$NODE#g" \
    "$ROOT/deploy/systemd/$unit.service" >"$DEST/$unit.service"
  echo "installed $DEST/$unit.service"
done
# SYSTEMD_DIR set means "render only" (packaging, tests): the machine itself is left alone.
if [ "$ROLE" = node ] && [ -z "${SYSTEMD_DIR:-}" ] && [ ! -f /etc/default/skiff-node ]; then
  printf 'NODE_NAME=%s\nCLUSTER_CIDR=10.244.0.0/16\nKUBELET_EXTRA_ARGS=""\n' "$(hostname)" >/etc/default/skiff-node
fi
if [ -d /run/systemd/system ] && [ -z "${SYSTEMD_DIR:-}" ]; then
  systemctl daemon-reload
  echo "now: systemctl enable --now ${UNITS[*]/%/.service}"
fi
