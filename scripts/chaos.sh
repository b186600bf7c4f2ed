#!/usr/bin/env bash
# Fault injection (scripts/chaos.py): `make chaos` runs every cut point; `make test` runs a rotating sample.
#   scripts/chaos.sh [--sample N] [--seed S] [--list] [--keep]
set -euo pipefail
# shellcheck source=/dev/null
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_host_packages
ensure_docker
ensure_venv
use_venv
"$ROOT/molecule/images/build.sh" 12 hello
exec python "$ROOT/scripts/chaos.py" "$@"
