#!/usr/bin/env bash
# Shared by the kernel_vm scripts: paths, host tools, logging.
# The variables are used by the scripts that source this file.
# shellcheck disable=SC2034
KVM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
KVM_CACHE="${KERNEL_VM_CACHE:-$KVM_ROOT/.cache/kernel_vm}"
# The name says what the image boots with: an image built before it started on cgroup v1 is not reused.
KVM_BASE="$KVM_CACHE/base-cgroup1.qcow2"
KVM_KEY="$KVM_CACHE/id_ed25519"
KVM_DISK_SIZE="${KERNEL_VM_DISK_SIZE:-3G}"
KVM_MIRROR="${KERNEL_VM_MIRROR:-http://deb.debian.org/debian}"

# shellcheck source=/dev/null
source "$KVM_ROOT/scripts/apt.sh"

log() { printf '[kernel_vm] %s\n' "$*" >&2; }
die() { printf '[kernel_vm] ERROR: %s\n' "$*" >&2; exit 1; }

# vm_ssh PORT SECONDS COMMAND...: run COMMAND as root in the VM whose SSH is forwarded to 127.0.0.1:PORT,
# never longer than SECONDS. Keepalives end the connection when the guest stops answering (QEMU's
# user-mode network keeps the host side of a connection open when the guest reboots or wedges).
vm_ssh() {
  local port="$1" seconds="$2"
  shift 2
  timeout "$seconds" ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR -o ConnectTimeout=5 -o ServerAliveInterval=15 -o ServerAliveCountMax=4 \
    -i "$KVM_KEY" -p "$port" root@127.0.0.1 "$@"
}

# CI starts on a bare machine: install what is missing from Debian's archive.
# grub-pc-bin + grub2-common give grub-install for BIOS without touching the host's own bootloader.
ensure_host_tools() {
  local -A need=(
    [qemu-system-x86_64]=qemu-system-x86 [qemu-img]=qemu-utils [debootstrap]=debootstrap
    [grub-install]=grub2-common [sfdisk]=fdisk [ssh-keygen]=openssh-client [mkfs.ext4]=e2fsprogs
    [flock]=util-linux [blkid]=util-linux [ssh]=openssh-client [ss]=iproute2
  )
  local missing=() cmd
  for cmd in "${!need[@]}"; do command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}"); done
  [ -d /usr/lib/grub/i386-pc ] || missing+=(grub-pc-bin)
  [ "${#missing[@]}" -eq 0 ] && return 0
  log "installing host tools: ${missing[*]}"
  # The image build and the scenario's create step may both get here at once: apt_get waits for the locks.
  apt_get update -qq
  # shellcheck disable=SC2046
  apt_get install -y -qq --no-install-recommends $(printf '%s\n' "${missing[@]}" | sort -u) >/dev/null
}
