#!/usr/bin/env bash
# apt_get ARGS...: apt-get for the test scripts, which waits instead of failing when another apt holds a lock.
# Sourced by bootstrap.sh and molecule/kernel_vm/files/vm_lib.sh: on a bare machine the kernel_vm image build and
# the scenario's create step (or bootstrap) may install host tools at the same time.
#  - Our own scripts take one flock first, so they never race each other.
#  - DPkg::Lock::Timeout makes install wait for dpkg's lock (unattended-upgrades on a fresh machine); it does
#    not cover `apt-get update`'s lock on /var/lib/apt/lists (apt 2.6 fails at once, checked on Debian 12), so a
#    "Could not get lock" failure is retried.
# Environment: FLEETOPS_APT_LOCK_TIMEOUT (seconds, default 600).
apt_get() {
  local wait="${FLEETOPS_APT_LOCK_TIMEOUT:-600}" err try
  err="$(mktemp)"
  for try in $(seq 1 $((wait / 15 + 1))); do
    if flock -w "$wait" /run/lock/fleetops-apt.lock \
      env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$wait" "$@" 2>"$err"; then
      cat "$err" >&2; rm -f "$err"; return 0
    fi
    if ! grep -q 'Could not get lock' "$err"; then cat "$err" >&2; rm -f "$err"; return 1; fi
    printf 'apt-get %s: another apt holds a lock, waiting (try %s)\n' "$1" "$try" >&2
    sleep 15
  done
  cat "$err" >&2; rm -f "$err"; return 1
}
