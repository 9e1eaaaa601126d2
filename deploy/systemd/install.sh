#!/usr/bin/env bash
# Installs Skiff's systemd units, rendered for this machine.
#   deploy/systemd/install.sh control-plane   etcd, and the server role (apiserver, controller-manager,
#                                             scheduler in one process; needs $SKIFF_HOME/roles/server.json)
#   deploy/systemd/install.sh node            the agent role (kubelet, kube-proxy, dns in one process;
#                                             needs $SKIFF_HOME/roles/agent.json; ./skiff join does this itself)
# Environment: SKIFF_HOME (default /var/lib/skiff), NODE (the node >= 24 binary; default: the one
# ./skiff installed, else `node` on PATH). Each role's flags live in its $SKIFF_HOME/roles/<role>.json.
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
  control-plane) UNITS=(skiff-etcd skiff-server) ;;
  node) UNITS=(skiff-agent) ;;
  *) echo "usage: $0 control-plane|node" >&2; exit 2 ;;
esac

DEST="${SYSTEMD_DIR:-/etc/systemd/system}"
for unit in "${UNITS[@]}"; do
  sed -e "s#@SKIFF_ROOT@#$ROOT#g" -e "s#@SKIFF_HOME@#$SKIFF_HOME#g" -e "s#@NODE@#$NODE#g" \
    "$ROOT/deploy/systemd/$unit.service" >"$DEST/$unit.service"
  echo "installed $DEST/$unit.service"
done
# SYSTEMD_DIR set means "render only" (packaging, tests): the machine itself is left alone.
role_file="$SKIFF_HOME/roles/$([ "$ROLE" = node ] && echo agent || echo server).json"
if [ -z "${SYSTEMD_DIR:-}" ] && [ ! -f "$role_file" ]; then
  echo "install.sh: $role_file is missing: $([ "$ROLE" = node ] && echo './skiff join' || echo './skiff up, then ./skiff down,') writes it" >&2
fi
if [ -d /run/systemd/system ] && [ -z "${SYSTEMD_DIR:-}" ]; then
  systemctl daemon-reload
  echo "now: systemctl enable --now ${UNITS[*]/%/.service}"
fi
