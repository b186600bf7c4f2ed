#!/usr/bin/env bash
# Build the local systemd images Molecule and the demo fleet use, without any registry:
# debootstrap a Debian suite, `docker import` it as fleetops/debian-base:<N>, then add systemd
# and python3 with the Dockerfile beside this script -> fleetops/debian-systemd:<N>.
# `hello` builds fleetops/hello:latest, a busybox-only image (about 1 MB) from the host's busybox-static,
# and saves it to an archive for the `docker run <image> echo hello` proof on registry-less hosts.
# `el9` builds fleetops/el9-tooling-debian:12 (el9/Dockerfile): EL 9 package tooling (dnf, rpm, createrepo-c,
# versionlock) and EL 9 release files on the Debian 12 image. It is not Rocky Linux nor any EL release.
# Usage: build.sh [--rebuild] [11|12|13|el9|hello ...]   (default: 12)
# Images that exist are reused unless --rebuild is given.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MIRROR="${FLEETOPS_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
rebuild=0
versions=()
for arg in "$@"; do
  case "$arg" in
    --rebuild) rebuild=1 ;;
    11|12|13|el9|hello) versions+=("$arg") ;;
    *) echo "usage: $0 [--rebuild] [11|12|13|el9|hello ...]" >&2; exit 2 ;;
  esac
done
[ "${#versions[@]}" -gt 0 ] || versions=(12)

recipe="$(cat "$HERE/Dockerfile" "$HERE/build.sh" | sha256sum | cut -c1-16)"
suite_of() { case "$1" in 11) echo bullseye ;; 12) echo bookworm ;; 13) echo trixie ;; esac; }

build_hello() {
  local archive="${FLEETOPS_HELLO_ARCHIVE:-$HERE/../../.cache/images/hello.tar}"
  if [ "$rebuild" = 0 ] && docker image inspect fleetops/hello:latest >/dev/null 2>&1 && [ -s "$archive" ]; then
    echo "==> fleetops/hello:latest present (reuse)" >&2; return 0
  fi
  local root; root="$(mktemp -d)"
  mkdir -p "$root/bin"
  cp /bin/busybox "$root/bin/busybox"
  local tool
  for tool in sh echo cat ls true; do ln -s busybox "$root/bin/$tool"; done
  echo "==> docker import -> fleetops/hello:latest, saved to $archive" >&2
  tar -C "$root" -c . | docker import -c 'CMD ["/bin/echo", "hello"]' - fleetops/hello:latest >/dev/null
  rm -rf "$root"
  mkdir -p "$(dirname "$archive")"
  docker save -o "$archive" fleetops/hello:latest
}

build_el9() {
  local image=fleetops/el9-tooling-debian:12 el_recipe
  el_recipe="$recipe-$(cat "$HERE"/el9/* | sha256sum | cut -c1-16)"
  if [ "$rebuild" = 0 ] && [ "$(docker image inspect -f '{{ index .Config.Labels "fleetops.recipe" }}' "$image" 2>/dev/null)" = "$el_recipe" ]; then
    echo "==> $image present (reuse; --rebuild to build again)" >&2; return 0
  fi
  echo "==> docker build -> $image (EL 9 package tooling on a Debian 12 userland, not Rocky Linux)" >&2
  docker build -q --build-arg BASE=fleetops/debian-systemd:12 --label "fleetops.recipe=$el_recipe" -t "$image" "$HERE/el9" >/dev/null
}

# el9 builds on the Debian 12 image: build that first.
for v in "${versions[@]}"; do [ "$v" != el9 ] || { versions=(12 "${versions[@]}"); break; }; done
for v in "${versions[@]}"; do
  if [ "$v" = hello ]; then build_hello; continue; fi
  if [ "$v" = el9 ]; then build_el9; continue; fi
  image="fleetops/debian-systemd:$v"
  base="fleetops/debian-base:$v"
  # Reuse only an image built from this recipe: a changed Dockerfile or script rebuilds it (machines
  # that keep images between runs, like CI's, would otherwise test with a stale image).
  if [ "$rebuild" = 0 ] && [ "$(docker image inspect -f '{{ index .Config.Labels "fleetops.recipe" }}' "$image" 2>/dev/null)" = "$recipe" ]; then
    echo "==> $image present (reuse; --rebuild to build again)" >&2
    continue
  fi
  if [ "$rebuild" = 1 ] || ! docker image inspect "$base" >/dev/null 2>&1; then
    suite="$(suite_of "$v")"
    root="$(mktemp -d /var/tmp/fleetops-rootfs-XXXXXX)"
    trap 'rm -rf "$root"' EXIT
    echo "==> debootstrap $suite (Debian $v) from $MIRROR" >&2
    debootstrap --variant=minbase "$suite" "$root" "$MIRROR" >"$root.log" 2>&1 \
      || { tail -30 "$root.log" >&2; exit 1; }
    rm -f "$root.log"
    # Point apt at the mirror in the same form the suite's own images use.
    echo "deb $MIRROR $suite main" >"$root/etc/apt/sources.list"
    echo "==> docker import -> $base" >&2
    tar -C "$root" -c . | docker import - "$base" >/dev/null
    rm -rf "$root"; trap - EXIT
  fi
  echo "==> docker build -> $image" >&2
  docker build -q --build-arg "BASE=$base" --label "fleetops.recipe=$recipe" -t "$image" "$HERE" >/dev/null
done
