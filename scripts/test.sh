#!/usr/bin/env bash
# The whole test suite, the one way to run it (README, `make test`, .ci/run):
#   bootstrap -> lint (antsibull-nox: ruff) -> ansible-lint -> role docs -> examples -> actionlint (.github/workflows)
#   -> unit tests (main + compat line) -> ansible-test sanity (both lines) -> Galaxy build/install + ansible-doc
#   -> execution environment -> Molecule scenarios -> a sample of the fault injection (scripts/chaos.sh).
# The kernel_vm scenario (the longest job: QEMU without KVM) starts right after the bootstrap, beside the static
# gates, in one of the Molecule slots.
# Every gate runs even when an earlier one failed; the last line is the tally, and the exit code is
# non-zero when any gate failed. A Molecule run whose image cannot be had here is SKIPPED, never passed.
# Environment: FLEETOPS_JOBS (parallel Molecule scenarios, default 2), FLEETOPS_ONLY (space-separated
# gate or scenario names to run), FLEETOPS_SKIP_VM=1 skips the kernel_vm scenario (ignored when CI=true).
# FLEETOPS_SUITE_BUDGET (seconds, default 4800), FLEETOPS_SCENARIO_CAP (1500) and FLEETOPS_VM_CAP (3300) bound
# the Molecule runs; FLEETOPS_HEARTBEAT (300) is the interval of the "still running" lines.
set -uo pipefail
# shellcheck source=/dev/null
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# lib.sh turns on errexit for the scripts that source it; here a failing gate or scenario must be
# recorded and the run must go on to the tally, so errexit stays off.
set +e

LOGS="$CACHE/test-logs"
rm -rf "$LOGS"; mkdir -p "$LOGS"
RESULTS="$LOGS/results"; : >"$RESULTS"
touch "$LOGS/.started"  # files newer than this were written by this run
start_all=$(date +%s)

wanted() {  # gate name
  [ -z "${FLEETOPS_ONLY:-}" ] && return 0
  case " $FLEETOPS_ONLY " in *" $1 "*) return 0 ;; esac
  return 1
}

record() {  # name status seconds [note]
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-}" >>"$RESULTS"
  printf '\033[1m--> %-40s %s (%ss) %s\033[0m\n' "$1" "$2" "$3" "${4:-}" >&2
}

# Why a run failed, in one line (scripts/failure_reason.py: the first failed task and its message, or the first
# failed test), so the tally says the reason, not only where the log is. The log's path stays last in the note.
why() {  # log -> "reason; " or nothing
  local line
  line="$(python3 "$ROOT/scripts/failure_reason.py" "$1" 2>/dev/null | tr '\t' ' ' | sed 's/log: /log /g')"
  [ -z "$line" ] || printf '%s; ' "$line"
}

gate() {  # name command...   (output streams to the terminal and to a log)
  local name="$1"; shift
  wanted "$name" || return 0
  say "gate: $name"
  local t0=$SECONDS
  if "$@" 2>&1 | tee "$LOGS/$name.log"; then
    record "$name" PASSED $((SECONDS - t0))
  else
    record "$name" FAILED $((SECONDS - t0)) "$(why "$LOGS/$name.log")log: $LOGS/$name.log"
  fi
}

say "bootstrap: host packages, Docker engine"
{ ensure_host_packages && ensure_docker; } || { echo "bootstrap failed" >&2; exit 1; }

# The scenarios and their runs come from the one list of test platforms (scripts/platforms.py).
scenarios=()
mapfile -t all_scenarios < <(python3 "$ROOT/scripts/platforms.py" scenarios)
for s in "${all_scenarios[@]}"; do
  if [ "$s" = kernel_vm ] && [ "${FLEETOPS_SKIP_VM:-0}" = 1 ] && [ "${CI:-}" != true ]; then
    record "molecule $s" SKIPPED 0 "FLEETOPS_SKIP_VM=1 (local quick run)"; continue
  fi
  wanted "$s" || wanted molecule || continue
  scenarios+=("$s")
done
# The fault-injection sample (scripts/chaos.py, issue 31) is one more job of the Molecule scheduler, beside the
# scenarios rather than after them (its hosts are containers too): 8 cut points that rotate with the date (the seed
# and the replay command are in its log); `make chaos` runs the full set.
if wanted chaos || wanted molecule || [ -z "${FLEETOPS_ONLY:-}" ]; then scenarios+=(chaos); fi

# The slow builds (local images by debootstrap, the kernel_vm disk image) are mostly downloads and disk
# work: they run in the background while the virtualenvs are made and the static gates use the CPU.
# Molecule waits for the container images; the kernel_vm scenario waits for its disk image itself (the
# image build holds a lock), so the container scenarios need not wait for it. Reused when present.
images_pid=""; vm_image_pid=""
build_container_images() {
  local needed
  needed=$(for s in "${scenarios[@]}"; do [ "$s" = chaos ] || python3 "$ROOT/scripts/platforms.py" runs "$s"; done \
    | xargs python3 "$ROOT/scripts/platforms.py" build)
  # shellcheck disable=SC2086
  timeout 2400 "$ROOT/molecule/images/build.sh" $needed hello || return
  # el_userland's signed repository is built in its image (a few minutes of rpmbuild): here, beside the
  # static gates, rather than in the scenario's prepare (which builds it when missing).
  # The path is el_userland_repo_dir in molecule/el_userland/molecule.yml.
  case " ${scenarios[*]} " in
    *" el_userland "*) timeout 1200 "$ROOT/molecule/el_userland/files/make_el_repo.sh" "$CACHE/el-repo" ;;
  esac
}
wait_build() {  # name pid log
  [ -n "$2" ] || return 0
  say "waiting for $1 (log: $3)"
  local t0=$SECONDS
  if wait "$2"; then record "$1" PASSED $((SECONDS - t0)) "(built in the background; waited this long)"
  else record "$1" FAILED $((SECONDS - t0)) "$(why "$3")log: $3"; fi
}
if [ "${#scenarios[@]}" -gt 0 ]; then
  say "building the images Molecule needs in the background (logs: $LOGS/images.log, $LOGS/kernel_vm-image.log)"
  build_container_images >"$LOGS/images.log" 2>&1 &
  images_pid=$!
  case " ${scenarios[*]} " in
    *" kernel_vm "*)
      # Disowned: the job-slot accounting below (wait -n) must only see scenarios. Its exit code goes
      # to a file.
      { "$ROOT/molecule/kernel_vm/files/build_image.sh"; echo $? >"$LOGS/kernel_vm-image.rc"; } \
        >"$LOGS/kernel_vm-image.log" 2>&1 &
      vm_image_pid=$!; disown "$vm_image_pid" ;;
  esac
fi

# Molecule: every scenario on every run scripts/platforms.py gives it; scenarios in parallel, the distros of
# one scenario one after another (they share instance names).
# Every run is bounded: a scenario that hangs (a wedged VM, a stalled download) is stopped, recorded as
# FAILED with the tail of its log and cleaned up, so the suite always ends with its tally inside the CI
# limit. The bound is the smaller of the scenario's own cap and what is left of FLEETOPS_SUITE_BUDGET
# (seconds from the start of the suite, default 4800; CI stops at 5400).
SUITE_BUDGET="${FLEETOPS_SUITE_BUDGET:-4800}"
scenario_cap() {  # scenario -> seconds
  case "$1" in
    kernel_vm) echo "${FLEETOPS_VM_CAP:-3300}" ;;
    *) echo "${FLEETOPS_SCENARIO_CAP:-1500}" ;;
  esac
}
run_bounded() {  # seconds log command...  -> the command's exit code, 124 when it was stopped
  local limit="$1" log="$2" pid t0=$SECONDS
  shift 2
  # Its own session, so a stop reaches every process it started (molecule, ansible-playbook, ssh).
  # setsid execs in place when it can (then $! leads the session) and forks otherwise (then its child
  # does); --wait passes the command's exit code through either way.
  setsid --wait "$@" >"$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if [ $((SECONDS - t0)) -ge "$limit" ]; then
      echo "==> stopped by the test suite after ${limit}s" >>"$log"
      local sig leader
      for sig in TERM KILL; do
        for leader in "$pid" $(pgrep -P "$pid"); do kill "-$sig" -- "-$leader" 2>/dev/null; done
        [ "$sig" = TERM ] && sleep 20
      done
      wait "$pid" 2>/dev/null
      return 124
    fi
    sleep 1
  done
  wait "$pid"
}
run_chaos() {  # the fault-injection sample, bounded by FLEETOPS_CHAOS_CAP seconds (default 1500)
  local t0=$SECONDS log="$LOGS/chaos.log" limit="${FLEETOPS_CHAOS_CAP:-1500}" rc
  echo "chaos $(date +%s) $log" >"$LOGS/running.chaos"
  run_bounded "$limit" "$log" bash "$ROOT/scripts/chaos.sh" --sample 8 --jobs 2
  rc=$?
  rm -f "$LOGS/running.chaos"
  case $rc in
    0) record chaos PASSED $((SECONDS - t0)) "$(grep -m1 -o '[0-9]* of [0-9]* cut points recovered' "$log")" ;;
    124) record chaos FAILED $((SECONDS - t0)) "stopped after ${limit}s; log: $log" ;;
    *) record chaos FAILED $((SECONDS - t0)) "$(why "$log")log: $log" ;;
  esac
}
run_scenario() {  # scenario -> one result line per distro
  local scenario="$1" distro rc t0 limit log left
  if [ "$scenario" = chaos ]; then run_chaos; return; fi
  local distros; mapfile -t distros < <(python3 "$ROOT/scripts/platforms.py" runs "$scenario")
  for distro in "${distros[@]}"; do
    t0=$SECONDS
    log="$LOGS/molecule-$scenario-$distro.log"
    left=$((SUITE_BUDGET - ($(date +%s) - start_all) - 240))
    limit="$(scenario_cap "$scenario")"; [ "$left" -lt "$limit" ] && limit="$left"
    if [ "$limit" -le 60 ]; then
      record "molecule $scenario/$distro" FAILED 0 "not started: the suite budget (${SUITE_BUDGET}s) is spent"
      continue
    fi
    echo "$scenario/$distro $(date +%s) $log" >"$LOGS/running.$scenario"
    run_bounded "$limit" "$log" "$ROOT/scripts/molecule.sh" "$scenario" "$distro" test
    rc=$?
    rm -f "$LOGS/running.$scenario"
    case $rc in
      0) record "molecule $scenario/$distro" PASSED $((SECONDS - t0)) ;;
      3) record "molecule $scenario/$distro" SKIPPED $((SECONDS - t0)) "$(grep -m1 '^SKIPPED' "$log")" ;;
      124)
        record "molecule $scenario/$distro" FAILED $((SECONDS - t0)) "stopped after ${limit}s; $(why "$log")log: $log"
        # Leave no containers or VMs behind.
        run_bounded 300 "$log.destroy" "$ROOT/scripts/molecule.sh" "$scenario" "$distro" destroy ;;
      *) record "molecule $scenario/$distro" FAILED $((SECONDS - t0)) "$(why "$log")log: $log" ;;
    esac
  done
}
# While Molecule runs, a line every few minutes says what is still running and its current task, so a
# slow or stuck scenario shows in CI output as it happens.
heartbeat() {
  local f name started log task
  while sleep "${FLEETOPS_HEARTBEAT:-300}"; do
    for f in "$LOGS"/running.*; do
      [ -f "$f" ] || continue
      read -r name started log <"$f" || continue
      task="$(sed 's/\x1b\[[0-9;]*m//g' "$log" 2>/dev/null | grep -aoE '(TASK \[|INFO |\[kernel_vm\] ).*' | tail -1 | cut -c1-110)"
      printf '    ... %s running for %ss: %s\n' "$name" $(( $(date +%s) - started )) "$task" >&2
    done
  done
}

say "bootstrap: virtualenvs (the image builds go on meanwhile)"
{ ensure_venv && ensure_compat_venv && ensure_nox_venv; } || { echo "bootstrap failed" >&2; exit 1; }
use_venv

# The VM scenario (QEMU without KVM: one core for half an hour, the longest job by far) starts now, beside the static
# gates, in one of the FLEETOPS_JOBS Molecule slots; the container scenarios take the other slots after the gates, and
# its slot once it is done. (After the gates it would hold a slot alone for most of the Molecule phase.)
early_jobs=0; heartbeat_pid=""
case " ${scenarios[*]} " in
  *" kernel_vm "*)
    if [ "${FLEETOPS_JOBS:-2}" -gt 1 ]; then
      say "Molecule: kernel_vm now, beside the static gates (log: $LOGS/molecule-kernel_vm-*.log)"
      heartbeat & heartbeat_pid=$!
      run_scenario kernel_vm &
      early_jobs=1
      mapfile -t scenarios < <(printf '%s\n' "${scenarios[@]}" | grep -vx kernel_vm)
    fi ;;
esac

# antsibull-nox sessions (antsibull-nox.toml): ruff and the config lint, the collection docs as Galaxy and
# docs.ansible.com render them, unwanted files and trailing whitespace, the build and galaxy-importer. They find
# community.docker (for the docs' references) in the `ansible` package on ANSIBLE_COLLECTIONS_PATH: Galaxy is
# not reachable here.
nox_session() { (cd "$ROOT" && "$ROOT/.venv-nox/bin/nox" --reuse-existing-virtualenvs --no-color -s "$@"); }
gate lint nox_session lint
gate ansible-lint bash -c "cd '$ROOT' && ansible-lint --nocolor"
gate role-docs python "$ROOT/scripts/role_docs.py" --check
gate examples python "$ROOT/scripts/check_examples.py"
gate collection-docs nox_session docs-check
gate extra-checks nox_session extra-checks
gate actionlint "$ROOT/scripts/actionlint.sh"
gate unit-main bash -c "cd '$ROOT' && python -m pytest -q -p no:cacheprovider"
gate unit-compat bash -c "cd '$ROOT' && '$ROOT/.venv-216/bin/python' -m pytest -q -p no:cacheprovider"
gate sanity-main "$ROOT/scripts/sanity.sh" main
gate sanity-compat "$ROOT/scripts/sanity.sh" compat
gate galaxy "$ROOT/scripts/galaxy_install_test.sh"
gate galaxy-importer nox_session build-import-check
gate execution-environment "$ROOT/scripts/ee_test.sh"

if [ "${#scenarios[@]}" -gt 0 ] || [ "$early_jobs" -gt 0 ]; then
  say "Molecule: ${scenarios[*]} (${FLEETOPS_JOBS:-2} at a time, the VM's slot included; logs in $LOGS)"
  wait_build images "$images_pid" "$LOGS/images.log"  # also before `wait -n` below, which must only see scenarios
  # The fault-injection sample (the longest container job) first.
  mapfile -t scenarios < <(printf '%s\n' "${scenarios[@]}" | awk 'NF {print ($0=="chaos" ? 0 : 1) "\t" $0}' | sort | cut -f2)
  [ -n "$heartbeat_pid" ] || { heartbeat & heartbeat_pid=$!; }
  running=$early_jobs
  for s in "${scenarios[@]}"; do
    run_scenario "$s" &
    running=$((running + 1))
    if [ "$running" -ge "${FLEETOPS_JOBS:-2}" ]; then wait -n; running=$((running - 1)); fi
  done
  while [ "$running" -gt 0 ]; do wait -n; running=$((running - 1)); done
  kill "$heartbeat_pid" 2>/dev/null; wait "$heartbeat_pid" 2>/dev/null
fi
# The kernel_vm disk image build ran in the background: record how it went (the scenario waited for it).
if [ -n "$vm_image_pid" ]; then
  # Bounded too: when the scenarios are done the build has no reason to run on.
  for _ in $(seq 1 60); do kill -0 "$vm_image_pid" 2>/dev/null || break; sleep 5; done
  if kill -0 "$vm_image_pid" 2>/dev/null; then
    kill -TERM "$vm_image_pid" 2>/dev/null
    record "kernel_vm image" FAILED 0 "still building after the scenarios ended, stopped; log: $LOGS/kernel_vm-image.log"
  elif [ "$(cat "$LOGS/kernel_vm-image.rc" 2>/dev/null)" = 0 ]; then record "kernel_vm image" PASSED 0 "(built in the background)"
  else record "kernel_vm image" FAILED 0 "log: $LOGS/kernel_vm-image.log"; fi
fi

passed=$(awk -F'\t' '$2=="PASSED"' "$RESULTS" | wc -l)
failed=$(awk -F'\t' '$2=="FAILED"' "$RESULTS" | wc -l)
skipped=$(awk -F'\t' '$2=="SKIPPED"' "$RESULTS" | wc -l)
echo
echo "================ fleetops.docker_host test suite ($(( $(date +%s) - start_all ))s) ================"
awk -F'\t' '{printf "%-8s %-42s %6ss  %s\n", $2, $1, $3, $4}' "$RESULTS"
awk -F'\t' '$2=="FAILED" && match($4, /log: .*/) {print substr($4, RSTART + 5)}' "$RESULTS" | while read -r log; do
  [ -f "$log" ] || continue
  echo; echo "---- last lines of $log"; tail -40 "$log" | sed 's/\x1b\[[0-9;]*m//g'
  case "$log" in
    *kernel_vm*)  # what the VM itself printed last (serial console)
      for console in "$CACHE"/kernel_vm/last-console-*.log "$CACHE"/kernel_vm/firstboot.console.log; do
        [ "$console" -nt "$LOGS/.started" ] || continue  # written during this run
        echo; echo "---- last lines of $console"; tail -25 "$console" | sed 's/\x1b\[[0-9;]*m//g'
      done ;;
  esac
done
echo
echo "gates: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
