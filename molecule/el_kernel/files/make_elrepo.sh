#!/usr/bin/env bash
# Build a local ELRepo-like tree (laid out like www.elrepo.org and elrepo.org/linux) for the el_kernel scenario:
#   <tree>/RPM-GPG-KEY-elrepo.org, <tree>/RPM-GPG-KEY-v2-elrepo.org      the signing keys (throwaway, made here)
#   <tree>/elrepo-release-<N>.el<N>.elrepo.noarch.rpm                     /etc/yum.repos.d/elrepo.repo + the keys
#   <tree>/linux/{elrepo,testing,kernel,extras}/el<N>/x86_64/             repositories (repodata/ by createrepo_c)
#   <tree>/linux/kernel/el<N>/x86_64/RPMS/kernel-ml-<V>-1.el<N>.elrepo.x86_64.rpm
# for N in 9 and 10. The kernel-ml RPM carries a real kernel: the image, System.map, config and a set of
# modules (overlay, bridge, br_netfilter and what they need, with depmod's indexes) of Debian 12's
# linux-image package, unpacked with dpkg-deb -x (never installed) and renamed to ELRepo's
# VERSION-RELEASE.ARCH. It is a test package, not an ELRepo kernel. Packages are signed with the throwaway v2
# key (v1 exists for EL 9's repo file, which lists both as ELRepo's does); the HTTPS server's certificate comes
# from a throwaway CA made here. GNUPGHOME and the CA key stay under the output directory (never committed).
# Everything runs in a throwaway container of the EL-tooling image (rpmbuild, rpmsign, createrepo_c, gpg, apt-get).
# Usage: make_elrepo.sh OUTPUT_DIR BASE_URL SERVER_IP   (reused when built by the same recipe for the same URL)
# Writes OUTPUT_DIR/{tree/,gnupg/,ca/,debs/,FINGERPRINT_V1,FINGERPRINT_V2,KERNEL_VERSION,RECIPE}.
set -euo pipefail
IMAGE="${FLEETOPS_EL_IMAGE:-fleetops/el9-tooling-debian:12}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ "${1:-}" != --inside ]; then
  out="${1:?usage: make_elrepo.sh OUTPUT_DIR BASE_URL SERVER_IP}"; base_url="${2:?BASE_URL}"; server_ip="${3:?SERVER_IP}"
  mkdir -p "$out"; out="$(cd "$out" && pwd)"
  recipe="$( (cat "$HERE/make_elrepo.sh"; echo "$base_url $server_ip") | sha256sum | cut -c1-16)"
  # The throwaway keys expire after a day (sign 1d): a tree older than 20 hours is built again.
  if [ "$(cat "$out/RECIPE" 2>/dev/null)" = "$recipe" ] && [ -s "$out/tree/linux/kernel/el9/x86_64/repodata/repomd.xml" ] \
     && [ -n "$(find "$out/RECIPE" -mmin -1200 2>/dev/null)" ]; then
    echo "==> ELRepo-like tree in $out present (reuse)" >&2; exit 0
  fi
  rm -rf "$out/tree" "$out/gnupg" "$out/ca" "$out/FINGERPRINT_V1" "$out/FINGERPRINT_V2" "$out/KERNEL_VERSION" "$out/RECIPE"
  # On a machine where the EL-tooling image is not there yet (public CI runs this scenario on real EL platforms),
  # its own build entry point makes it.
  docker image inspect "$IMAGE" >/dev/null 2>&1 || "$HERE/../../images/build.sh" el9
  echo "==> building the ELRepo-like tree in $out (in a throwaway $IMAGE container)" >&2
  docker run --rm --network bridge -e BASE_URL="$base_url" -e SERVER_IP="$server_ip" -v "$out:/out" \
    -v "$HERE/make_elrepo.sh:/make_elrepo.sh:ro" --entrypoint /bin/bash "$IMAGE" /make_elrepo.sh --inside \
    >"$out/build.log" 2>&1 || { tail -40 "$out/build.log" >&2; exit 1; }
  echo "$recipe" >"$out/RECIPE"
  echo "==> ELRepo-like tree built: kernel-ml $(cat "$out/KERNEL_VERSION"), keys $(cat "$out/FINGERPRINT_V1") / $(cat "$out/FINGERPRINT_V2")" >&2
  exit 0
fi

# --- inside the throwaway container (BASE_URL and SERVER_IP come from docker run -e) ---
: "${BASE_URL:?}" "${SERVER_IP:?}"
set -x
cd /out
mkdir -p debs
if ! ls debs/linux-image-6.*-amd64_*.deb >/dev/null 2>&1; then
  apt-get -qq update
  image_pkg="$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-6/ {print $2; exit}')"
  (cd debs && apt-get -qq -o APT::Sandbox::User=root download "$image_pkg")
fi
deb="$(find debs -name 'linux-image-6.*-amd64_*.deb' | sort | tail -1)"
debian_kver="$(dpkg-deb -f "$deb" Package | sed 's/^linux-image-//')"   # 6.1.0-41-amd64
upstream="$(dpkg-deb -f "$deb" Version | sed 's/-.*//')"                # 6.1.158
rm -rf /tmp/k && mkdir -p /tmp/k && dpkg-deb -x "$deb" /tmp/k
test -s "/tmp/k/boot/vmlinuz-$debian_kver"

# Throwaway keys: v1 and v2 (EL 9's repo file lists both, EL 10's v2 only); packages are signed with v2.
export GNUPGHOME=/out/gnupg
mkdir -p "$GNUPGHOME" && chmod 0700 "$GNUPGHOME"
for name in v1 v2; do
  gpg --batch --pinentry-mode loopback --passphrase '' --quick-gen-key \
    "fleetops el_kernel throwaway $name (test only) <el-kernel-$name@fleetops.invalid>" rsa2048 sign 1d
done
fpr() { gpg --with-colons --fingerprint "el-kernel-$1@fleetops.invalid" | awk -F: '/^fpr/ {print $10; exit}'; }
fpr v1 >/out/FINGERPRINT_V1; fpr v2 >/out/FINGERPRINT_V2
mkdir -p /out/tree
gpg --armor --export "$(cat /out/FINGERPRINT_V1)" >/out/tree/RPM-GPG-KEY-elrepo.org
gpg --armor --export "$(cat /out/FINGERPRINT_V2)" >/out/tree/RPM-GPG-KEY-v2-elrepo.org

# Throwaway CA and the HTTPS server's certificate (for SERVER_IP): kernel_ml fetches ELRepo's keys over https only.
mkdir -p /out/ca
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=fleetops el_kernel throwaway CA" \
  -keyout /out/ca/ca.key -out /out/ca/ca.crt 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=$SERVER_IP" -keyout /out/ca/server.key -out /tmp/server.csr 2>/dev/null
printf 'subjectAltName=IP:%s\n' "$SERVER_IP" >/tmp/san.ext
openssl x509 -req -in /tmp/server.csr -CA /out/ca/ca.crt -CAkey /out/ca/ca.key -CAcreateserial -days 2 \
  -extfile /tmp/san.ext -out /out/ca/server.crt 2>/dev/null

sign() {
  rpmsign --addsign --define "__gpg $(command -v gpg)" --define "_gpg_name $(cat /out/FINGERPRINT_V2)" \
    --define "_gpg_path $GNUPGHOME" --define "_gpg_digest_algo sha256" "$@" >/dev/null
}

for major in 9 10; do
  kver="$upstream-1.el$major.elrepo.x86_64"
  top="/tmp/rpmbuild-el$major"; root="$top/root"
  rm -rf "$top"; mkdir -p "$root/boot" "$root/lib/modules/$kver/kernel"
  cp "/tmp/k/boot/vmlinuz-$debian_kver" "$root/boot/vmlinuz-$kver"
  cp "/tmp/k/boot/vmlinuz-$debian_kver" "$root/lib/modules/$kver/vmlinuz"   # EL 9+ keeps one there (kernel-install)
  cp "/tmp/k/boot/System.map-$debian_kver" "$root/boot/System.map-$kver"
  cp "/tmp/k/boot/config-$debian_kver" "$root/boot/config-$kver"
  src="/tmp/k/lib/modules/$debian_kver"
  cp "$src/modules.order" "$src/modules.builtin" "$src/modules.builtin.modinfo" "$root/lib/modules/$kver/"
  (cd "$src" && find kernel/fs/overlayfs kernel/net/bridge kernel/net/802 kernel/net/llc -name '*.ko*' -print0 \
     | tar --null -T - -cf -) | tar -C "$root/lib/modules/$kver" -xf -
  depmod -b "$root" "$kver"
  test -s "$root/lib/modules/$kver/modules.dep"
  cat >"$top/kernel-ml.spec" <<SPEC
Name: kernel-ml
Version: $upstream
Release: 1.el$major.elrepo
Summary: Test package laid out like ELRepo's kernel-ml: Debian's $debian_kver kernel image and modules
License: GPL-2.0-only
BuildArch: x86_64
AutoReqProv: no
Provides: kernel-ml-core = %{version}-%{release}, kernel-ml-modules = %{version}-%{release}
%description
Debian 12's kernel $debian_kver (image, System.map, config, overlay/bridge/br_netfilter modules) renamed
to $kver, for fleetops.docker_host's el_kernel test scenario. Not an ELRepo kernel; never booted there.
%install
cp -a $root/. %{buildroot}/
%posttrans
# As ELRepo's kernel-ml does on EL 9+: let kernel-install add the boot entry where the host has one (grubby).
if [ -x /usr/bin/kernel-install ] && [ -x /usr/sbin/grubby ]; then /usr/bin/kernel-install add $kver /lib/modules/$kver/vmlinuz || :; fi
%files
/boot/vmlinuz-$kver
/boot/System.map-$kver
/boot/config-$kver
/lib/modules/$kver
SPEC
  repos_v="baseurl=$BASE_URL/linux/%s/el$major/\$basearch/"
  if [ "$major" = 9 ]; then keys="file:///etc/pki/rpm-gpg/RPM-GPG-KEY-elrepo.org file:///etc/pki/rpm-gpg/RPM-GPG-KEY-v2-elrepo.org"
  else keys="file:///etc/pki/rpm-gpg/RPM-GPG-KEY-v2-elrepo.org"; fi
  {
    echo "### Name: ELRepo.org Community Enterprise Linux Repository for el$major (a local test tree laid out like ELRepo's)"
    for id in elrepo elrepo-testing elrepo-kernel elrepo-extras; do
      path="${id#elrepo-}"; [ "$id" = elrepo ] && path=elrepo
      enabled=0; [ "$id" = elrepo ] && enabled=1
      echo ""; echo "[$id]"; echo "name=ELRepo.org Community Enterprise Linux Repository ($id) - el$major"
      # shellcheck disable=SC2059
      printf "$repos_v\n" "$path"
      echo "enabled=$enabled"; echo "countme=1"; echo "gpgcheck=1"; echo "gpgkey=$keys"
    done
  } >"$top/elrepo.repo"
  cat >"$top/elrepo-release.spec" <<SPEC
Name: elrepo-release
Version: $major.0
Release: 1.el$major.elrepo
Summary: Test package laid out like ELRepo's elrepo-release: repository file and signing keys
License: GPL-2.0-only
BuildArch: noarch
AutoReqProv: no
%description
/etc/yum.repos.d/elrepo.repo pointing at the local test tree $BASE_URL, and its (throwaway) signing keys.
%install
install -D -m 0644 $top/elrepo.repo %{buildroot}/etc/yum.repos.d/elrepo.repo
install -D -m 0644 /out/tree/RPM-GPG-KEY-elrepo.org %{buildroot}/etc/pki/rpm-gpg/RPM-GPG-KEY-elrepo.org
install -D -m 0644 /out/tree/RPM-GPG-KEY-v2-elrepo.org %{buildroot}/etc/pki/rpm-gpg/RPM-GPG-KEY-v2-elrepo.org
%files
%config(noreplace) /etc/yum.repos.d/elrepo.repo
/etc/pki/rpm-gpg/RPM-GPG-KEY-elrepo.org
/etc/pki/rpm-gpg/RPM-GPG-KEY-v2-elrepo.org
SPEC
  for spec in kernel-ml elrepo-release; do
    rpmbuild -bb --define "_topdir $top" --define '_binary_payload w2.xzdio' "$top/$spec.spec" >"$top/$spec.log" 2>&1 \
      || { cat "$top/$spec.log"; exit 1; }
  done
  for id in elrepo testing kernel extras; do mkdir -p "/out/tree/linux/$id/el$major/x86_64/RPMS"; done
  cp "$top/RPMS/x86_64/kernel-ml-$upstream-1.el$major.elrepo.x86_64.rpm" "/out/tree/linux/kernel/el$major/x86_64/RPMS/"
  cp "$top/RPMS/noarch/elrepo-release-$major.0-1.el$major.elrepo.noarch.rpm" "/out/tree/elrepo-release-$major.el$major.elrepo.noarch.rpm"
  sign "/out/tree/linux/kernel/el$major/x86_64/RPMS/"*.rpm "/out/tree/elrepo-release-$major.el$major.elrepo.noarch.rpm"
  for id in elrepo testing kernel extras; do createrepo_c -q "/out/tree/linux/$id/el$major/x86_64"; done
done
# Every package is signed by the v2 key.
rpm --dbpath /tmp/verifydb --initdb && rpm --dbpath /tmp/verifydb --import /out/tree/RPM-GPG-KEY-v2-elrepo.org
signed=(/out/tree/linux/kernel/el*/x86_64/RPMS/*.rpm /out/tree/elrepo-release-*.rpm)
test "$(rpm --dbpath /tmp/verifydb -K "${signed[@]}" | tee /dev/stderr | grep -c ': digests signatures OK$')" = "${#signed[@]}"
echo "$upstream-1.el9.elrepo.x86_64" >/out/KERNEL_VERSION
