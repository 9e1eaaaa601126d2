# Shared by control-plane.sh and node.sh (sourced): base packages and a copy of Skiff in /opt/skiff.
# The ./skiff bootstrap installs the rest (Docker, etcd, Node.js 24, npm dependencies) itself.

say() { printf '[skiff-provision] %s\n' "$*" >&2; }

install_base_packages() {
  export DEBIAN_FRONTEND=noninteractive
  say "installing base packages"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends ca-certificates curl git rsync iproute2 >/dev/null
}

# SKIFF_SRC: a checkout to copy (the Vagrant synced folder), or SKIFF_GIT: a URL to clone.
install_skiff() {
  local dest="${SKIFF_DIR:-/opt/skiff}"
  if [ -n "${SKIFF_SRC:-}" ] && [ -x "$SKIFF_SRC/skiff" ]; then
    say "copying Skiff from $SKIFF_SRC to $dest"
    mkdir -p "$dest"
    # Host build products and caches stay behind: the VM makes its own.
    rsync -a --delete --exclude node_modules --exclude .tools --exclude .types --exclude .vagrant \
      --exclude .skiff "$SKIFF_SRC"/ "$dest"/
  elif [ -n "${SKIFF_GIT:-}" ]; then
    if [ -d "$dest/.git" ]; then git -C "$dest" pull --ff-only; else git clone --depth 1 "$SKIFF_GIT" "$dest"; fi
  else
    say "set SKIFF_SRC (a checkout) or SKIFF_GIT (a repository URL)"; exit 1
  fi
}
