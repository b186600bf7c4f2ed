#!/usr/bin/env bash
# Shared by the project's scripts: paths, the virtualenv on PATH, the collection link.
# shellcheck source=/dev/null
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

CACHE="$ROOT/.cache"
COLLECTIONS="$CACHE/collections"
COLLECTION_LINK="$COLLECTIONS/ansible_collections/fleetops/docker_host"

# Ansible finds this checkout as fleetops.docker_host through a link (ansible.cfg points here).
link_collection() {
  mkdir -p "$(dirname "$COLLECTION_LINK")"
  [ -L "$COLLECTION_LINK" ] || ln -sfn "$ROOT" "$COLLECTION_LINK"
}

use_venv() {
  export PATH="$VENV/bin:$PATH"
  export ANSIBLE_CONFIG="$ROOT/ansible.cfg"
  export ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS:$VENV/lib/python3.12/site-packages"
  export ANSIBLE_FORCE_COLOR="${ANSIBLE_FORCE_COLOR:-1}"
  export PY_COLORS="${PY_COLORS:-1}"
  link_collection
}

# The hello image: a busybox-only image (about 1 MB) saved as an archive, for `docker run ... echo hello`
# on hosts that cannot reach a registry.
export HELLO_IMAGE="fleetops/hello:latest"
export HELLO_ARCHIVE="$CACHE/images/hello.tar"

# Build the collection with ansible-galaxy and install the tarball into DEST (default
# .cache/galaxy/collections), as a user would from Galaxy. Prints DEST.
# --offline: the dependency (community.docker) is resolved against the collections already installed (the
# `ansible` package's, on ANSIBLE_COLLECTIONS_PATH), never fetched: Galaxy is not reachable here.
install_built_collection() {
  local dest="${1:-$CACHE/galaxy/collections}" out="$CACHE/galaxy/build"
  rm -rf "$out" "$dest"; mkdir -p "$out" "$dest"
  ansible-galaxy collection build --force --output-path "$out" "$ROOT" >&2
  ansible-galaxy collection install --offline --force -p "$dest" "$out"/fleetops-docker_host-*.tar.gz >&2
  echo "$dest"
}
