#!/usr/bin/env bash
# ansible-test sanity on both controller lines, from a copy of the tracked files placed at
# .cache/sanity/<line>/ansible_collections/fleetops/docker_host (ansible-test needs that layout).
# Usage: scripts/sanity.sh [main|compat|all] [extra ansible-test args]
set -euo pipefail
# shellcheck source=/dev/null
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
line="${1:-all}"; shift || true

# ansible-test fetches a pip bootstrap script from a host that may be unreachable; seed its cache with
# one that bootstraps pip from the interpreter's own ensurepip.
seed_get_pip() {
  local venv="$1" src ver
  src="$(echo "$venv"/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py)"
  mkdir -p "$HOME/.ansible/test/cache"
  # Every pip version ansible-test may bootstrap (its default and per-Python overrides).
  grep -o "pip='[0-9.]*'" "$src" | grep -o "[0-9][0-9.]*" | sort -u | while read -r ver; do
    local f="$HOME/.ansible/test/cache/get_pip_${ver//./_}.py"
    [ -f "$f" ] || printf 'import ensurepip\nensurepip.bootstrap(upgrade=True)\n' >"$f"
  done
}

run_line() {  # name venv python-version
  local name="$1" venv="$2" pyver="$3"; shift 3
  local dest="$CACHE/sanity/$name/ansible_collections/fleetops/docker_host"
  rm -rf "$dest"; mkdir -p "$dest"
  (cd "$ROOT" && git ls-files -co --exclude-standard -z | xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' \
     | tar --null -T - -cf - ) | tar -C "$dest" -xf -
  # ansible-test lists files with git when it finds a repository: give it one, with everything staged.
  (cd "$dest" && git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -qm sanity)
  say "ansible-test sanity ($name line: $("$venv/bin/ansible" --version | sed -n 1p), Python $pyver)"
  (cd "$dest" && "$venv/bin/ansible-test" sanity --local --requirements --python "$pyver" "$@")
}

case "$line" in
  main|compat|all) ;;
  *) echo "usage: $0 [main|compat|all]" >&2; exit 2 ;;
esac
if [ "$line" != compat ]; then
  make_venv "$ROOT/.venv-sanity" "$(find_python312)" "$ROOT/requirements-sanity.txt"
  seed_get_pip "$ROOT/.venv-sanity"
  run_line main "$ROOT/.venv-sanity" 3.12 "$@"
fi
if [ "$line" != main ]; then
  ensure_compat_venv
  seed_get_pip "$ROOT/.venv-216"
  run_line compat "$ROOT/.venv-216" 3.11 "$@"
fi
