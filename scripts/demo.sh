#!/usr/bin/env bash
# The main job on a local throwaway fleet: bootstrap this machine, start systemd containers as hosts,
# run playbooks/site.yml against them, print a per-host summary and the fleet report, remove the fleet.
#   scripts/demo.sh [--keep] [DISTRO...]     (default fleet: debian11 debian12 debian13)
# --keep leaves the containers running (remove them later with `scripts/fleet.sh down fleetops-demo`).
# It runs with the one Python the machine has (3.11 or later; FLEETOPS_PYTHON names another): see ensure_demo_venv.
# What it does to this machine (README, "Try it"): installs docker.io, debootstrap, gnupg, busybox-static and
# python3-venv where missing and starts the engine; runs the hosts as containers with SYS_ADMIN, NET_ADMIN,
# SYS_PTRACE and SYS_MODULE, unconfined seccomp/AppArmor and the host's cgroup tree; the roles' modprobe
# (br_netfilter, overlay) loads those modules into this machine's own kernel, and the sysctls the hosts set that
# are not namespaced (net.bridge.*) are this kernel's.
set -euo pipefail
# shellcheck source=/dev/null
source "$(dirname "${BASH_SOURCE[0]}")/fleet.sh"
keep=0; distros=()
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    debian11|debian12|debian13) distros+=("$arg") ;;
    *) echo "usage: $0 [--keep] [debian11|debian12|debian13 ...]" >&2; exit 2 ;;
  esac
done
[ "${#distros[@]}" -gt 0 ] || distros=(debian11 debian12 debian13)
prefix=fleetops-demo
inventory="$CACHE/demo/inventory.yml"
report="$CACHE/demo/fleet-report"

say "1/5 Bootstrap: host packages, Docker engine, virtualenv"
bootstrap_demo
use_venv
say "2/5 Images and a fleet of ${#distros[@]} systemd containers (${distros[*]})"
fleet_up "$prefix" "${distros[@]}"
[ "$keep" = 1 ] || trap 'say "Removing the fleet (--keep keeps it)"; fleet_down "$prefix"' EXIT
fleet_inventory "$prefix" "$inventory"
echo "    inventory: $inventory" >&2

say "3/5 ansible-playbook fleetops.docker_host.site"
rc=0
ansible-playbook -i "$inventory" fleetops.docker_host.site -e "fleetops_report_path=$report" || rc=$?

say "4/5 Per-host summary (read from the hosts themselves)"
for name in $(fleet_members "$prefix"); do
  echo
  echo "=== $name: $(docker exec "$name" sh -c '. /etc/os-release; echo "$PRETTY_NAME"')"
  echo "Docker version : $(docker exec "$name" docker version --format '{{.Server.Version}}' 2>&1 || echo 'not running')"
  echo "daemon.json    :"; docker exec "$name" cat /etc/docker/daemon.json 2>&1 | sed 's/^/    /'
  echo "sysctl         :"
  docker exec "$name" sysctl net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables net.ipv4.ip_forward 2>&1 | sed 's/^/    /'
  echo "hello container: $(docker exec "$name" docker run --rm "$HELLO_IMAGE" echo hello 2>&1)"
done

say "5/5 Fleet report ($report.md, $report.html)"
cat "$report.md" 2>/dev/null || echo "(no report was written)"
exit "$rc"
