#!/usr/bin/env bash
# The daemon_json differential (tests/differential/): daemon_json's own validation against a real dockerd 26.
# 1. Builds the judge image fleetops-differential:judge from tests/differential/judge/ on the local Debian 13
#    image (molecule/images/build.sh 13 first when that is missing): Debian 13's docker.io from Debian's archive.
#    The image is reused while its recipe (that directory) is unchanged.
# 2. Starts the judge container fleetops-differential (systemd as PID 1, the capabilities DinD needs, as the
#    docker_daemon scenario's hosts), runs the tests against it, removes it, and prints the counts.
# Usage: scripts/differential.sh [pytest args...]      Takes about 4-5 minutes (each case starts a dockerd).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JUDGE_DIR="$ROOT/tests/differential/judge"
IMAGE=fleetops-differential:judge
CONTAINER=fleetops-differential
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

docker image inspect fleetops/debian-systemd:13 >/dev/null 2>&1 || bash "$ROOT/molecule/images/build.sh" 13
recipe="$( (docker image inspect -f '{{.Id}}' fleetops/debian-systemd:13; cat "$JUDGE_DIR"/*) | sha256sum | cut -c1-16)"
if [ "$(docker image inspect -f '{{ index .Config.Labels "fleetops.recipe" }}' "$IMAGE" 2>/dev/null)" != "$recipe" ]; then
  echo "==> docker build -> $IMAGE (Debian 13's docker.io)" >&2
  docker build -q --label "fleetops.recipe=$recipe" -t "$IMAGE" "$JUDGE_DIR" >/dev/null
else
  echo "==> $IMAGE present (reuse)" >&2
fi

docker rm -f "$CONTAINER" >/dev/null 2>&1 || true
trap 'docker rm -f "$CONTAINER" >/dev/null 2>&1 || true' EXIT
# No CAP_SYS_RESOURCE (this machine refuses it): the ulimit cases stay below the judge's own limit (20000 here).
docker run -d --name "$CONTAINER" --cap-add SYS_ADMIN --cap-add NET_ADMIN \
  --security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined \
  --cgroupns host -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run --tmpfs /run/lock --tmpfs /tmp \
  --tmpfs /var/lib/docker --network none "$IMAGE" >/dev/null
for _ in $(seq 1 60); do
  state="$(docker exec "$CONTAINER" systemctl is-system-running 2>/dev/null || true)"
  case "$state" in running|degraded) break ;; esac
  sleep 1
done
echo "==> judge $CONTAINER: systemd $state; $(docker exec "$CONTAINER" dockerd --version)" >&2

use_venv
cd "$ROOT"
start=$SECONDS
status=0
FLEETOPS_DIFFERENTIAL_CONTAINER="$CONTAINER" python -m pytest -q -p no:cacheprovider tests/differential "$@" || status=$?
python - <<'PY'
import json
rows = json.load(open('.cache/differential/daemon_json.json'))
uses = sum(r['dockerd_uses'] for r in rows)
print('==> %d configurations: dockerd 26 uses %d, refuses %d; daemon_json accepts %d, refuses %d' % (
    len(rows), uses, len(rows) - uses, sum(r['module_accepts'] for r in rows),
    sum(not r['module_accepts'] for r in rows)))
print('    dockerd refuses, daemon_json lets through: %s' % ([r['name'] for r in rows
      if not r['dockerd_uses'] and r['module_accepts'] and not r['known']] or 'none'))
print('    dockerd uses, daemon_json refuses: %s' % ([r['name'] for r in rows
      if r['dockerd_uses'] and not r['module_accepts'] and not r['known']] or 'none'))
print('    known differences (tests/differential/daemon_json_cases.py): %s' % (
    ', '.join(r['name'] for r in rows if r['known']) or 'none'))
print('    dockerd refused at: %s' % ', '.join('%s %d' % (stage, sum(1 for r in rows if r['dockerd_stage'] == stage))
                                          for stage in ('validate', 'start', 'run')))
print('    daemon_json rewrote %d, dockerd refuses the rewrite: %s' % (
    sum(r['written_differs'] for r in rows),
    [r['name'] for r in rows if r['dockerd_uses_written'] is False] or 'none'))
PY
echo "==> differential: $((SECONDS - start)) s" >&2
exit "$status"
