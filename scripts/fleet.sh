#!/usr/bin/env bash
# A local throwaway fleet: systemd containers that stand in for hosts, and an inventory for them.
#   scripts/fleet.sh up PREFIX DISTRO...   start PREFIX-1.. (one per DISTRO: debian11|debian12|debian13)
#   scripts/fleet.sh inventory PREFIX FILE [docker|ssh]
#                                          write an inventory for the running PREFIX-* containers
#   scripts/fleet.sh down PREFIX           remove them
# The container settings are the ones Molecule uses (molecule/default/molecule.yml): no --privileged
# (it fails where CAP_SYS_RESOURCE is outside the bounding set), explicit capabilities instead.
# FLEETOPS_FLEET_IMAGE starts the hosts from another image (scripts/chaos.py: a host committed at a stage's start),
# FLEETOPS_FLEET_RUN_ARGS adds `docker run` arguments (words split on blanks, e.g. a volume for apt's archives).
# SSH (the benchmark's second transport): with FLEETOPS_FLEET_SSH_KEY=<private key file> set, `up` makes that
# throwaway key pair if it is missing, starts the hosts from fleetops/debian-systemd-sshd:<N> (the systemd
# image plus openssh-server, built locally on first use), publishes each host's port 22 on a loopback port
# only (127.0.0.1:<port chosen by Docker>) and authorizes the key for root; `inventory PREFIX FILE ssh` then
# reaches them as 127.0.0.1:<port>. Nothing connects to the containers' bridge addresses.
set -euo pipefail
# shellcheck source=/dev/null
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fleet_up() {  # prefix distro...
  local prefix="$1"; shift
  local versions i=0 distro name image v key="${FLEETOPS_FLEET_SSH_KEY:-}" publish=() run_args=()
  read -r -a run_args <<<"${FLEETOPS_FLEET_RUN_ARGS:-}"
  versions=$(printf '%s\n' "$@" | sed -n 's/^debian\(1[123]\)$/\1/p' | sort -u | tr '\n' ' ')
  # shellcheck disable=SC2086
  "$ROOT/molecule/images/build.sh" $versions hello
  if [ -n "$key" ]; then
    fleet_ssh_key "$key"
    for v in $versions; do fleet_sshd_image "$v"; done
    publish=(-p 127.0.0.1::22)
  fi
  for distro in "$@"; do
    i=$((i + 1)); name="$prefix-$i"
    image="${FLEETOPS_FLEET_IMAGE:-fleetops/debian-systemd:${distro#debian}}"
    [ -z "$key" ] || image="fleetops/debian-systemd-sshd:${distro#debian}"
    docker rm -f "$name" >/dev/null 2>&1 || true
    docker run -d --name "$name" --hostname "$name" --label "fleetops.fleet=$prefix" \
      --cap-add SYS_ADMIN --cap-add NET_ADMIN --cap-add SYS_PTRACE --cap-add SYS_MODULE \
      --cgroupns host -v /sys/fs/cgroup:/sys/fs/cgroup:rw -v /var/lib/docker \
      --tmpfs /run --tmpfs /run/lock --tmpfs /tmp \
      --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
      "${publish[@]}" "${run_args[@]}" "$image" >/dev/null
    echo "    started $name ($distro)" >&2
  done
  # Test-only host tweaks (molecule/resources/prepare.yml does the same): wait for systemd, and make
  # /proc/sys writable so the per-network-namespace keys can be applied.
  for name in $(fleet_members "$prefix"); do
    fleet_wait_booted "$name"
    docker exec "$name" mount -o remount,rw /proc/sys
    [ -z "$key" ] || fleet_ssh_authorize "$name" "$key"
  done
}

# Until systemd has finished booting (running or degraded), at most 180 s. A systemctl started right after
# `docker run` may find no systemd to ask yet and say so at once; a host used before its boot is done has its
# /tmp emptied under the first module by systemd-tmpfiles (seen on a loaded machine: the facts module's payload
# gone, "No such file or directory: '/tmp/ansible_...payload.zip'").
fleet_wait_booted() {  # name
  local state="" i
  for i in $(seq 1 180); do
    state=$(docker exec "$1" systemctl is-system-running --wait 2>/dev/null || true)
    case "$state" in running|degraded) return 0 ;; esac
    sleep 1
  done
  echo "    $1: systemd did not finish booting in 180 s (is-system-running: ${state:-no answer}); going on" >&2
}

fleet_members() { docker ps --filter "label=fleetops.fleet=$1" --format '{{.Names}}' | sort -V; }

fleet_ssh_key() {  # private-key-file: a throwaway ed25519 pair for the fleet's root logins (made once)
  [ -s "$1" ] && [ -s "$1.pub" ] && return 0
  mkdir -p "$(dirname "$1")"; rm -f "$1" "$1.pub"
  ssh-keygen -q -t ed25519 -N '' -C fleetops-fleet-throwaway -f "$1"
}

fleet_sshd_image() {  # debian-version: fleetops/debian-systemd-sshd:<N>, rebuilt when its base image changes
  local base="fleetops/debian-systemd:$1" image="fleetops/debian-systemd-sshd:$1" base_id
  base_id=$(docker image inspect -f '{{.Id}}' "$base")
  [ "$(docker image inspect -f '{{ index .Config.Labels "fleetops.base" }}' "$image" 2>/dev/null)" != "$base_id" ] || return 0
  echo "==> docker build -> $image (openssh-server from the Debian archive)" >&2
  # The host keys come from the package's postinst, so every host of the fleet shares them: the inventory
  # does not check host keys (throwaway containers, reached on loopback only).
  printf '%s\n' "FROM $base" \
    'RUN apt-get update && apt-get install -y --no-install-recommends openssh-server && apt-get clean && rm -rf /var/lib/apt/lists/* && systemctl enable ssh.service' \
    | docker build -q --label "fleetops.base=$base_id" -t "$image" - >/dev/null
}

fleet_ssh_authorize() {  # container private-key-file: root may log in with the key; wait until sshd answers
  local name="$1" key="$2" port i
  docker exec -i "$name" sh -c 'umask 077; mkdir -p /root/.ssh; cat >/root/.ssh/authorized_keys' <"$key.pub"
  port=$(fleet_ssh_port "$name")
  for i in $(seq 1 60); do
    ssh -i "$key" -p "$port" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
      -o LogLevel=ERROR -o ConnectTimeout=2 root@127.0.0.1 true </dev/null 2>/dev/null && return 0
    [ "$i" = 60 ] || sleep 0.5
  done
  echo "$name: sshd does not answer on 127.0.0.1:$port" >&2; return 1
}

fleet_ssh_port() {  # container -> its loopback port for 22/tcp; fails unless published on 127.0.0.1 only
  local bound
  bound=$(docker port "$1" 22/tcp 2>/dev/null || true)
  if [[ "$bound" =~ ^127\.0\.0\.1:([0-9]+)$ ]]; then echo "${BASH_REMATCH[1]}"; return 0; fi
  echo "$1: port 22 is published as '${bound:-nothing}', not on 127.0.0.1 only" >&2; return 1
}

fleet_inventory() {  # prefix file [docker|ssh]
  local prefix="$1" file="$2" transport="${3:-docker}" name key="${FLEETOPS_FLEET_SSH_KEY:-}"
  case "$transport" in
    docker) ;;
    ssh) [ -n "$key" ] || { echo "fleet_inventory ssh: set FLEETOPS_FLEET_SSH_KEY (as for up)" >&2; return 2; } ;;
    *) echo "fleet_inventory: transport is docker or ssh, not '$transport'" >&2; return 2 ;;
  esac
  mkdir -p "$(dirname "$file")"
  {
    echo "# Generated by scripts/fleet.sh for the local fleet '$prefix' ($transport transport)."
    echo "docker_hosts:"
    echo "  hosts:"
    for name in $(fleet_members "$prefix"); do
      if [ "$transport" = ssh ]; then
        echo "    $name: {ansible_port: $(fleet_ssh_port "$name")}"
      else
        echo "    $name:"
      fi
    done
    echo "  vars:"
    if [ "$transport" = ssh ]; then
      # Loopback only (each host's port 22 is published on 127.0.0.1); Ansible's default ssh_args written out
      # (ControlMaster/ControlPersist), pipelining on, the sockets beside the key; throwaway host keys unchecked.
      echo "    ansible_connection: ssh"
      echo "    ansible_host: 127.0.0.1"
      echo "    ansible_user: root"
      echo "    ansible_ssh_private_key_file: $key"
      echo "    ansible_ssh_args: -C -o ControlMaster=auto -o ControlPersist=60s"
      echo "    ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
      echo "    ansible_ssh_pipelining: true"
      echo "    ansible_control_path_dir: ${FLEETOPS_FLEET_SSH_CONTROL_DIR:-$(dirname "$key")/cp}"
    else
      echo "    ansible_connection: community.docker.docker"
    fi
    echo "    ansible_python_interpreter: /usr/bin/python3"
    echo "    # Containers cannot reach Docker's repositories or a registry here: the OS archive's engine,"
    echo "    # and a hello image loaded from an archive."
    echo "    docker_package_source: distro"
    echo "    docker_daemon_settings:"
    echo "      insecure-registries: [\"10.100.0.0/24\"]"
    echo "      log-driver: json-file"
    echo "      log-opts: {max-size: \"10m\", max-file: \"3\"}"
    echo "    docker_daemon_verify_image: $HELLO_IMAGE"
    echo "    docker_daemon_verify_image_archive: $HELLO_ARCHIVE"
  } >"$file"
}

fleet_down() {  # prefix
  local names; names=$(fleet_members "$1")
  # shellcheck disable=SC2086
  [ -z "$names" ] || docker rm -f -v $names >/dev/null
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  cmd="${1:?usage: fleet.sh up|inventory|down PREFIX ...}"; shift
  case "$cmd" in
    up) fleet_up "$@" ;;
    inventory) fleet_inventory "$@" ;;
    down) fleet_down "$@" ;;
    *) echo "usage: fleet.sh up|inventory|down PREFIX ..." >&2; exit 2 ;;
  esac
fi
