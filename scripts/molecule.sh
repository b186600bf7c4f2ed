#!/usr/bin/env bash
# Run one Molecule scenario on one distro: scripts/molecule.sh SCENARIO [DISTRO] [molecule command]
# DISTRO: a name of scripts/platforms.py (the one list of test platforms): debian11-13 and el9tooling are local
# images, built here; the others are registry images, for public CI. A registry image that cannot be
# pulled makes the run SKIPPED with the reason, exit code 3; it never counts as a pass.
set -euo pipefail
# shellcheck source=/dev/null
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
scenario="${1:?usage: molecule.sh SCENARIO [DISTRO] [test|converge|verify|destroy...]}"
distro="${2:-debian12}"
action="${3:-test}"

image_for() {  # the image a distro boots: scripts/platforms.py, the one list of test platforms
  python3 "$ROOT/scripts/platforms.py" image "$1"
}

use_venv
# DISTRO may name several distros joined by "+" (debian11+debian12+debian13): a scenario with several
# platforms gives platform N the Nth image (MOLECULE_IMAGE, MOLECULE_IMAGE_2, MOLECULE_IMAGE_3, ...),
# so one run converges a mixed fleet in parallel. Platforms beyond the list reuse the last image.
IFS=+ read -r -a parts <<<"$distro"
images=()
for part in "${parts[@]}"; do image="$(image_for "$part")" || exit 2; images+=("$image"); done
for image in "${images[@]}"; do
  case "$image" in
    fleetops/*) ;;  # built here (below)
    *)
      if ! docker image inspect "$image" >/dev/null 2>&1; then
        if ! reason="$(timeout 120 docker pull -q "$image" 2>&1)"; then
          echo "SKIPPED: scenario $scenario on $distro: image $image cannot be pulled here ($(echo "$reason" | tail -1))"
          exit 3
        fi
      fi ;;
  esac
done
mapfile -t local_versions < <(python3 "$ROOT/scripts/platforms.py" build "${parts[@]}")
"$ROOT/molecule/images/build.sh" ${local_versions[@]+"${local_versions[@]}"} hello
export MOLECULE_IMAGE="${images[0]}"
for n in 2 3 4 5; do
  i=$((n - 1)); [ "$i" -lt "${#images[@]}" ] || i=$((${#images[@]} - 1))
  export "MOLECULE_IMAGE_$n=${images[$i]}"
done
# The default scenario is also the Galaxy test: it runs site.yml by FQCN from the built and installed
# tarball, not from the checkout.
if [ "$scenario" = default ] && [ "$action" = test ]; then
  installed="$(install_built_collection "$CACHE/galaxy/default-scenario")"
  export ANSIBLE_COLLECTIONS_PATH="$installed:$VENV/lib/python3.12/site-packages"
  say "collection from the built tarball: $installed"
fi
# Molecule keeps its state per scenario; distinct names let scenarios run one after another safely.
export MOLECULE_DISTRO="$distro"
# The VM's SSH forward on 127.0.0.1: its usual port, or a free one when another program holds it.
if [ "$scenario" = kernel_vm ] && [ -z "${KERNEL_VM_SSH_PORT:-}" ]; then
  KERNEL_VM_SSH_PORT="$("$ROOT/scripts/free_port.sh" 52622)"; export KERNEL_VM_SSH_PORT
fi
# Per-task timings in every scenario log (Molecule writes its own ansible.cfg).
export ANSIBLE_CALLBACKS_ENABLED="${ANSIBLE_CALLBACKS_ENABLED:-ansible.builtin.profile_tasks}"
cd "$ROOT"
say "molecule $action -s $scenario on $distro (${images[*]})"
exec molecule "$action" -s "$scenario"
