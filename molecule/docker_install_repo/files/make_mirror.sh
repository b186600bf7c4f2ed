#!/usr/bin/env bash
# Build, inside the test host, an offline signed apt repository in Docker's layout:
#   /srv/mirror/debian/{gpg, dists/<codename>/stable/binary-<arch>/Packages, pool/...}
# served on http://127.0.0.1:8765. Packages: Debian's own docker.io engine and the dependencies the
# image lacks (real packages from Debian's archive, about 63 MB on bookworm), so the converge installs
# and starts a real engine from the mirror. The signing key is generated here, without a passphrase.
# Writes /srv/mirror/FINGERPRINT, /srv/mirror/VERSION (docker.io's) and /srv/mirror/OTHER_FINGERPRINT.
# Idempotent: an existing mirror is reused.
set -euo pipefail
ROOT=/srv/mirror
REPO=$ROOT/debian
PORT=8765
export GNUPGHOME=/root/.fleetops-mirror-gnupg LANG=C DEBIAN_FRONTEND=noninteractive
codename="$(. /etc/os-release && echo "$VERSION_CODENAME")"
arch="$(dpkg --print-architecture)"

if [ ! -s "$ROOT/FINGERPRINT" ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends apt-utils >/dev/null
  mkdir -p "$REPO/pool/main" "$REPO/dists/$codename/stable/binary-$arch"
  # The engine's dependency closure that this image does not have yet.
  mapfile -t pkgs < <(apt-get install -s --no-install-recommends docker.io | awk '/^Inst /{print $2}')
  chown _apt "$REPO/pool/main"  # apt downloads as _apt
  (cd "$REPO/pool/main" && apt-get download -qq "${pkgs[@]}")
  chown -R root "$REPO/pool/main"
  apt-cache show --no-all-versions docker.io | awk '/^Version:/ && !v {v = $2} END {print v}' >"$ROOT/VERSION"

  rm -rf "$GNUPGHOME"; mkdir -p "$GNUPGHOME"; chmod 0700 "$GNUPGHOME"
  gpg --batch --passphrase '' --quick-gen-key 'fleetops test mirror <mirror@fleetops.invalid>' rsa3072 sign never
  gpg --batch --passphrase '' --quick-gen-key 'fleetops unrelated key <other@fleetops.invalid>' rsa2048 sign never
  mapfile -t fprs < <(gpg --batch --with-colons --list-keys | awk -F: '$1=="pub"{p=1;next} $1=="fpr"&&p{print $10;p=0}')
  gpg --batch --armor --export "${fprs[0]}" >"$REPO/gpg"

  cd "$REPO"
  apt-ftparchive packages pool >"dists/$codename/stable/binary-$arch/Packages"
  gzip -9kf "dists/$codename/stable/binary-$arch/Packages"
  apt-ftparchive \
    -o APT::FTPArchive::Release::Origin=fleetops-test -o APT::FTPArchive::Release::Label=fleetops-test \
    -o APT::FTPArchive::Release::Suite="$codename" -o APT::FTPArchive::Release::Codename="$codename" \
    -o APT::FTPArchive::Release::Components=stable -o APT::FTPArchive::Release::Architectures="$arch" \
    release "dists/$codename" >"dists/$codename/Release"
  gpg --batch --yes --default-key "${fprs[0]}" --clearsign -o "dists/$codename/InRelease" "dists/$codename/Release"
  echo "${fprs[1]}" >"$ROOT/OTHER_FINGERPRINT"
  echo "${fprs[0]}" >"$ROOT/FINGERPRINT"
fi

systemctl is-active --quiet fleetops-mirror \
  || systemd-run --unit=fleetops-mirror --quiet python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$ROOT"
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/debian/gpg')" 2>/dev/null && exit 0
  sleep 0.2
done
echo "mirror did not come up on port $PORT" >&2
exit 1
