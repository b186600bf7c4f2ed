#!/usr/bin/env bash
# Build a local signed Docker repository laid out like Docker's (download.docker.com/linux):
#   <tree>/{,centos/,rhel/}gpg                     the signing key (ASCII armour), where Docker publishes it
#   <tree>/{centos,rhel}/9/x86_64/stable/          Packages/*.rpm + repodata/ (repomd.xml signed: .asc)
# with RPMs named as Docker's (docker-ce, docker-ce-cli, containerd.io, docker-buildx-plugin,
# docker-compose-plugin), built with rpmbuild from the engine binaries of Debian's packages (extracted with
# dpkg-deb, never installed): Docker 20.10.24 (Debian 12's docker.io) and 26.1.5 (Debian 13's docker.io and
# docker-cli), so that a version pin, the version lock and an upgrade can be tested; containerd, runc and
# tini from Debian 12, buildx and compose from Debian 13. Signed with a throwaway RSA key made here
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
     && [ -s "$out/tree/centos/9/x86_64/stable/repodata/repomd.xml.asc" ]; then
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
cd /out
mkdir -p debs
if ! ls debs/docker.io_${NEW}* >/dev/null 2>&1 || ! ls debs/docker-cli_${NEW}* >/dev/null 2>&1; then
  apt-get -qq update
  (cd debs && apt-get -qq -o APT::Sandbox::User=root download docker.io containerd runc tini)
  echo "deb $MIRROR trixie main" >/etc/apt/sources.list.d/trixie.list
  apt-get -qq update
  (cd debs && apt-get -qq -o APT::Sandbox::User=root download docker.io/trixie docker-cli/trixie docker-buildx/trixie docker-compose/trixie)
fi

x() { local dir="/tmp/x/$1"; shift; mkdir -p "$dir"; local deb; for deb in "$@"; do dpkg-deb -x "$deb" "$dir"; done; }
x old debs/docker.io_${OLD}*_amd64.deb
x new debs/docker.io_${NEW}*_amd64.deb debs/docker-cli_${NEW}*_amd64.deb
x containerd debs/containerd_*_amd64.deb debs/runc_*_amd64.deb
x tini debs/tini_*_amd64.deb
x buildx debs/docker-buildx_*_amd64.deb
x compose debs/docker-compose_*_amd64.deb
"/tmp/x/old/usr/sbin/dockerd" --version | grep -q "$OLD"
"/tmp/x/new/usr/sbin/dockerd" --version | grep -q "$NEW"
# The upstream part of a Debian version: 1.6.20~ds1-1+deb12u3 -> 1.6.20.
deb_version() { local deb; for deb in debs/"$1"_*_amd64.deb; do dpkg-deb -f "$deb" Version | sed 's/[+~-].*//'; return; done; }
CONTAINERD="$(deb_version containerd)"
BUILDX="$(deb_version docker-buildx)"
COMPOSE="$(deb_version docker-compose)"

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

# spec NAME EPOCH VERSION REQUIRES SUMMARY; the %install body and %files list come from stdin.
spec() {
  local name="$1" epoch="$2" version="$3" requires="$4" summary="$5" body
  body="$(cat)"
  cat >"/tmp/specs/$name-$version.spec" <<EOF
%global debug_package %{nil}
%global __os_install_post %{nil}
%define _build_id_links none
Name:           $name
Epoch:          $epoch
Version:        $version
Release:        1.el9
Summary:        $summary (fleetops test build from Debian's binaries)
License:        Apache-2.0
ExclusiveArch:  x86_64
# The binaries come from Debian packages: their libraries are the Debian userland's, not rpm's.
AutoReqProv:    no
Provides:       $name = %{epoch}:%{version}-%{release}
${requires}

%description
$summary, packaged under Docker's package name for fleetops.docker_host's el_userland scenario from the
binaries of Debian's packages. Not a package Docker published.

$body
EOF
}
mkdir -p /tmp/specs
for v in "$OLD" "$NEW"; do
  if [ "$v" = "$OLD" ]; then src=/tmp/x/old; else src=/tmp/x/new; fi
  spec docker-ce 3 "$v" "Requires:       containerd.io >= 1.6
Requires:       docker-ce-cli" "The Docker engine (dockerd)" <<EOF
%pre
getent group docker >/dev/null || groupadd -r docker
%post
systemctl daemon-reload >/dev/null 2>&1 || :
%postun
systemctl daemon-reload >/dev/null 2>&1 || :
if [ \$1 -ge 1 ]; then systemctl try-restart docker.service >/dev/null 2>&1 || :; fi

%install
install -D -m 0755 $src/usr/sbin/dockerd %{buildroot}/usr/bin/dockerd
install -D -m 0755 $src/usr/sbin/docker-proxy %{buildroot}/usr/bin/docker-proxy
install -D -m 0755 /tmp/x/tini/usr/bin/tini-static %{buildroot}/usr/bin/docker-init
install -D -m 0644 /tmp/units/docker.service %{buildroot}/usr/lib/systemd/system/docker.service
install -D -m 0644 /tmp/units/docker.socket %{buildroot}/usr/lib/systemd/system/docker.socket

%files
/usr/bin/dockerd
/usr/bin/docker-proxy
/usr/bin/docker-init
/usr/lib/systemd/system/docker.service
/usr/lib/systemd/system/docker.socket
EOF
  spec docker-ce-cli 1 "$v" "" "The Docker CLI" <<EOF
%install
install -D -m 0755 $src/usr/bin/docker %{buildroot}/usr/bin/docker

%files
/usr/bin/docker
EOF
done
spec containerd.io 0 "$CONTAINERD" "Provides:       runc" "containerd and runc" <<'EOF'
%post
systemctl daemon-reload >/dev/null 2>&1 || :

%install
for tool in containerd containerd-shim containerd-shim-runc-v1 containerd-shim-runc-v2 ctr; do
  install -D -m 0755 /tmp/x/containerd/usr/bin/$tool %{buildroot}/usr/bin/$tool
done
install -D -m 0755 /tmp/x/containerd/usr/sbin/runc %{buildroot}/usr/bin/runc
install -D -m 0644 /tmp/units/containerd.service %{buildroot}/usr/lib/systemd/system/containerd.service
install -D -m 0644 /tmp/units/config.toml %{buildroot}/etc/containerd/config.toml

%files
/usr/bin/containerd
/usr/bin/containerd-shim
/usr/bin/containerd-shim-runc-v1
/usr/bin/containerd-shim-runc-v2
/usr/bin/ctr
/usr/bin/runc
/usr/lib/systemd/system/containerd.service
%config(noreplace) /etc/containerd/config.toml
EOF
spec docker-buildx-plugin 0 "$BUILDX" "" "The Docker buildx CLI plugin" <<'EOF'
%install
install -D -m 0755 /tmp/x/buildx/usr/libexec/docker/cli-plugins/docker-buildx %{buildroot}/usr/libexec/docker/cli-plugins/docker-buildx

%files
/usr/libexec/docker/cli-plugins/docker-buildx
EOF
spec docker-compose-plugin 0 "$COMPOSE" "" "The Docker compose CLI plugin" <<'EOF'
%install
install -D -m 0755 /tmp/x/compose/usr/libexec/docker/cli-plugins/docker-compose %{buildroot}/usr/libexec/docker/cli-plugins/docker-compose

%files
/usr/libexec/docker/cli-plugins/docker-compose
EOF

stable=/out/tree/centos/9/x86_64/stable
mkdir -p "$stable/Packages"
for s in /tmp/specs/*.spec; do
  # gzip level 1: the payloads are ~100 MB of Go binaries; xz would take minutes on a shared machine.
  rpmbuild -bb --quiet --define "_topdir /tmp/rpmbuild" --define "_rpmdir $stable/Packages" \
    --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
    --define "_binary_payload w1.gzdio" "$s"
done

# The throwaway signing key (RSA: what rpm's OpenPGP parser and dnf read everywhere).
export GNUPGHOME=/out/gnupg
mkdir -p "$GNUPGHOME"; chmod 0700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-generate-key "fleetops el_userland test repository (throwaway) <el-userland@fleetops.invalid>" rsa3072 sign never
fpr="$(gpg --batch --with-colons --list-secret-keys | awk -F: '$1=="fpr"{print $10; exit}')"
gpg --batch --armor --export "$fpr" >/out/tree/gpg
rpmsign --addsign --define "__gpg $(command -v gpg)" --define "_gpg_name $fpr" --define "_gpg_path $GNUPGHOME" "$stable"/Packages/*.rpm >/dev/null
createrepo_c --quiet "$stable"
gpg --batch --yes --armor --local-user "$fpr" --detach-sign "$stable/repodata/repomd.xml"
mkdir -p /out/tree/rhel
cp -al /out/tree/centos/9 /out/tree/rhel/9
# Docker publishes the key at the root of each distribution's tree (linux/centos/gpg, linux/rhel/gpg).
cp /out/tree/gpg /out/tree/centos/gpg
cp /out/tree/gpg /out/tree/rhel/gpg

# Check what was built, as dnf will: signatures against the exported key, the names and versions.
rpmkeys --import /out/tree/gpg
rpm -K "$stable"/Packages/*.rpm | tee /tmp/sigs
if grep -v 'digests signatures OK' /tmp/sigs; then exit 1; fi
gpg --batch --verify "$stable/repodata/repomd.xml.asc" "$stable/repodata/repomd.xml"
ls "$stable/Packages"
echo "$fpr" >/out/FINGERPRINT
echo "$OLD $NEW" >/out/VERSIONS
