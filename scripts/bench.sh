#!/usr/bin/env bash
# Fleet-scale benchmark (not a timed test): for N local hosts, run site.yml twice and compare, in the same
# run, the first converge, the no-change rerun and the floor (facts + ping on the same hosts).
#   scripts/bench.sh [N...]     (default: 1 5 10)
# Prints one row per N and the ratios the project targets: rerun(N=1) <= 3x floor(N=1),
# rerun(N=5) <= 1.6x rerun(N=1), and a rerun that changes nothing.
# The floor and the rerun are taken FLEETOPS_BENCH_REPEAT times (default 3), interleaved, and the median is
# kept: a shared machine is noisy, and both sides of a ratio see the same noise. Every rerun must report
# changed=0. Runs use Ansible's default callbacks: the checkout's ansible.cfg adds profile_tasks for
# development, which costs a few milliseconds a task that a user's run does not pay.
set -euo pipefail
# shellcheck source=/dev/null
source "$(dirname "${BASH_SOURCE[0]}")/fleet.sh"
sizes=("$@"); [ "${#sizes[@]}" -gt 0 ] || sizes=(1 5 10)
prefix=fleetops-bench
out="$CACHE/bench"; mkdir -p "$out"
bootstrap_all
use_venv
export ANSIBLE_FORCE_COLOR=0
repeat="${FLEETOPS_BENCH_REPEAT:-3}"
grep -v '^callbacks_enabled' "$ROOT/ansible.cfg" >"$out/ansible.cfg"
export ANSIBLE_CONFIG="$out/ansible.cfg"
trap 'fleet_down "$prefix"' EXIT

timed_run() {  # label inventory playbook -> "seconds changed tasks_per_host"; log in $out/<label>.log
  local label="$1" inv="$2" playbook="$3" t0 t1
  t0=$(date +%s.%N)
  ansible-playbook -i "$inv" "$playbook" -e "fleetops_report_path=$out/report" >"$out/$label.log" 2>&1 \
    || { echo "run $label failed; see $out/$label.log" >&2; tail -30 "$out/$label.log" >&2; return 1; }
  t1=$(date +%s.%N)
  awk -v t0="$t0" -v t1="$t1" '
    /^PLAY RECAP/ {recap=1; next}
    recap && / : ok=/ && $1 != "localhost" {
      for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "ok") ok += kv[2]; if (kv[1] == "changed") ch += kv[2] }
      hosts++ }
    END { printf "%.1f %d %.0f\n", t1 - t0, ch, (hosts ? ok / hosts : 0) }' "$out/$label.log"
}

median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

results="$out/results.tsv"; : >"$results"
for n in "${sizes[@]}"; do
  say "N=$n: starting $n hosts"
  fleet_down "$prefix"
  mapfile -t distros < <(for _ in $(seq 1 "$n"); do echo debian12; done)
  fleet_up "$prefix" "${distros[@]}"
  fleet_inventory "$prefix" "$out/inventory-$n.yml"
  say "N=$n: first converge"; read -r first first_changed _ < <(timed_run "first-$n" "$out/inventory-$n.yml" "$ROOT/playbooks/site.yml")
  floors=(); reruns=(); rerun_changed=0
  for r in $(seq 1 "$repeat"); do
    say "N=$n: floor ($r/$repeat)"; read -r f _ _ < <(timed_run "floor-$n-$r" "$out/inventory-$n.yml" "$ROOT/scripts/bench-floor.yml")
    say "N=$n: rerun ($r/$repeat)"; read -r t c tasks < <(timed_run "rerun-$n-$r" "$out/inventory-$n.yml" "$ROOT/playbooks/site.yml")
    floors+=("$f"); reruns+=("$t"); rerun_changed=$((rerun_changed + c))
  done
  floor=$(median "${floors[@]}"); rerun=$(median "${reruns[@]}")
  say "N=$n: floor runs ${floors[*]} s, reruns ${reruns[*]} s (medians $floor, $rerun)"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$first" "$first_changed" "$rerun" "$rerun_changed" "$tasks" "$floor" >>"$results"
done

echo
echo "fleetops.docker_host benchmark ($(nproc) cores, $(date -u +%Y-%m-%d), Docker $(docker version --format '{{.Server.Version}}'))"
printf '%-4s %12s %14s %10s %14s %12s %8s %12s\n' N "first (s)" "first changed" "rerun (s)" "rerun changed" "tasks/host" "floor (s)" "rerun/floor"
awk -F'\t' '{printf "%-4s %12s %14s %10s %14s %12s %8s %12.2f\n", $1, $2, $3, $4, $5, $6, $7, $4 / $7}' "$results"
awk -F'\t' '
  $1 == 1 { r1 = $4; f1 = $7 } $1 == 5 { r5 = $4; f5 = $7 } { if ($5 != 0) bad = bad " N=" $1 }
  END {
    if (r1) printf "rerun(N=1) / floor(N=1) = %.2f (target <= 3.0)\n", r1 / f1
    if (r1 && r5) printf "rerun(N=5) / rerun(N=1) = %.2f (target <= 1.6)\n", r5 / r1
    if (f1 && f5) printf "floor(N=5) / floor(N=1) = %.2f (the same growth for the least a run can do)\n", f5 / f1
    print (bad == "" ? "rerun changed=0 on every N" : "rerun reported changes at" bad)
  }' "$results"
