#!/usr/bin/env bash
# Build a signed apt repository laid out like Docker's, for the upgrade scenario (test only):
#   $ROOT/linux/ubuntu/{gpg, dists/noble/{InRelease,Release}, dists/noble/stable/binary-amd64/Packages,
#                       dists/noble/pool/stable/amd64/*.deb}
# It serves Docker's package names with Docker's version strings, REPACKAGED FROM DEBIAN 12's OWN ENGINE
# (docker.io 20.10, containerd 1.6, runc 1.1 from Debian's archive) with dpkg-deb. These are not Docker's
# binaries: every engine version below runs the same dockerd 20.10, under another version stamp. What the
# scenario proves with them is the package and restart mechanics (versions, holds, dockerd restarts,
# live-restore, rollback), not the behaviour of Docker's real 25.0 or 26.1 engines.
#   docker-ce, docker-ce-cli  5:25.0.5-1~ubuntu.24.04~noble  (the older line)
#                             5:26.1.4-1~ubuntu.24.04~noble  (patch pair, first)
#                             5:26.1.5-1~ubuntu.24.04~noble  (patch pair, second)
#                             5:26.1.6-1~ubuntu.24.04~noble  BROKEN on purpose: its dockerd exits 1 (rollback test)
#   containerd.io             1.6.28-1, 1.6.33-1             (Debian's containerd + runc, no epoch as Docker's)
#   docker-buildx-plugin, docker-compose-plugin: STUB packages (a script answering the CLI plugin metadata)
# Writes $ROOT/FINGERPRINT last. Idempotent: an existing tree is reused (it lives in a directory shared by the
# scenario's hosts). Runs on a Debian 12 host with access to Debian's archive.
set -euo pipefail
ROOT="${1:-/srv/docker-tree}"
REPO=$ROOT/linux/ubuntu
SUITE=noble
ARCH=amd64
POOL=dists/$SUITE/pool/stable/$ARCH
export LANG=C DEBIAN_FRONTEND=noninteractive
[ -s "$ROOT/FINGERPRINT" ] && exit 0
# Two scenarios (upgrade, bundle) may build the shared tree at the same moment: one builds, the other waits for it.
mkdir -p "$ROOT"
exec 9>"$ROOT/.build.lock"
flock 9
[ -s "$ROOT/FINGERPRINT" ] && exit 0

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export GNUPGHOME="$WORK/gnupg"
mkdir -p "$GNUPGHOME" "$REPO/$POOL" "$REPO/dists/$SUITE/stable/binary-$ARCH" "$WORK/debs"
chmod 0700 "$GNUPGHOME"
apt-get update -qq
apt-get install -y -qq --no-install-recommends apt-utils gpg >/dev/null
chown _apt "$WORK/debs"
(cd "$WORK/debs" && apt-get download -qq docker.io containerd runc)
for p in docker.io containerd runc; do
  mkdir -p "$WORK/src/$p"
  dpkg-deb -R "$WORK"/debs/"${p}"_*.deb "$WORK/src/$p"
done

# build NAME VERSION ROOTDIR DEPENDS [EXTRA CONTROL LINES]: one .deb into the pool.
build() {
  local name=$1 version=$2 dir=$3 depends=$4 extra=${5:-}
  mkdir -p "$dir/DEBIAN"
  {
    echo "Package: $name"
    echo "Version: $version"
    echo "Architecture: $ARCH"
    echo "Maintainer: fleetops test tree <tree@fleetops.invalid>"
    [ -n "$depends" ] && echo "Depends: $depends"
    [ -n "$extra" ] && printf '%s\n' "$extra"
    echo "Section: admin"
    echo "Priority: optional"
    echo "Description: fleetops TEST repackage under Docker's name, not Docker's package"
    echo " Built by molecule/upgrade/files/make_docker_tree.sh from Debian 12's engine packages"
    echo " (or a stub); same binaries under several version stamps."
  } >"$dir/DEBIAN/control"
  dpkg-deb --root-owner-group -Zgzip -z1 -b "$dir" "$REPO/$POOL/${name}_${version#*:}_$ARCH.deb" >/dev/null
}

# containerd.io: Debian's containerd and runc in one package, as Docker ships them.
for v in 1.6.28-1 1.6.33-1; do
  d="$WORK/pkg/containerd.io-$v"
  mkdir -p "$d"
  cp -a "$WORK/src/containerd/." "$WORK/src/runc/." "$d/"
  rm -rf "$d/DEBIAN"; mkdir -p "$d/DEBIAN"
  cat >"$d/DEBIAN/postinst" <<'SH'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  systemctl daemon-reload || true
  systemctl enable containerd.service >/dev/null 2>&1 || true
  if [ -n "$2" ]; then systemctl try-restart containerd.service || true; else systemctl start containerd.service || true; fi
fi
SH
  chmod 0755 "$d/DEBIAN/postinst"
  build containerd.io "$v" "$d" "libc6, libseccomp2" \
    "$(printf 'Provides: containerd, runc\nConflicts: containerd, runc\nReplaces: containerd, runc')"
done

# docker-ce-cli: Debian's docker client. docker-ce: the rest of docker.io, its maintainer scripts included.
engine() {  # engine VERSION CONTAINERD_MIN [broken]
  local v=$1 cmin=$2 broken=${3:-}
  local c="$WORK/pkg/cli-$v" e="$WORK/pkg/ce-$v"
  mkdir -p "$c/usr/bin" "$e"
  cp -a "$WORK/src/docker.io/usr/bin/docker" "$c/usr/bin/"
  build docker-ce-cli "$v" "$c" "libc6"
  cp -a "$WORK/src/docker.io/." "$e/"
  rm -f "$e/usr/bin/docker" "$e/DEBIAN/control" "$e/DEBIAN/md5sums" "$e/DEBIAN/conffiles"
  find "$e/etc" -type f | sed "s#^$e##" >"$e/DEBIAN/conffiles"
  if [ -n "$broken" ]; then
    mv "$e/usr/sbin/dockerd" "$e/usr/sbin/dockerd.fleetops-real"
    printf '#!/bin/sh\necho "fleetops test tree: this dockerd (%s) is broken on purpose" >&2\nexit 1\n' "$v" >"$e/usr/sbin/dockerd"
    chmod 0755 "$e/usr/sbin/dockerd"
  fi
  build docker-ce "$v" "$e" \
    "adduser, containerd.io (>= $cmin), docker-ce-cli, iptables, libc6, libdevmapper1.02.1, libsystemd0, tini" \
    "$(printf 'Conflicts: docker.io, docker-engine\nReplaces: docker.io, docker-engine')"
}
engine 5:25.0.5-1~ubuntu.24.04~noble 1.6.28
engine 5:26.1.4-1~ubuntu.24.04~noble 1.6.28
engine 5:26.1.5-1~ubuntu.24.04~noble 1.6.28
engine 5:26.1.6-1~ubuntu.24.04~noble 1.6.28 broken

# The CLI plugins: stubs that answer `docker-cli-plugin-metadata`, so `docker <plugin> version` works.
stub() {  # stub PACKAGE COMMAND VERSION
  local d="$WORK/pkg/$1-$3"
  mkdir -p "$d/usr/libexec/docker/cli-plugins"
  cat >"$d/usr/libexec/docker/cli-plugins/docker-$2" <<SH
#!/bin/sh
# fleetops test tree: a STUB of $1, not Docker's plugin.
if [ "\$1" = docker-cli-plugin-metadata ]; then
  echo '{"SchemaVersion":"0.1.0","Vendor":"fleetops test stub","Version":"$3","ShortDescription":"stub"}'
  exit 0
fi
echo "$2 $3 (fleetops test stub)"
SH
  chmod 0755 "$d/usr/libexec/docker/cli-plugins/docker-$2"
  build "$1" "$3" "$d" "" ""
}
stub docker-buildx-plugin buildx 0.14.1-1~ubuntu.24.04~noble
stub docker-compose-plugin compose 2.27.1-1~ubuntu.24.04~noble

gpg --batch --passphrase '' --quick-gen-key 'fleetops test Docker tree <tree@fleetops.invalid>' rsa3072 sign never 2>/dev/null
fpr="$(gpg --batch --with-colons --list-keys | awk -F: '$1=="fpr"{print $10; exit}')"
gpg --batch --armor --export "$fpr" >"$REPO/gpg"
cd "$REPO"
apt-ftparchive packages "dists/$SUITE/pool" >"dists/$SUITE/stable/binary-$ARCH/Packages"
gzip -9kf "dists/$SUITE/stable/binary-$ARCH/Packages"
apt-ftparchive \
  -o APT::FTPArchive::Release::Origin=Docker -o APT::FTPArchive::Release::Label="fleetops test tree" \
  -o APT::FTPArchive::Release::Suite="$SUITE" -o APT::FTPArchive::Release::Codename="$SUITE" \
  -o APT::FTPArchive::Release::Components=stable -o APT::FTPArchive::Release::Architectures="$ARCH" \
  release "dists/$SUITE" >"dists/$SUITE/Release"
gpg --batch --yes --default-key "$fpr" --clearsign -o "dists/$SUITE/InRelease" "dists/$SUITE/Release"
echo "$fpr" >"$ROOT/FINGERPRINT"
