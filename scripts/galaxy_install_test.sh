#!/usr/bin/env bash
# Galaxy packaging test: build the tarball, install it into a temporary path, and check that
# ansible-doc lists and renders every module and that the playbooks resolve by FQCN.
# (The default Molecule scenario then runs site.yml from such an install against the fleet.)
set -euo pipefail
# shellcheck source=/dev/null
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_venv
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
installed="$(install_built_collection "$tmp/collections")"
export ANSIBLE_COLLECTIONS_PATH="$installed"
tar -tzf "$CACHE"/galaxy/build/fleetops-docker_host-*.tar.gz | sed 's|^|  tarball: |' | grep -E "/(plugins|roles|playbooks)/[^/]+/?$" || true
listed="$(ansible-doc -l fleetops.docker_host)"
echo "$listed"
status=0
for module in "$ROOT"/plugins/modules/[a-z]*.py; do
  [ -e "$module" ] || continue
  name="$(basename "$module" .py)"
  if ! grep -q "^fleetops.docker_host.$name " <<<"$listed"; then
    echo "FAIL: ansible-doc -l does not list fleetops.docker_host.$name" >&2; status=1
  elif ! ansible-doc fleetops.docker_host."$name" >/dev/null; then
    echo "FAIL: ansible-doc cannot render fleetops.docker_host.$name" >&2; status=1
  fi
done
# The *_info aliases (meta/runtime.yml redirects) resolve to their modules from the installed collection.
for alias in $(python -c 'import sys, yaml; print(" ".join(yaml.safe_load(open(sys.argv[1]))["plugin_routing"]["modules"]))' "$installed/ansible_collections/fleetops/docker_host/meta/runtime.yml"); do
  ansible-doc "fleetops.docker_host.$alias" >/dev/null || { echo "FAIL: the alias fleetops.docker_host.$alias does not resolve" >&2; status=1; }
done
if grep -E "^(scripts|molecule|\.config|\.venv[^/]*|\.cache|\.ci)/" <(tar -tzf "$CACHE"/galaxy/build/fleetops-docker_host-*.tar.gz); then
  echo "FAIL: the tarball carries test or build files (build_ignore in galaxy.yml)" >&2; status=1
fi
for playbook in "$ROOT"/playbooks/*.yml; do
  name="$(basename "$playbook" .yml)"
  ansible-playbook --syntax-check -i localhost, "fleetops.docker_host.$name" >/dev/null \
    || { echo "FAIL: fleetops.docker_host.$name does not resolve or parse" >&2; status=1; }
done

# The fleet report of an installed collection, run by FQCN as a user runs it: written in the directory the
# run starts from, never into the collection (here mounted read-only, as in an execution environment), the
# path said at the end of the run, the summary published with set_stats. Two hosts: this machine over the
# local connection, in check mode through the read-only preflight playbook (it changes nothing), and one
# that is unreachable (a closed loopback port); the report lists both. (A run whose every host is
# unreachable ends at its first play, as Ansible ends any play whose every host failed.)
run_dir="$tmp/run"; mkdir -p "$run_dir"
cat >"$tmp/inventory" <<'INVENTORY'
[docker_hosts]
controller-1 ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"
unreachable-1 ansible_host=127.0.0.1 ansible_port=9 ansible_user=nobody
INVENTORY
report_log="$tmp/report.log"
rc=0
(
  cd "$run_dir"
  unset ANSIBLE_CONFIG
  export ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_SHOW_CUSTOM_STATS=True ANSIBLE_FORCE_COLOR=0
  # A private mount namespace: the read-only bind mount is seen by this run only and goes with it.
  # shellcheck disable=SC2016 # $1 and $2 are the inner shell's arguments
  unshare -m bash -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && touch "$1/.probe" 2>/dev/null && exit 99
    ansible-playbook --check -i "$2" fleetops.docker_host.preflight' _ "$installed" "$tmp/inventory"
) >"$report_log" 2>&1 || rc=$?
sed 's/^/  report run: /' "$report_log" | tail -25
expected="Fleet report: $run_dir/fleet-report.check.html and $run_dir/fleet-report.check.md (check run: nothing was changed; the report of the last real run is left as it was)"
if [ "$rc" = 99 ]; then
  echo "FAIL: the collection path could not be made read-only for the report test" >&2; status=1
elif [ "$rc" != 4 ]; then  # 4: a host was unreachable (and the report written)
  echo "FAIL: the report run exited $rc, expected 4 (one unreachable host)" >&2; status=1
fi
# A check run writes its own report (fleet-report.check.*), never the real run's.
[ ! -e "$run_dir/fleet-report.md" ] || { echo "FAIL: a check run wrote $run_dir/fleet-report.md" >&2; status=1; }
for file in "$run_dir/fleet-report.check.md" "$run_dir/fleet-report.check.html"; do
  [ -s "$file" ] || { echo "FAIL: no report at $file (the directory the run started from)" >&2; status=1; }
done
for host in controller-1 unreachable-1; do
  grep -q "$host" "$run_dir/fleet-report.check.md" 2>/dev/null || { echo "FAIL: the report does not list $host" >&2; status=1; }
done
if find "$installed" \( -name 'fleet-report.md' -o -name 'fleet-report.html' -o -name 'fleet-report.check.*' \) | grep -q .; then
  echo "FAIL: a report was written into the installed collection" >&2; status=1
fi
last_report_line="$(grep -o 'Fleet report: [^"]*' "$report_log" | tail -1)"
[ "$last_report_line" = "$expected" ] \
  || { echo "FAIL: the run's last report line is '$last_report_line', expected '$expected'" >&2; status=1; }
# The recap's custom stats (set_stats), which AWX/AAP show as the job's artifacts.
python - "$report_log" "$run_dir" <<'PYTHON' || status=1
import json, sys
log, run_dir = open(sys.argv[1]).read(), sys.argv[2]
stats = json.loads(log.split("CUSTOM STATS:", 1)[1].split("RUN:", 1)[1].strip().splitlines()[0])
if "fleetops_report" in stats:
    sys.exit("FAIL: a check run published fleetops_report, the artifact of a real run")
stats = stats["fleetops_report_check"]
expected = {"hosts": 2, "failed": {"unreachable-1": ["unreachable"]}, "check_run": True,
            "files": [run_dir + "/fleet-report.check.html", run_dir + "/fleet-report.check.md"]}
wrong = {key: stats.get(key) for key in expected if stats.get(key) != expected[key]}
if wrong or set(stats.get("per_host", {})) != {"controller-1", "unreachable-1"}:
    sys.exit("FAIL: set_stats published fleetops_report %r, expected %r" % (stats, expected))
print("set_stats: fleetops_report_check lists %d hosts, the files %s" % (stats["hosts"], stats["files"]))
PYTHON
exit "$status"
