#!/usr/bin/env bash
# Make this machine able to run the demo and the tests: a Python virtualenv with the pinned
# toolchain, a Docker engine that answers, debootstrap for the local images.
# Idempotent: every step checks before it acts. Sourced by the other scripts (defines functions),
# or run directly to do everything.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${FLEETOPS_VENV:-$ROOT/.venv}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Interpreters: pyenv's (when pyenv is on PATH) and python3.X on PATH. FLEETOPS_PYTHON names the one the demo uses.
python_candidates() {
  if command -v pyenv >/dev/null 2>&1; then
    local root; root="$(pyenv root)"
    printf '%s\n' "$root"/versions/3.1[2-9]*/bin/python3 "$root"/versions/3.11*/bin/python3
  fi
  printf '%s\n' python3.14 python3.13 python3.12 python3.11 python3
}

# find_python MIN_MINOR [MAX_MINOR]: the newest Python 3.MIN..3.MAX found, as a path.
find_python() {
  local min="$1" max="${2:-99}" c best="" best_minor=0 minor
  while read -r c; do
    command -v "$c" >/dev/null 2>&1 || continue
    minor="$("$c" -c 'import sys; print(sys.version_info[1] if sys.version_info[0] == 3 else 0)' 2>/dev/null)" || continue
    if [ "$minor" -ge "$min" ] && [ "$minor" -le "$max" ] && [ "$minor" -gt "$best_minor" ]; then
      best="$(command -v "$c")"; best_minor="$minor"
    fi
  done < <(python_candidates)
  [ -n "$best" ] && echo "$best"
}

how_to_get_python() {
  echo "no Python $1 found. It is needed for $2 only. Get it with pyenv (https://github.com/pyenv/pyenv):" \
    "curl -fsSL https://pyenv.run | bash; pyenv install $1 (then put pyenv on PATH and retry)," \
    "or from your distribution where it has it (e.g. apt-get install python$1 python$1-venv)." >&2
}

find_python312() {
  # Python 3.12+ for the main line (ansible-core 2.21 needs it): the test suite.
  # 3.12 first (the line requirements-lock.txt is proven on), else a newer one.
  find_python 12 12 || find_python 12 || { how_to_get_python 3.12 "the main test line (make test)"; return 1; }
}

# make_venv VENV PYTHON REQUIREMENTS [CONSTRAINTS]: (re)create when the requirements changed.
make_venv() {
  local venv="$1" py="$2" req="$3" con="${4:-}" stamp="$1/.fleetops-requirements"
  if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && cat "$req" ${con:+"$con"} | cmp -s "$stamp" -; then
    return 0
  fi
  say "Creating the virtualenv $venv from $(basename "$req") (pinned; a few minutes the first time)"
  [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
  "$venv/bin/pip" install --disable-pip-version-check -q -r "$req" ${con:+-c "$con"}
  cat "$req" ${con:+"$con"} >"$stamp"
}

find_python311() {
  find_python 11 11 || { how_to_get_python 3.11 "the compatibility test line (make test: unit-compat, sanity-compat)"; return 1; }
}

# The demo runs with the one Python the machine has: on 3.12+ the main line (the same virtualenv as the tests),
# on 3.11 (Debian 12's) the newest ansible-core for 3.11 in its own virtualenv (requirements-demo.txt).
# FLEETOPS_PYTHON names the interpreter to use instead of the newest one found.
find_demo_python() {
  local py="${FLEETOPS_PYTHON:-}"
  [ -n "$py" ] || py="$(find_python 12 12 || find_python 12 || find_python 11 11)" || true
  if [ -z "$py" ] || ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    how_to_get_python 3.11 "the demo (any Python 3.11 or later)"; return 1
  fi
  command -v "$py"
}

ensure_demo_venv() {
  local py; py="$(find_demo_python)" || return 1
  if "$py" -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
    VENV="${FLEETOPS_VENV:-$ROOT/.venv}"
    make_venv "$VENV" "$py" "$ROOT/requirements.txt" "$ROOT/requirements-lock.txt"
  else
    VENV="${FLEETOPS_VENV:-$ROOT/.venv-demo}"
    make_venv "$VENV" "$py" "$ROOT/requirements-demo.txt"
  fi
  say "Demo line: $("$VENV/bin/python" --version) with ansible-core $("$VENV/bin/python" -c \
    'from ansible.release import __version__; print(__version__)') ($VENV)"
}

ensure_venv() {
  make_venv "$VENV" "$(find_python312)" "$ROOT/requirements.txt" "$ROOT/requirements-lock.txt"
}

ensure_compat_venv() {
  make_venv "$ROOT/.venv-216" "$(find_python311)" "$ROOT/requirements-216.txt"
}

# antsibull-nox and nox (scripts/test.sh's nox gates); its sessions make their own virtualenvs under .nox/.
ensure_nox_venv() {
  make_venv "$ROOT/.venv-nox" "$(find_python312)" "$ROOT/requirements-nox.txt"
}

# Every apt call waits for the locks (another build or scenario of the suite, or unattended-upgrades on a
# fresh machine may hold them) instead of failing at once: apt_get (scripts/apt.sh).
# shellcheck source=/dev/null
source "$ROOT/scripts/apt.sh"
apt_install() {
  if [ -z "${_FLEETOPS_APT_UPDATED:-}" ]; then
    apt_get update -qq; _FLEETOPS_APT_UPDATED=1
  fi
  apt_get install -y -qq --no-install-recommends "$@" >/dev/null
}

# ensure_host_packages [--demo]: what the demo needs (the engine, debootstrap for the local images, gpg, busybox
# for the hello image, python3-venv), and for the tests also shellcheck and chromium (the report's browser test).
ensure_host_packages() {
  local missing=()
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v gpg >/dev/null 2>&1 || missing+=(gnupg)
  [ -x /bin/busybox ] || missing+=(busybox-static)
  # Debian's python3 has no ensurepip without python3-venv: `python3 -m venv` fails without it.
  if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import ensurepip' 2>/dev/null; then missing+=(python3-venv); fi
  if [ "${1:-}" != --demo ]; then
    command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  fi
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "Installing ${missing[*]} from the OS archive"
      apt_install "${missing[@]}"
    else
      echo "missing: ${missing[*]}; install them (as root: apt-get install ${missing[*]})" >&2
      return 1
    fi
  fi
}

ensure_docker() {
  if docker info >/dev/null 2>&1; then return 0; fi
  ensure_host_packages --demo
  if [ "$(id -u)" != 0 ]; then
    echo "no Docker engine answers and this is not root: start one (systemctl start docker)" >&2
    return 1
  fi
  say "Starting dockerd in the background (log: /var/log/fleetops-dockerd.log)"
  if [ -d /run/systemd/system ] && systemctl start docker 2>/dev/null; then
    :
  else
    nohup dockerd >/var/log/fleetops-dockerd.log 2>&1 &
  fi

  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "dockerd did not answer within 60 s; see /var/log/fleetops-dockerd.log" >&2
  tail -20 /var/log/fleetops-dockerd.log >&2 || true
  return 1
}

# The demo's set-up: one Python, one virtualenv (make demo).
bootstrap_demo() {
  ensure_host_packages --demo
  ensure_docker
  ensure_demo_venv
}

# Everything the tests need: both lines (make test).
bootstrap_all() {
  ensure_host_packages
  ensure_docker
  ensure_venv
  ensure_compat_venv
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  bootstrap_all
fi
