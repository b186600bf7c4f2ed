#!/usr/bin/env bash
# Galaxy packaging test: build the tarball, install it into a temporary path, and check that
# ansible-doc lists and renders every module and that the playbooks resolve by FQCN.
# (The default Molecule scenario then runs site.yml from such an install against the fleet.)
set -euo pipefail
# shellcheck source=/dev/null
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_venv
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
installed="$(install_built_collection "$tmp/collections")"
export ANSIBLE_COLLECTIONS_PATH="$installed"
tar -tzf "$CACHE"/galaxy/build/fleetops-docker_host-*.tar.gz | sed 's|^|  tarball: |' | grep -E "/(plugins|roles|playbooks)/[^/]+/?$" || true
listed="$(ansible-doc -l fleetops.docker_host)"
echo "$listed"
status=0
for module in "$ROOT"/plugins/modules/[a-z]*.py; do
  [ -e "$module" ] || continue
  name="$(basename "$module" .py)"
  if ! grep -q "^fleetops.docker_host.$name " <<<"$listed"; then
    echo "FAIL: ansible-doc -l does not list fleetops.docker_host.$name" >&2; status=1
  elif ! ansible-doc fleetops.docker_host."$name" >/dev/null; then
    echo "FAIL: ansible-doc cannot render fleetops.docker_host.$name" >&2; status=1
  fi
done
if grep -E "^(scripts|molecule|\.config|\.venv[^/]*|\.cache|\.ci)/" <(tar -tzf "$CACHE"/galaxy/build/fleetops-docker_host-*.tar.gz); then
  echo "FAIL: the tarball carries test or build files (build_ignore in galaxy.yml)" >&2; status=1
fi
for playbook in "$ROOT"/playbooks/*.yml; do
  name="$(basename "$playbook" .yml)"
  ansible-playbook --syntax-check -i localhost, "fleetops.docker_host.$name" >/dev/null \
    || { echo "FAIL: fleetops.docker_host.$name does not resolve or parse" >&2; status=1; }
done
exit "$status"
