#!/usr/bin/env bash
# Run the kernel_vm test VM: QEMU with software emulation (-accel tcg), a qcow2 overlay of the cached
# base image (so every run starts from the old kernel), SSH forwarded to 127.0.0.1 only.
# The guest reboots itself: QEMU runs without -no-reboot, so a reboot stays in the same process.
#   vm.sh start NAME PORT RUNDIR   build the base image if needed, boot, wait for SSH
#   vm.sh poweroff RUNDIR          cut the power: kill -9 of QEMU, the overlay and the console log kept
#   vm.sh resume NAME PORT RUNDIR  power on again from the same overlay (what the guest last wrote), wait for SSH
#   vm.sh stop RUNDIR              stop the QEMU process started by `start`, delete the overlay
# Environment: KERNEL_VM_MEMORY (2048), KERNEL_VM_CPUS (1), KERNEL_VM_BOOT_TIMEOUT (300 s), KERNEL_VM_ACCEL (tcg).
# One vCPU by default: under multi-threaded TCG with two, the backports kernel 6.12 oopsed at boot ("Oops: int3"
# in get_random_u32, a code-patching race that only emulation shows) and the run waited for SSH until it failed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=/dev/null
source "$here/vm_lib.sh"

# qemu_pid RUNDIR: the pid of our own QEMU (the pid file must still name a live qemu process), else nothing.
qemu_pid() {
  local pid
  [ -s "$1/qemu.pid" ] || return 0
  pid="$(cat "$1/qemu.pid")"
  if kill -0 "$pid" 2>/dev/null && grep -q qemu "/proc/$pid/comm" 2>/dev/null; then echo "$pid"; fi
}

# boot NAME PORT RUNDIR fresh|resume: fresh starts from a new overlay of the base image, resume from the overlay
# the last run left (a power cut keeps what the guest had written). The console log is appended to, so it keeps
# every boot of the scenario.
boot() {
  local name="$1" port="$2" run="$3" mode="$4" pid deadline
  "$here/build_image.sh"
  ensure_host_tools
  mkdir -p "$run"
  if [ -n "$(qemu_pid "$run")" ]; then
    log "$name already running (pid $(cat "$run/qemu.pid"))"
  else
    if ss -Hltn "sport = :$port" | grep -q .; then
      die "port 127.0.0.1:$port is taken; set KERNEL_VM_SSH_PORT to a free port"
    fi
    if [ "$mode" = fresh ]; then
      rm -f "$run/overlay.qcow2" "$run/console.log"
      qemu-img create -q -f qcow2 -F qcow2 -b "$KVM_BASE" "$run/overlay.qcow2"
    else
      [ -f "$run/overlay.qcow2" ] || die "no overlay in $run to resume from"
      echo "[kernel_vm] ---- power on again (vm.sh resume) ----" >>"$run/console.log"
    fi
    # Software emulation by default: KVM hangs on the machines this was written on. KERNEL_VM_ACCEL=kvm where it works.
    qemu-system-x86_64 -name "$name" -accel "${KERNEL_VM_ACCEL:-tcg}" -m "${KERNEL_VM_MEMORY:-2048}" -smp "${KERNEL_VM_CPUS:-1}" \
      -drive "file=$run/overlay.qcow2,if=virtio,format=qcow2,cache=unsafe" \
      -netdev "user,id=net0,hostfwd=tcp:127.0.0.1:$port-:22" -device virtio-net-pci,netdev=net0 \
      -display none -chardev "file,id=console,path=$run/console.log,append=on" -serial chardev:console -monitor none \
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

# poweroff RUNDIR: what a pulled plug does - QEMU killed with SIGKILL, no shutdown, no flush by the guest.
poweroff() {
  local run="$1" pid
  pid="$(qemu_pid "$run")"
  [ -n "$pid" ] || die "no QEMU of ours runs for $run"
  kill -9 "$pid"
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && die "QEMU pid $pid still runs after SIGKILL"
  echo "[kernel_vm] ---- power cut (vm.sh poweroff: kill -9 of QEMU pid $pid) ----" >>"$run/console.log"
  rm -f "$run/qemu.pid"
  log "powered off: killed QEMU pid $pid (SIGKILL)"
}

stop() {
  local run="$1" pid
  pid="$(qemu_pid "$run")"
  if [ -n "$pid" ]; then
    kill "$pid"
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    log "stopped QEMU pid $pid"
  fi
  # Molecule prunes its ephemeral directory: keep what the VM printed where the test suite shows it.
  [ -f "$run/console.log" ] && cp "$run/console.log" "$KVM_CACHE/last-console-$(basename "$run").log"
  rm -f "$run/qemu.pid" "$run/overlay.qcow2"
}

case "${1:-}" in
  start) boot "${2:?name}" "${3:?port}" "${4:?run dir}" fresh ;;
  resume) boot "${2:?name}" "${3:?port}" "${4:?run dir}" resume ;;
  poweroff) poweroff "${2:?run dir}" ;;
  stop) stop "${2:?run dir}" ;;
  *) die "usage: vm.sh start NAME PORT RUNDIR | resume NAME PORT RUNDIR | poweroff RUNDIR | stop RUNDIR" ;;
esac
