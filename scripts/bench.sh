#!/usr/bin/env bash
# Fleet-scale benchmark (not a timed test): for N local hosts, run site.yml and compare, in the same run, the
# first converge, the no-change rerun and the floor (facts + ping on the same hosts), over each transport.
#   scripts/bench.sh [N...]     (default: 1 5 10)
#   FLEETOPS_BENCH_TRANSPORTS="docker ssh"   (default both) how the controller reaches the hosts:
#     docker: community.docker.docker (docker exec); ssh: sshd in each host, reached on a loopback port
#     (127.0.0.1:<port> published by Docker, never a bridge address), ControlMaster/ControlPersist, pipelining.
#   FLEETOPS_BENCH_REPEAT=3     floor and rerun runs per N and transport (interleaved; medians kept)
#   FLEETOPS_BENCH_IDLE=10      seconds of idle hosts measured per N (their own services' CPU); 0 skips
#   FLEETOPS_BENCH_ANCHOR=DIR   also measure geerlingguy.docker (a checkout of it) on a fleet of the same size (below)
#   FLEETOPS_BENCH_PREFIX=fleetops-bench   the fleet's container names and label (two benchmarks on one machine)
# The same N hosts serve every transport: they converge once (over the first transport), then for each repeat
# and transport a floor and a rerun, so both sides of every ratio see the same noise of a shared machine.
# Prints, per N and transport, the wall times with rerun/floor (target <= 2.5 at N=1, <= 3.5 from N=2 on; rerun changed=0)
# and the CPU-seconds per host of the rerun and the floor: the controller (ansible-playbook's process tree and
# its ssh masters), the hosts' own cgroups, and this machine's Docker engine (scripts/bench_run.py says how
# each is measured). Exit status 1 when a rerun reports a change. Runs use Ansible's default callbacks: the
# checkout's ansible.cfg adds profile_tasks for development, which costs a few milliseconds a task that a
# user's run does not pay. Logs, inventories and the per-run records (runs.tsv) are under .cache/bench.
set -euo pipefail
# shellcheck source=/dev/null
source "$(dirname "${BASH_SOURCE[0]}")/fleet.sh"
sizes=("$@"); [ "${#sizes[@]}" -gt 0 ] || sizes=(1 5 10)
read -r -a transports <<<"${FLEETOPS_BENCH_TRANSPORTS:-docker ssh}"
for t in "${transports[@]}"; do
  case "$t" in docker|ssh) ;; *) echo "FLEETOPS_BENCH_TRANSPORTS: docker and/or ssh, not '$t'" >&2; exit 2 ;; esac
done
[ "${#transports[@]}" -gt 0 ] || { echo "FLEETOPS_BENCH_TRANSPORTS is empty" >&2; exit 2; }
for n in "${sizes[@]}"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [N...] (host counts, e.g. 1 5 10)" >&2; exit 2; }
done
repeat="${FLEETOPS_BENCH_REPEAT:-3}"
idle="${FLEETOPS_BENCH_IDLE:-10}"
prefix="${FLEETOPS_BENCH_PREFIX:-fleetops-bench}"
out="$CACHE/bench"; mkdir -p "$out"
control_dir="$out/ssh/cp"
if [[ " ${transports[*]} " == *" ssh "* ]]; then
  export FLEETOPS_FLEET_SSH_KEY="$out/ssh/id_ed25519" FLEETOPS_FLEET_SSH_CONTROL_DIR="$control_dir"
  mkdir -p "$control_dir"
fi
bootstrap_all
use_venv
export ANSIBLE_FORCE_COLOR=0
grep -v '^callbacks_enabled' "$ROOT/ansible.cfg" >"$out/ansible.cfg"
export ANSIBLE_CONFIG="$out/ansible.cfg"
# The anchor: geerlingguy.docker (FLEETOPS_BENCH_ANCHOR=<a checkout of github.com/geerlingguy/ansible-role-docker>;
# not shipped, not fetched here). It installs from Docker's repository, so its hosts are the upgrade scenario's:
# the same image made Ubuntu-shaped (NOT Ubuntu), serving the Docker-shaped tree of Debian's engine repackaged
# (molecule/upgrade/files/make_docker_tree.sh) on 127.0.0.1:8766. Its rerun is measured interleaved with ours
# (docker transport), on a fleet of the same size, and compared with our rerun: target <= 0.25x.
anchor="${FLEETOPS_BENCH_ANCHOR:-}"
if [ -n "$anchor" ]; then
  [ -f "$anchor/tasks/main.yml" ] || { echo "FLEETOPS_BENCH_ANCHOR: no role at $anchor (tasks/main.yml)" >&2; exit 2; }
  anchor="$(cd "$anchor" && pwd)"
  # The tree's newest docker-ce (26.1.6) is broken on purpose (the upgrade scenario's rollback): pin the pair before.
  anchor_vars="$out/anchor-vars.yml"
  cat >"$anchor_vars" <<EOF_VARS
bench_anchor_role: $anchor
docker_repo_url: http://127.0.0.1:8766/linux
docker_apt_gpg_key: http://127.0.0.1:8766/linux/ubuntu/gpg
docker_packages: [docker-ce=5:26.1.5-1~ubuntu.24.04~noble, docker-ce-cli=5:26.1.5-1~ubuntu.24.04~noble, containerd.io, docker-buildx-plugin]
EOF_VARS
fi
trap 'fleet_down "$prefix"; fleet_down "$prefix-anchor"' EXIT

runs="$out/runs.tsv"; : >"$runs"
measured_run() {  # n transport kind repeat playbook [fleet inventory extra-args...]: one run, its record appended to $runs
  local n="$1" transport="$2" kind="$3" r="$4" playbook="$5" fleet="${6:-$prefix}" inventory="${7:-$out/inventory-$1-$2.yml}"
  local line members=()
  shift 7 2>/dev/null || shift "$#"
  mapfile -t members < <(fleet_members "$fleet")
  line=$(python "$ROOT/scripts/bench_run.py" --log "$out/$kind-$n-$transport-$r.log" --control-dir "$control_dir" \
    "${members[@]/#/--container=}" -- \
    ansible-playbook -i "$inventory" "$playbook" -e "fleetops_report_path=$out/report" "$@")
  printf '%s\t%s\t%s\t%s\t%s\n' "$n" "$transport" "$kind" "$r" "$line" >>"$runs"
  read -r wall changed _ ctl hosts engine <<<"$line"
  echo "    $kind over $transport: ${wall} s, changed=$changed, CPU-s controller $ctl, hosts $hosts, engine $engine (N=$n)" >&2
}

for n in "${sizes[@]}"; do
  say "N=$n: starting $n hosts"
  fleet_down "$prefix"
  mapfile -t distros < <(for _ in $(seq 1 "$n"); do echo debian12; done)
  fleet_up "$prefix" "${distros[@]}"
  for t in "${transports[@]}"; do fleet_inventory "$prefix" "$out/inventory-$n-$t.yml" "$t"; done
  say "N=$n: first converge over ${transports[0]}"
  measured_run "$n" "${transports[0]}" first 1 "$ROOT/playbooks/site.yml"
  if [ "$idle" != 0 ]; then
    say "N=$n: hosts idle for $idle s"
    mapfile -t members < <(fleet_members "$prefix")
    per_s=$(python "$ROOT/scripts/bench_run.py" --idle "$idle" "${members[@]/#/--container=}")
    printf '%s\t-\tidle\t1\t%s\t0\t0\t0\t0\t0\n' "$n" "$per_s" >>"$runs"
  fi
  if [ -n "$anchor" ]; then
    say "N=$n: the anchor's $n hosts (Ubuntu-shaped, NOT Ubuntu: the upgrade scenario's prepare), its first converge"
    fleet_down "$prefix-anchor"
    FLEETOPS_FLEET_RUN_ARGS="-v $CACHE/docker-tree:/srv/docker-tree" fleet_up "$prefix-anchor" "${distros[@]}"
    fleet_inventory "$prefix-anchor" "$out/inventory-$n-anchor.yml" docker
    ansible-playbook -i "$out/inventory-$n-anchor.yml" "$ROOT/molecule/upgrade/prepare.yml" >"$out/anchor-prepare-$n.log" 2>&1 \
      || { tail -20 "$out/anchor-prepare-$n.log" >&2; exit 1; }
    # The anchor installs its dependencies (python3-debian) without reading the index first, as on its own test
    # images, which ship one: give its hosts Debian's index (prepare reads it only when it builds the tree).
    for m in $(fleet_members "$prefix-anchor"); do docker exec "$m" apt-get update -qq >>"$out/anchor-prepare-$n.log" 2>&1; done
    measured_run "$n" docker anchor-first 1 "$ROOT/scripts/bench-anchor.yml" "$prefix-anchor" "$out/inventory-$n-anchor.yml" \
      -e "@$anchor_vars"
  fi
  for r in $(seq 1 "$repeat"); do
    for t in "${transports[@]}"; do
      say "N=$n: floor and rerun over $t ($r/$repeat)"
      measured_run "$n" "$t" floor "$r" "$ROOT/scripts/bench-floor.yml"
      measured_run "$n" "$t" rerun "$r" "$ROOT/playbooks/site.yml"
      if [ -n "$anchor" ] && [ "$t" = docker ]; then
        measured_run "$n" docker anchor "$r" "$ROOT/scripts/bench-anchor.yml" "$prefix-anchor" "$out/inventory-$n-anchor.yml" \
          -e "@$anchor_vars"
      fi
    done
  done
  fleet_down "$prefix-anchor"
done

echo
python "$ROOT/scripts/bench_report.py" "$runs" \
  "fleetops.docker_host benchmark ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at the end, $(date -u +%Y-%m-%d), Docker $(docker version --format '{{.Server.Version}}'), repeat $repeat)"
