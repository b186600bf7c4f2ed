#!/usr/bin/env bash
# Build a local signed Docker repository laid out like Docker's (download.docker.com/linux):
#   <tree>/{,centos/,rhel/}gpg                     the signing key (ASCII armour), where Docker publishes it
#   <tree>/{centos,rhel}/9/x86_64/stable/          Packages/*.rpm + repodata/ (repomd.xml signed: .asc)
# with RPMs named as Docker's (docker-ce, docker-ce-cli, containerd.io, docker-buildx-plugin,
# docker-compose-plugin), built with rpmbuild from the engine binaries of Debian's packages (extracted with
# dpkg-deb, never installed): Docker 20.10.24 (Debian 12's docker.io) and 26.1.5 (Debian 13's docker.io and
# docker-cli), so that a version pin, the version lock and an upgrade can be tested, and 26.1.6: the SAME 26.1.5
# binaries under a second version stamp (a patch release of the 26.1 line for the docker_upgrade role's EL path:
# the package, versionlock, restart and live-restore mechanics are what it proves, not a real 26.1.6 engine;
# its dockerd says 26.1.5), and two more stamps for the upgrade role's other EL paths: 27.0.3, the SAME 26.1.5
# binaries again under the stamp of another YY.MM line (a line jump: refusal, opt-in, restarted containers; not a
# real 27.0 engine), and 27.0.4, BROKEN ON PURPOSE: its /usr/bin/dockerd is a script that exits 1 (the rollback
# test, as molecule/upgrade's 26.1.6), its CLI the 26.1.5 one; containerd, runc and tini from Debian 12, buildx
# and compose from Debian 13. A second tree stands in for EL's own repository
# (BaseOS/AppStream) with the EL names of the commands kubeadm needs, conntrack-tools and socat (the k8s_node
# role's vars/RedHat.yml), built the same way from Debian 12's conntrack and socat:
#   <tree>/el-userland-baseos/9/x86_64/             Packages/*.rpm + repodata/ (signed with the same key)
# Signed with a throwaway RSA key made here
# (GNUPGHOME under the output directory, never committed). Everything runs in a throwaway container of
# fleetops/el9-tooling-debian:12, which carries rpmbuild, rpmsign, createrepo_c, gpg and apt-get.
# Usage: make_el_repo.sh OUTPUT_DIR      (reuses a tree built by the same recipe)
# Writes OUTPUT_DIR/{tree/,gnupg/,debs/,FINGERPRINT,VERSIONS,RECIPE}.
set -euo pipefail
IMAGE="${FLEETOPS_EL_IMAGE:-fleetops/el9-tooling-debian:12}"
MIRROR="${FLEETOPS_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ "${1:-}" != --inside ]; then
  out="${1:?usage: make_el_repo.sh OUTPUT_DIR}"
  mkdir -p "$out"; out="$(cd "$out" && pwd)"
  recipe="$(sha256sum "$HERE/make_el_repo.sh" | cut -c1-16)"
  if [ -s "$out/FINGERPRINT" ] && [ "$(cat "$out/RECIPE" 2>/dev/null)" = "$recipe" ] \
     && [ -s "$out/tree/centos/9/x86_64/stable/repodata/repomd.xml.asc" ] \
     && [ -s "$out/tree/el-userland-baseos/9/x86_64/repodata/repomd.xml.asc" ]; then
    echo "==> EL repository in $out present (reuse)" >&2; exit 0
  fi
  rm -rf "$out/tree" "$out/gnupg" "$out/FINGERPRINT" "$out/VERSIONS" "$out/RECIPE"
  echo "==> building the signed EL Docker repository in $out (in a throwaway $IMAGE container)" >&2
  docker run --rm --network bridge -e MIRROR="$MIRROR" -v "$out:/out" -v "$HERE/make_el_repo.sh:/make_el_repo.sh:ro" \
    --entrypoint /bin/bash "$IMAGE" /make_el_repo.sh --inside >"$out/build.log" 2>&1 \
    || { tail -40 "$out/build.log" >&2; exit 1; }
  echo "$recipe" >"$out/RECIPE"
  echo "==> EL repository built: key $(cat "$out/FINGERPRINT"), docker-ce $(cat "$out/VERSIONS")" >&2
  exit 0
fi

# --- inside the throwaway container ---
OLD=20.10.24
NEW=26.1.5
PATCH=26.1.6  # NEW's binaries restamped (see the header)
LINE=27.0.3   # NEW's binaries restamped as another line (see the header)
BROKEN=27.0.4 # LINE's patch release whose dockerd exits 1 (see the header)
cd /out
mkdir -p debs

# fetch SUITE FILE_PREFIX=PACKAGE...: download the Debian packages not yet in debs/ (kept between builds).
fetch() {
  local suite="$1" item missing=()
  shift
  for item in "$@"; do
    ls debs/"${item%%=*}"_*_amd64.deb >/dev/null 2>&1 || missing+=("${item#*=}")
  done
  [ "${#missing[@]}" -gt 0 ] || return 0
  [ "$suite" = bookworm ] || echo "deb $MIRROR $suite main" >"/etc/apt/sources.list.d/$suite.list"
  apt-get -qq update
  (cd debs && apt-get -qq -o APT::Sandbox::User=root download "${missing[@]}")
}
fetch bookworm "docker.io_${OLD}=docker.io" containerd=containerd runc=runc tini=tini conntrack=conntrack \
  socat=socat libwrap0=libwrap0
fetch trixie "docker.io_${NEW}=docker.io/trixie" "docker-cli_${NEW}=docker-cli/trixie" docker-buildx=docker-buildx/trixie \
  docker-compose=docker-compose/trixie

# x NAME DEB...: the packages' files under /tmp/x/NAME (extracted with dpkg-deb, never installed).
x() { local dir="/tmp/x/$1"; shift; mkdir -p "$dir"; local deb; for deb in "$@"; do dpkg-deb -x "$deb" "$dir"; done; }
x old debs/docker.io_${OLD}*_amd64.deb
x new debs/docker.io_${NEW}*_amd64.deb debs/docker-cli_${NEW}*_amd64.deb
x broken debs/docker.io_${NEW}*_amd64.deb debs/docker-cli_${NEW}*_amd64.deb
printf '#!/bin/sh\necho "fleetops el_userland test repository: this dockerd (%s) is broken on purpose" >&2\nexit 1\n' \
  "$BROKEN" >/tmp/x/broken/usr/sbin/dockerd
chmod 0755 /tmp/x/broken/usr/sbin/dockerd
x containerd debs/containerd_*_amd64.deb debs/runc_*_amd64.deb
x tini debs/tini_*_amd64.deb
x buildx debs/docker-buildx_*_amd64.deb
x compose debs/docker-compose_*_amd64.deb
x conntrack debs/conntrack_*_amd64.deb
x socat debs/socat_*_amd64.deb debs/libwrap0_*_amd64.deb
"/tmp/x/old/usr/sbin/dockerd" --version | grep -q "$OLD"
"/tmp/x/new/usr/sbin/dockerd" --version | grep -q "$NEW"
# The upstream part of a Debian version: 1.6.20~ds1-1+deb12u3 -> 1.6.20, 1:1.4.7-1+b2 -> 1.4.7.
deb_version() {
  local deb
  for deb in debs/"$1"_*_amd64.deb; do dpkg-deb -f "$deb" Version | sed 's/^[0-9]*://; s/[+~-].*//'; return; done
}
CONTAINERD="$(deb_version containerd)"
BUILDX="$(deb_version docker-buildx)"
COMPOSE="$(deb_version docker-compose)"
CONNTRACK="$(deb_version conntrack)"
SOCAT="$(deb_version socat)"

# Docker's own unit files (docker-ce and containerd.io packaging), not Debian's.
mkdir -p /tmp/units
cat >/tmp/units/docker.service <<'EOF'
[Unit]
Description=Docker Application Container Engine
Documentation=https://docs.docker.com
After=network-online.target docker.socket firewalld.service containerd.service time-set.target
Wants=network-online.target containerd.service
Requires=docker.socket

[Service]
Type=notify
ExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock
ExecReload=/bin/kill -s HUP $MAINPID
TimeoutStartSec=0
RestartSec=2
Restart=always
StartLimitBurst=3
StartLimitInterval=60s
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
Delegate=yes
KillMode=process
OOMScoreAdjust=-500

[Install]
WantedBy=multi-user.target
EOF
cat >/tmp/units/docker.socket <<'EOF'
[Unit]
Description=Docker Socket for the API

[Socket]
ListenStream=/run/docker.sock
SocketMode=0660
SocketUser=root
SocketGroup=docker

[Install]
WantedBy=sockets.target
EOF
cat >/tmp/units/containerd.service <<'EOF'
[Unit]
Description=containerd container runtime
Documentation=https://containerd.io
After=network.target local-fs.target

[Service]
ExecStartPre=-/sbin/modprobe overlay
ExecStart=/usr/bin/containerd
Type=notify
Delegate=yes
KillMode=process
Restart=always
RestartSec=5
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
OOMScoreAdjust=-999

[Install]
WantedBy=multi-user.target
EOF
printf 'disabled_plugins = ["cri"]\n' >/tmp/units/config.toml

# spec REPO NAME EPOCH VERSION REQUIRES SUMMARY FILE...: one RPM's spec for repository REPO (docker or baseos), its
# %install and %files made from the FILEs, each MODE:SOURCE:DEST (MODE 0644c: a %config(noreplace) file);
# scriptlets (%pre, %post, ...) come from stdin.
spec() {
  local repo="$1" name="$2" epoch="$3" version="$4" requires="$5" summary="$6" scripts entry mode src dest
  local install="" files=""
  shift 6
  scripts="$(cat)"
  for entry in "$@"; do
    IFS=: read -r mode src dest <<<"$entry"
    test -e "$src" || { echo "spec $name: $src missing" >&2; exit 1; }
    install+="install -D -m ${mode%c} $src %{buildroot}$dest"$'\n'
    if [ "$mode" != "${mode%c}" ]; then files+="%config(noreplace) $dest"$'\n'; else files+="$dest"$'\n'; fi
  done
  mkdir -p "/tmp/specs/$repo"
  cat >"/tmp/specs/$repo/$name-$version.spec" <<EOF
%global debug_package %{nil}
%global __os_install_post %{nil}
%define _build_id_links none
Name:           $name
Epoch:          $epoch
Version:        $version
Release:        1.el9
Summary:        $summary (fleetops test build from Debian's binaries)
License:        the Debian package's (see its copyright file)
ExclusiveArch:  x86_64
# The binaries come from Debian packages: their libraries are the Debian userland's, not rpm's.
AutoReqProv:    no
Provides:       $name = %{epoch}:%{version}-%{release}
${requires}

%description
$summary, packaged under the EL package name for fleetops.docker_host's el_userland scenario from the
binaries of Debian's packages. Not a package that Docker or an EL distribution published.

$scripts

%install
$install
%files
$files
EOF
}
for v in "$OLD" "$NEW" "$PATCH" "$LINE" "$BROKEN"; do
  case "$v" in "$OLD") src=/tmp/x/old ;; "$BROKEN") src=/tmp/x/broken ;; *) src=/tmp/x/new ;; esac
  spec docker docker-ce 3 "$v" "Requires:       containerd.io >= 1.6
Requires:       docker-ce-cli" "The Docker engine (dockerd)" \
    "0755:$src/usr/sbin/dockerd:/usr/bin/dockerd" "0755:$src/usr/sbin/docker-proxy:/usr/bin/docker-proxy" \
    0755:/tmp/x/tini/usr/bin/tini-static:/usr/bin/docker-init \
    0644:/tmp/units/docker.service:/usr/lib/systemd/system/docker.service \
    0644:/tmp/units/docker.socket:/usr/lib/systemd/system/docker.socket <<'EOF'
%pre
getent group docker >/dev/null || groupadd -r docker
%post
systemctl daemon-reload >/dev/null 2>&1 || :
%postun
systemctl daemon-reload >/dev/null 2>&1 || :
if [ $1 -ge 1 ]; then systemctl try-restart docker.service >/dev/null 2>&1 || :; fi
EOF
  spec docker docker-ce-cli 1 "$v" "" "The Docker CLI" "0755:$src/usr/bin/docker:/usr/bin/docker" </dev/null
done
containerd_files=()
for tool in containerd containerd-shim containerd-shim-runc-v1 containerd-shim-runc-v2 ctr; do
  containerd_files+=("0755:/tmp/x/containerd/usr/bin/$tool:/usr/bin/$tool")
done
spec docker containerd.io 0 "$CONTAINERD" "Provides:       runc" "containerd and runc" "${containerd_files[@]}" \
  0755:/tmp/x/containerd/usr/sbin/runc:/usr/bin/runc \
  0644:/tmp/units/containerd.service:/usr/lib/systemd/system/containerd.service \
  0644c:/tmp/units/config.toml:/etc/containerd/config.toml <<'EOF'
%post
systemctl daemon-reload >/dev/null 2>&1 || :
EOF
spec docker docker-buildx-plugin 0 "$BUILDX" "" "The Docker buildx CLI plugin" \
  0755:/tmp/x/buildx/usr/libexec/docker/cli-plugins/docker-buildx:/usr/libexec/docker/cli-plugins/docker-buildx </dev/null
spec docker docker-compose-plugin 0 "$COMPOSE" "" "The Docker compose CLI plugin" \
  0755:/tmp/x/compose/usr/libexec/docker/cli-plugins/docker-compose:/usr/libexec/docker/cli-plugins/docker-compose </dev/null
# EL's names for the commands kubeadm needs (the k8s_node role's vars/RedHat.yml). They go to a second repository
# standing in for EL's own (BaseOS/AppStream), not to Docker's. socat carries the one Debian library the image
# lacks (libwrap.so.0, from libwrap0); conntrack's libraries (libmnl, libnetfilter_conntrack) are in the image.
LIBDIR=/usr/lib/x86_64-linux-gnu
spec baseos conntrack-tools 0 "$CONNTRACK" "" "conntrack, the connection tracking tool (Debian's conntrack)" \
  0755:/tmp/x/conntrack/usr/sbin/conntrack:/usr/sbin/conntrack </dev/null
spec baseos socat 0 "$SOCAT" "" "socat, the multipurpose relay (Debian's socat and libwrap0)" \
  0755:/tmp/x/socat/usr/bin/socat:/usr/bin/socat \
  "0644:$(readlink -f "/tmp/x/socat$LIBDIR/libwrap.so.0"):$LIBDIR/libwrap.so.0" </dev/null

# The throwaway signing key (RSA: what rpm's OpenPGP parser and dnf read everywhere).
export GNUPGHOME=/out/gnupg
mkdir -p "$GNUPGHOME"; chmod 0700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-generate-key "fleetops el_userland test repository (throwaway) <el-userland@fleetops.invalid>" rsa3072 sign never
fpr="$(gpg --batch --with-colons --list-secret-keys | awk -F: '$1=="fpr"{print $10; exit}')"
mkdir -p /out/tree
gpg --batch --armor --export "$fpr" >/out/tree/gpg
rpmkeys --import /out/tree/gpg

# Docker's tree, and the stand-in for EL's own repository; each built, signed and checked the same way.
stable=/out/tree/centos/9/x86_64/stable
baseos=/out/tree/el-userland-baseos/9/x86_64
for repo in docker baseos; do
  if [ "$repo" = docker ]; then dir="$stable"; else dir="$baseos"; fi
  mkdir -p "$dir/Packages"
  for s in /tmp/specs/"$repo"/*.spec; do
    # gzip level 1: the payloads are ~100 MB of Go binaries; xz would take minutes on a shared machine.
    rpmbuild -bb --quiet --define "_topdir /tmp/rpmbuild" --define "_rpmdir $dir/Packages" \
      --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
      --define "_binary_payload w1.gzdio" "$s"
  done
  rpmsign --addsign --define "__gpg $(command -v gpg)" --define "_gpg_name $fpr" --define "_gpg_path $GNUPGHOME" \
    "$dir"/Packages/*.rpm >/dev/null
  createrepo_c --quiet "$dir"
  gpg --batch --yes --armor --local-user "$fpr" --detach-sign "$dir/repodata/repomd.xml"
  # Check what was built, as dnf will: signatures against the exported key, the repository metadata.
  rpm -K "$dir"/Packages/*.rpm | tee /tmp/sigs
  if grep -v 'digests signatures OK' /tmp/sigs; then exit 1; fi
  gpg --batch --verify "$dir/repodata/repomd.xml.asc" "$dir/repodata/repomd.xml"
  ls "$dir/Packages"
done
mkdir -p /out/tree/rhel
cp -al /out/tree/centos/9 /out/tree/rhel/9
# Docker publishes the key at the root of each distribution's tree (linux/centos/gpg, linux/rhel/gpg).
cp /out/tree/gpg /out/tree/centos/gpg
cp /out/tree/gpg /out/tree/rhel/gpg
echo "$fpr" >/out/FINGERPRINT
echo "$OLD $NEW $PATCH $LINE $BROKEN" >/out/VERSIONS
