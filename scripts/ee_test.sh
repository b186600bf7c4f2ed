#!/usr/bin/env bash
# The execution environment, as far as this machine can check it (the image build needs registries it
# cannot reach): execution-environment.yml makes a valid build context (ansible-builder create) that installs
# the tarball this checkout builds, on a pinned base image of the community EE line; and the installed
# collection declares its controller needs (meta/execution-environment.yml), which ansible-builder's
# introspection, the step of the image build that reads them, finds.
set -euo pipefail
# shellcheck source=/dev/null
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_venv
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
status=0
fail() { echo "FAIL: $*" >&2; status=1; }

# As a user builds it: the tarball next to the EE definition, then ansible-builder.
installed="$(install_built_collection "$tmp/collections")"
tarball="$(basename "$CACHE"/galaxy/build/fleetops-docker_host-*.tar.gz)"
mkdir "$tmp/ee"
cp "$CACHE/galaxy/build/$tarball" "$ROOT/execution-environment.yml" "$tmp/ee/"
ansible-builder create -f "$tmp/ee/execution-environment.yml" -c "$tmp/ee/context" --output-filename Containerfile
context="$tmp/ee/context"
test -s "$context/Containerfile" || fail "ansible-builder create wrote no Containerfile"
cmp -s "$context/_build/collections/$tarball" "$CACHE/galaxy/build/$tarball" \
  || fail "the build context does not carry $tarball, the tarball this checkout builds (version in galaxy.yml and execution-environment.yml?)"
python - "$context/_build/requirements.yml" "$tarball" <<'PYTHON' || status=1
import sys, yaml
collections = yaml.safe_load(open(sys.argv[1]))["collections"]
wanted = {"name": "collections/" + sys.argv[2], "type": "file"}
if collections != [wanted]:
    sys.exit("FAIL: the EE installs %r, expected only %r (the built tarball, not Galaxy)" % (collections, wanted))
PYTHON
base="$(sed -n 's/^ARG EE_BASE_IMAGE="\(.*\)"$/\1/p' "$context/Containerfile")"
case "$base" in
  ghcr.io/ansible-community/community-ee-*:latest | *:latest) fail "the base image $base floats" ;;
  ghcr.io/ansible-community/community-ee-minimal:[0-9]* | ghcr.io/ansible-community/community-ee-base:[0-9]*) ;;
  *) fail "the base image $base is not of the community EE line (ghcr.io/ansible-community/community-ee-*)" ;;
esac

# The collection's own needs, as the image build's introspection step reads them from the installed collection.
needs="$(ansible-builder introspect --sanitize "$installed")"
echo "$needs"
for package in "openssh-clients \[platform:rpm\]" "sshpass"; do
  grep -q "$package.*# from collection fleetops.docker_host" <<<"$needs" \
    || fail "introspection does not find $package in the collection's meta/execution-environment.yml"
done
[ "$status" = 0 ] && echo "execution environment: build context OK (base $base, $tarball)"
exit "$status"
