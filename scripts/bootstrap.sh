#!/usr/bin/env bash
# Make this machine able to run the demo and the tests: a Python virtualenv with the pinned
# toolchain, a Docker engine that answers, debootstrap for the local images.
# Idempotent: every step checks before it acts. Sourced by the other scripts (defines functions),
# or run directly to do everything.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${FLEETOPS_VENV:-$ROOT/.venv}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

find_python312() {
  # Python 3.12+ for the main line (ansible-core 2.21 needs it).
  local candidates=()
  if command -v pyenv >/dev/null 2>&1; then
    candidates+=("$(pyenv root)/versions/3.12.1/bin/python3")
  fi
  candidates+=(python3.14 python3.13 python3.12 python3)
  local c
  for c in "${candidates[@]}"; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$c"; return 0
    fi
  done
  echo "no Python 3.12+ found: install one (pyenv install 3.12) and retry" >&2
  return 1
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
  if command -v pyenv >/dev/null 2>&1 && [ -x "$(pyenv root)/versions/3.11.7/bin/python3" ]; then
    echo "$(pyenv root)/versions/3.11.7/bin/python3"
  else
    command -v python3.11 || { echo "no Python 3.11 found for the compat line" >&2; return 1; }
  fi
}

ensure_venv() {
  make_venv "$VENV" "$(find_python312)" "$ROOT/requirements.txt" "$ROOT/requirements-lock.txt"
}

ensure_compat_venv() {
  make_venv "$ROOT/.venv-216" "$(find_python311)" "$ROOT/requirements-216.txt"
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

ensure_host_packages() {
  local missing=()
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v gpg >/dev/null 2>&1 || missing+=(gnupg)
  command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
  [ -x /bin/busybox ] || missing+=(busybox-static)
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
  ensure_host_packages
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

bootstrap_all() {
  ensure_host_packages
  ensure_docker
  ensure_venv
  ensure_compat_venv
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  bootstrap_all
fi
