#!/usr/bin/env bash
# Issue 27's key files for the docker role (side_effect.yml), made inside the test host with gpg, and a tiny apt
# repository signed by the expected key (one empty package, fleetops-hostile-dummy) so that what apt trusts shows:
#   /srv/hostile-keys/two.gpg      the expected key and another one, binary (the role's key goes to a .asc file)
#   /srv/hostile-keys/two.asc      the same two keys, armoured (an operator's docker.asc holding both)
#   /srv/hostile-keys/expected.gpg the expected key alone, binary (an operator's binary key at docker.asc)
#   /srv/hostile-keys/secret.asc   a secret-key export of the expected key
#   /srv/hostile-keys/expired.asc  a key that expired in 2020
#   /srv/hostile-keys/{FINGERPRINT,OTHER_FINGERPRINT,EXPIRED_FINGERPRINT}
#   /srv/hostile-repo              dists/<codename>/stable (InRelease signed by the expected key), pool/
# Idempotent: existing files are reused.
set -euo pipefail
KEYS=${HOSTILE_KEYS:-/srv/hostile-keys}
REPO=${HOSTILE_REPO:-/srv/hostile-repo}
export GNUPGHOME=${HOSTILE_GNUPGHOME:-/root/.hostile-gnupg} LANG=C
codename="$(. /etc/os-release && echo "$VERSION_CODENAME")"
arch="$(dpkg --print-architecture)"
[ -s "$KEYS/FINGERPRINT" ] && exit 0

rm -rf "$GNUPGHOME" "$KEYS" "$REPO"
mkdir -p "$GNUPGHOME" "$KEYS" "$REPO/pool/main" "$REPO/dists/$codename/stable/binary-$arch"
chmod 0700 "$GNUPGHOME"
fpr() { gpg --batch --with-colons --list-keys "$1" | awk -F: '$1=="fpr"{print $10; exit}'; }
gpg --batch --passphrase '' --quick-gen-key 'hostile expected <expected@fleetops.invalid>' ed25519 sign never
gpg --batch --passphrase '' --quick-gen-key 'hostile other <other@fleetops.invalid>' ed25519 sign never
gpg --batch --passphrase '' --faked-system-time 20200101T000000 \
  --quick-gen-key 'hostile expired <expired@fleetops.invalid>' ed25519 sign 2d
expected="$(fpr expected@fleetops.invalid)"
other="$(fpr other@fleetops.invalid)"
expired="$(fpr expired@fleetops.invalid)"
gpg --batch --export "$expected" "$other" >"$KEYS/two.gpg"
gpg --batch --armor --export "$expected" "$other" >"$KEYS/two.asc"
gpg --batch --export "$expected" >"$KEYS/expected.gpg"
gpg --batch --pinentry-mode loopback --passphrase '' --armor --export-secret-keys "$expected" >"$KEYS/secret.asc"
gpg --batch --armor --export "$expired" >"$KEYS/expired.asc"
chmod 0600 "$KEYS/secret.asc"

package="$(mktemp -d)"
mkdir -p "$package/DEBIAN"
printf 'Package: fleetops-hostile-dummy\nVersion: 1.0\nArchitecture: all\nMaintainer: fleetops <t@fleetops.invalid>\nDescription: empty package of the hostile scenario\n' \
  >"$package/DEBIAN/control"
dpkg-deb --build --root-owner-group "$package" "$REPO/pool/main/fleetops-hostile-dummy_1.0_all.deb" >/dev/null
rm -rf "$package"
cd "$REPO"
apt-ftparchive packages pool >"dists/$codename/stable/binary-$arch/Packages"
apt-ftparchive -o APT::FTPArchive::Release::Suite="$codename" -o APT::FTPArchive::Release::Codename="$codename" \
  -o APT::FTPArchive::Release::Components=stable -o APT::FTPArchive::Release::Architectures="$arch" \
  release "dists/$codename" >"dists/$codename/Release"
gpg --batch --yes --default-key "$expected" --clearsign -o "dists/$codename/InRelease" "dists/$codename/Release"
echo "$other" >"$KEYS/OTHER_FINGERPRINT"
echo "$expired" >"$KEYS/EXPIRED_FINGERPRINT"
echo "$expected" >"$KEYS/FINGERPRINT"
