#!/usr/bin/env bash
# Build (once) the pristine Debian 12 disk image the kernel_vm scenario boots:
# debootstrap bookworm onto a loop-mounted sparse raw image with linux-image-amd64 (stable, the "old"
# kernel), GRUB for BIOS (grub-pc), openssh-server, python3 and python3-apt (Debian's cloud images have it;
# Ansible's apt module would install it itself, slowly under emulation), dbus (systemctl reboot asks logind),
# plus an SSH key generated for the test.
# The result is converted to a compressed qcow2 (base-cgroup1.qcow2); every run boots its own overlay of it,
# so each run starts from the old kernel. Cached under .cache/kernel_vm/ (KERNEL_VM_CACHE).
# Usage: build_image.sh [--force]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=/dev/null
source "$here/vm_lib.sh"

[ "${1:-}" = --force ] && rm -f "$KVM_BASE"
if [ -s "$KVM_BASE" ] && [ -s "$KVM_KEY" ]; then
  log "cached base image: $KVM_BASE"
  exit 0
fi
[ "$(id -u)" = 0 ] || die "building the image needs root (loop devices, mount, chroot)"
ensure_host_tools
mkdir -p "$KVM_CACHE"
# Concurrent builds (two runs at once) would fight over the loop device: one at a time.
exec 9>"$KVM_CACHE/build.lock"
flock -w "${KERNEL_VM_LOCK_WAIT:-2400}" 9 || die "another build of $KVM_BASE held its lock for ${KERNEL_VM_LOCK_WAIT:-2400} s"
if [ -s "$KVM_BASE" ] && [ -s "$KVM_KEY" ]; then log "built meanwhile: $KVM_BASE"; exit 0; fi

raw="$KVM_CACHE/base.raw.tmp"
mnt="$(mktemp -d /tmp/kernel_vm.mnt.XXXXXX)"
loop=""
cleanup() {
  set +e
  mountpoint -q "$mnt" && umount "$mnt"
  [ -n "$loop" ] && losetup -d "$loop"
  rmdir "$mnt" 2>/dev/null
  rm -f "$raw"
}
trap cleanup EXIT

rm -f "$KVM_KEY" "$KVM_KEY.pub"
ssh-keygen -q -t ed25519 -N '' -C kernel_vm-test -f "$KVM_KEY"

log "creating a ${KVM_DISK_SIZE} sparse raw image"
rm -f "$raw"
truncate -s "$KVM_DISK_SIZE" "$raw"
# One BIOS/MBR partition from 1 MiB: the gap before it holds GRUB's core image. Partition scanning of
# loop devices is not available everywhere (no udev in containers): map the partition by its offset.
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$raw"
loop="$(losetup --find --show --offset $((2048 * 512)) "$raw")"
mkfs.ext4 -q -L kvmroot "$loop"
uuid="$(blkid -s UUID -o value "$loop")"
mount "$loop" "$mnt"

log "debootstrap bookworm from $KVM_MIRROR (a few minutes)"
timeout 1800 debootstrap --variant=minbase \
  --include=systemd-sysv,udev,dbus,kmod,iproute2,ifupdown,isc-dhcp-client,openssh-server,python3,python3-apt,ca-certificates,linux-image-amd64,grub-pc,initramfs-tools,zstd \
  bookworm "$mnt" "$KVM_MIRROR" >"$KVM_CACHE/debootstrap.log" 2>&1 \
  || { tail -30 "$KVM_CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $KVM_CACHE/debootstrap.log)"; }

log "configuring the guest"
cat >"$mnt/etc/fstab" <<FSTAB
UUID=$uuid / ext4 errors=remount-ro 0 1
FSTAB
echo kernel-vm >"$mnt/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 kernel-vm\n' >"$mnt/etc/hosts"
cat >"$mnt/etc/apt/sources.list" <<SRC
deb $KVM_MIRROR bookworm main
deb $KVM_MIRROR bookworm-updates main
SRC
# Only what is needed: apt under software emulation is slow.
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\nAcquire::Languages "none";\n' \
  >"$mnt/etc/apt/apt.conf.d/90kernel-vm"
printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\n' \
  >"$mnt/etc/dpkg/dpkg.cfg.d/90kernel-vm-nodoc"
# net.ifnames=0 on the kernel command line: the NIC is eth0.
printf 'auto lo\niface lo inet loopback\nallow-hotplug eth0\niface eth0 inet dhcp\n' >"$mnt/etc/network/interfaces"
install -d -m 0700 "$mnt/root/.ssh"
install -m 0600 "$KVM_KEY.pub" "$mnt/root/.ssh/authorized_keys"
printf 'PermitRootLogin prohibit-password\nUseDNS no\n' >"$mnt/etc/ssh/sshd_config.d/kernel-vm.conf"
# Serial console, short menu timeout; GRUB_DEFAULT stays Debian's 0 (the newest kernel first). panic=10: a
# kernel that panics restarts after 10 s instead of hanging until the run's SSH wait gives up (a kernel that
# always panics still fails the run). systemd.unified_cgroup_hierarchy=0: the VM starts on cgroup v1 (Debian 12's
# systemd 252 still honours it), which the role moves to cgroup v2 by a trial boot (kernel_ml_cmdline_args).
install -d "$mnt/etc/default/grub.d"
cat >"$mnt/etc/default/grub.d/kernel-vm.cfg" <<GRUB
GRUB_TIMEOUT=1
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=ttyS0,115200n8 net.ifnames=0 panic=10 systemd.unified_cgroup_hierarchy=0"
GRUB_TERMINAL="serial"
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_DISABLE_OS_PROBER=true
GRUB
chroot "$mnt" /bin/sh -ec '
  systemctl mask apt-daily.timer apt-daily-upgrade.timer >/dev/null 2>&1 || true
  rm -f /etc/ssh/ssh_host_*; ssh-keygen -A >/dev/null
  apt-get clean; rm -rf /var/lib/apt/lists/*
'
# The initramfs the new kernel gets is built inside the VM: only the modules that machine needs
# (the stable kernel's initramfs, built here, keeps Debian's MODULES=most).
echo 'MODULES=dep' >"$mnt/etc/initramfs-tools/conf.d/kernel-vm"
kernel="$(find "$mnt/boot" -name 'vmlinuz-*' | sort | tail -1)"
initrd="$mnt/boot/initrd.img-${kernel##*/vmlinuz-}"
cp "$kernel" "$KVM_CACHE/firstboot.vmlinuz"; cp "$initrd" "$KVM_CACHE/firstboot.initrd"
# The stable kernel(s) the image starts with: verify proves the VM runs another one after the role.
find "$mnt/boot" -name 'vmlinuz-*' -printf '%f\n' | sort >"$KVM_CACHE/base-kernels.txt"
sync
umount "$mnt"; losetup -d "$loop"; loop=""

# GRUB is installed by Debian's own tools inside the guest, on a real disk (/dev/vda), during a first
# boot with QEMU's direct kernel boot: grub-install cannot map a partition loop device to its disk.
log "first boot (direct kernel boot) to install GRUB on /dev/vda"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
qemu-system-x86_64 -name kernel_vm-build -accel tcg -m 2048 -smp 2 -no-reboot \
  -kernel "$KVM_CACHE/firstboot.vmlinuz" -initrd "$KVM_CACHE/firstboot.initrd" \
  -append "root=UUID=$uuid ro console=ttyS0,115200n8 net.ifnames=0" \
  -drive "file=$raw,if=virtio,format=raw,cache=unsafe" \
  -netdev "user,id=net0,hostfwd=tcp:127.0.0.1:$port-:22" -device virtio-net-pci,netdev=net0 \
  -display none -serial "file:$KVM_CACHE/firstboot.console.log" -monitor none \
  -daemonize -pidfile "$KVM_CACHE/firstboot.pid"
qpid="$(cat "$KVM_CACHE/firstboot.pid")"
deadline=$((SECONDS + 300))
until vm_ssh "$port" 60 true 2>/dev/null; do
  kill -0 "$qpid" 2>/dev/null || { tail -30 "$KVM_CACHE/firstboot.console.log" >&2; die "first boot: QEMU exited"; }
  [ "$SECONDS" -lt "$deadline" ] || { kill "$qpid"; tail -30 "$KVM_CACHE/firstboot.console.log" >&2; die "first boot: no SSH"; }
  sleep 3
done
vm_ssh "$port" 900 'set -e; grub-install --target=i386-pc /dev/vda 2>&1 | tail -1
  echo "grub-pc grub-pc/install_devices multiselect /dev/vda" | debconf-set-selections
  update-grub 2>&1 | tail -2; grep -m1 -E "^\s*linux\s" /boot/grub/grub.cfg; sync'
vm_ssh "$port" 60 'systemctl poweroff || poweroff -f' || true
for _ in $(seq 1 60); do kill -0 "$qpid" 2>/dev/null || break; sleep 1; done
if kill -0 "$qpid" 2>/dev/null; then kill "$qpid"; sleep 2; fi
rm -f "$KVM_CACHE"/firstboot.{vmlinuz,initrd,pid}

log "converting to qcow2"
qemu-img convert -c -O qcow2 "$raw" "$KVM_BASE.tmp"
mv "$KVM_BASE.tmp" "$KVM_BASE"
log "base image ready: $KVM_BASE ($(du -h "$KVM_BASE" | cut -f1)); kernel: $(tr '\n' ' ' <"$KVM_CACHE/base-kernels.txt")"
