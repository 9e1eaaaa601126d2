#!/usr/bin/env bash
# Provisions a Skiff control plane (run as root): base packages, Skiff in /opt/skiff, `./skiff up`
# (etcd, apiserver, controller-manager, scheduler and a node on this machine), then a join token
# for the workers written to $SKIFF_SHARED/join-command (the Vagrant synced folder).
#   SKIFF_SRC=/vagrant SKIFF_SHARED=/vagrant/.skiff CONTROL_PLANE_IP=192.168.56.10 control-plane.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
. "$HERE/common.sh"

CONTROL_PLANE_IP="${CONTROL_PLANE_IP:?set CONTROL_PLANE_IP (the address workers reach the apiserver at)}"
SKIFF_SHARED="${SKIFF_SHARED:-/vagrant/.skiff}"
TOKEN_TTL="${TOKEN_TTL:-2h}"

install_base_packages
install_skiff
cd "${SKIFF_DIR:-/opt/skiff}"

say "starting the control plane (./skiff up)"
SKIFF_HOME=/var/lib/skiff ./skiff up

say "creating a join token for the workers"
mkdir -p "$SKIFF_SHARED"
out="$(SKIFF_HOME=/var/lib/skiff ./skiff token create --ttl "$TOKEN_TTL" --server "https://$CONTROL_PLANE_IP:6443")"
printf '%s\n' "$out"
join_line="$(printf '%s\n' "$out" | sed -n 's#^ *\./skiff join #./skiff join #p')"
[ -n "$join_line" ] || { say "token create printed no join command"; exit 1; }
# Written last and atomically: workers wait for this file.
printf '%s\n' "$join_line" >"$SKIFF_SHARED/join-command.tmp"
mv "$SKIFF_SHARED/join-command.tmp" "$SKIFF_SHARED/join-command"
cp /var/lib/skiff/kubeconfig "$SKIFF_SHARED/admin.kubeconfig"
say "control plane ready; admin kubeconfig in $SKIFF_SHARED/admin.kubeconfig"
