#!/usr/bin/env bash
# Run the kernel_vm test VM: QEMU with software emulation (-accel tcg), a qcow2 overlay of the cached
# base image (so every run starts from the old kernel), SSH forwarded to 127.0.0.1 only.
# The guest reboots itself: QEMU runs without -no-reboot, so a reboot stays in the same process.
#   vm.sh start NAME PORT RUNDIR   build the base image if needed, boot, wait for SSH
#   vm.sh stop RUNDIR              stop the QEMU process started by `start`, delete the overlay
# Environment: KERNEL_VM_MEMORY (2048), KERNEL_VM_CPUS (1), KERNEL_VM_BOOT_TIMEOUT (300 s), KERNEL_VM_ACCEL (tcg).
# One vCPU by default: under multi-threaded TCG with two, the backports kernel 6.12 oopsed at boot ("Oops: int3"
# in get_random_u32, a code-patching race that only emulation shows) and the run waited for SSH until it failed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=/dev/null
source "$here/vm_lib.sh"

start() {
  local name="$1" port="$2" run="$3" pid deadline
  "$here/build_image.sh"
  ensure_host_tools
  mkdir -p "$run"
  if [ -s "$run/qemu.pid" ] && kill -0 "$(cat "$run/qemu.pid")" 2>/dev/null; then
    log "$name already running (pid $(cat "$run/qemu.pid"))"
  else
    if ss -Hltn "sport = :$port" | grep -q .; then
      die "port 127.0.0.1:$port is taken; set KERNEL_VM_SSH_PORT to a free port"
    fi
    rm -f "$run/overlay.qcow2" "$run/console.log"
    qemu-img create -q -f qcow2 -F qcow2 -b "$KVM_BASE" "$run/overlay.qcow2"
    # Software emulation by default: KVM hangs on the machines this was written on. KERNEL_VM_ACCEL=kvm where it works.
    qemu-system-x86_64 -name "$name" -accel "${KERNEL_VM_ACCEL:-tcg}" -m "${KERNEL_VM_MEMORY:-2048}" -smp "${KERNEL_VM_CPUS:-1}" \
      -drive "file=$run/overlay.qcow2,if=virtio,format=qcow2,cache=unsafe" \
      -netdev "user,id=net0,hostfwd=tcp:127.0.0.1:$port-:22" -device virtio-net-pci,netdev=net0 \
      -display none -serial "file:$run/console.log" -monitor none \
      -daemonize -pidfile "$run/qemu.pid"
    log "$name started (pid $(cat "$run/qemu.pid")), console: $run/console.log"
  fi
  pid="$(cat "$run/qemu.pid")"
  deadline=$((SECONDS + ${KERNEL_VM_BOOT_TIMEOUT:-300}))
  until vm_ssh "$port" 60 true 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { tail -40 "$run/console.log" >&2; die "QEMU exited while booting"; }
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -40 "$run/console.log" >&2
      die "no SSH on 127.0.0.1:$port after ${KERNEL_VM_BOOT_TIMEOUT:-300} s"
    fi
    sleep 3
  done
  log "$name answers on 127.0.0.1:$port: $(vm_ssh "$port" 120 uname -r)"
}

stop() {
  local run="$1" pid
  if [ -s "$run/qemu.pid" ]; then
    pid="$(cat "$run/qemu.pid")"
    # Only our own QEMU: the pid file must still name a qemu process.
    if kill -0 "$pid" 2>/dev/null && grep -q qemu "/proc/$pid/comm" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
      log "stopped QEMU pid $pid"
    fi
  fi
  # Molecule prunes its ephemeral directory: keep what the VM printed where the test suite shows it.
  [ -f "$run/console.log" ] && cp "$run/console.log" "$KVM_CACHE/last-console-$(basename "$run").log"
  rm -f "$run/qemu.pid" "$run/overlay.qcow2"
}

case "${1:-}" in
  start) start "${2:?name}" "${3:?port}" "${4:?run dir}" ;;
  stop) stop "${2:?run dir}" ;;
  *) die "usage: vm.sh start NAME PORT RUNDIR | stop RUNDIR" ;;
esac
