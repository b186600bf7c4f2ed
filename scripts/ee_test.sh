#!/usr/bin/env bash
# Validate execution-environment.yml with ansible-builder (schema and build context; no image build,
# which would need registries this machine cannot reach).
set -euo pipefail
# shellcheck source=/dev/null
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_venv
ctx="$(mktemp -d)"; trap 'rm -rf "$ctx"' EXIT
ansible-builder create -f "$ROOT/execution-environment.yml" -c "$ctx" --output-filename Containerfile
test -s "$ctx/Containerfile"
grep -q "fleetops.docker_host" "$ctx/_build/requirements.yml"
grep -q "openssh-clients" "$ctx/_build/bindep.txt"
echo "execution environment: build context OK ($ctx/Containerfile)"
