#!/usr/bin/env bash
# Provisions a Skiff worker (run as root): base packages, Skiff in /opt/skiff, then `./skiff join`
# with the command the control plane left in $SKIFF_SHARED/join-command.
#   SKIFF_SRC=/vagrant SKIFF_SHARED=/vagrant/.skiff NODE_NAME=worker-1 NODE_IP=192.168.56.11 node.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
. "$HERE/common.sh"

SKIFF_SHARED="${SKIFF_SHARED:-/vagrant/.skiff}"
NODE_NAME="${NODE_NAME:-$(hostname)}"
NODE_IP="${NODE_IP:?set NODE_IP to the address of this machine on the cluster network}"
WAIT_SECONDS="${WAIT_SECONDS:-1800}"

install_base_packages
install_skiff
cd "${SKIFF_DIR:-/opt/skiff}"

say "waiting for $SKIFF_SHARED/join-command (written by the control plane)"
for _ in $(seq "$WAIT_SECONDS"); do
  [ -s "$SKIFF_SHARED/join-command" ] && break
  sleep 1
done
[ -s "$SKIFF_SHARED/join-command" ] || { say "no join command after ${WAIT_SECONDS}s"; exit 1; }
read -r -a join_cmd <"$SKIFF_SHARED/join-command"
[ "${join_cmd[0]}" = ./skiff ] && [ "${join_cmd[1]}" = join ] || { say "unexpected join command: ${join_cmd[*]}"; exit 1; }

say "joining as $NODE_NAME ($NODE_IP)"
SKIFF_HOME=/var/lib/skiff "${join_cmd[@]}" --node-name "$NODE_NAME" --node-ip "$NODE_IP"
