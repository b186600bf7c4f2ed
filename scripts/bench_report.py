"""The benchmark's tables, from the runs scripts/bench.sh recorded.

    bench_report.py RUNS.tsv [HEADER]

RUNS.tsv has one line per run: n, transport, kind (first|floor|rerun|idle|anchor-first|anchor), repeat, wall s, changed,
ok tasks per host, controller CPU-s, hosts' CPU-s, engine CPU-s (CPU figures are totals over the N hosts;
an idle line carries the hosts' CPU-s per second in the wall column). Floor and rerun figures are the
medians over the repeats, each column on its own. Exit status 1 when a rerun reported a change.
"""

import statistics
import sys
from collections import defaultdict

# Issue 24: a no-change rerun costs at most 2.5x the floor at one host and 3.5x from five hosts on.
RERUN_OVER_FLOOR = {1: 2.5}
RERUN_OVER_FLOOR_MANY = 3.5
RERUN_GROWTH = 1.6  # rerun(N=5) / rerun(N=1)
RERUN_OVER_ANCHOR = 0.25  # and at most a quarter of geerlingguy.docker's no-change rerun (FLEETOPS_BENCH_ANCHOR)


def load(path):
    runs = defaultdict(list)
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            n, transport, kind, _repeat, wall, changed, tasks, ctl, hosts, engine = line.rstrip("\n").split("\t")
            runs[(int(n), transport, kind)].append(
                {"wall": float(wall), "changed": int(changed), "tasks": float(tasks), "ctl": float(ctl), "hosts": float(hosts), "engine": float(engine)}
            )
    return runs


def median(runs, key):
    return statistics.median(r[key] for r in runs)


def rows(runs):
    """One dict per (n, transport) that has floors and reruns."""
    out = []
    for n, transport, kind in sorted(runs):
        if kind != "rerun" or (n, transport, "floor") not in runs:
            continue
        rerun, floor = runs[(n, transport, "rerun")], runs[(n, transport, "floor")]
        first = runs.get((n, transport, "first"))
        idle = runs.get((n, "-", "idle"))
        row = {
            "n": n,
            "transport": transport,
            "first": first[0] if first else None,
            "idle": idle[0]["wall"] / n if idle else None,
            "rerun_changed": sum(r["changed"] for r in rerun),
            "tasks": median(rerun, "tasks"),
        }
        for key in ("wall", "ctl", "hosts", "engine"):
            row["rerun_" + key] = median(rerun, key) / (1 if key == "wall" else n)
            row["floor_" + key] = median(floor, key) / (1 if key == "wall" else n)
        row["rerun_cpu"] = row["rerun_ctl"] + row["rerun_hosts"] + row["rerun_engine"]
        row["floor_cpu"] = row["floor_ctl"] + row["floor_hosts"] + row["floor_engine"]
        out.append(row)
    return out


def table(header, lines):
    widths = [max(len(str(x)) for x in column) for column in zip(header, *lines)]
    for line in [header, *lines]:
        print("  ".join(str(x).rjust(w) if i > 1 else str(x).ljust(w) for i, (x, w) in enumerate(zip(line, widths))))


def ratio(a, b):
    return a / b if b else float("nan")


def main():
    runs = load(sys.argv[1])
    if len(sys.argv) > 2:
        print(sys.argv[2])
    result = rows(runs)
    print("\nTime (wall seconds; floor and rerun are medians):")
    table(
        ["N", "transport", "first (s)", "first changed", "rerun (s)", "rerun changed", "tasks/host", "floor (s)", "rerun/floor"],
        [
            [
                r["n"],
                r["transport"],
                "%.1f" % r["first"]["wall"] if r["first"] else "-",
                r["first"]["changed"] if r["first"] else "-",
                "%.1f" % r["rerun_wall"],
                r["rerun_changed"],
                "%.0f" % r["tasks"],
                "%.1f" % r["floor_wall"],
                "%.2f" % ratio(r["rerun_wall"], r["floor_wall"]),
            ]
            for r in result
        ],
    )
    print("\nCPU-seconds per host (medians; controller = ansible-playbook tree + ssh masters, hosts = the hosts' cgroups,")
    print("engine = dockerd + containerd + the hosts' shims and docker-proxy on this machine; dockerd and containerd also")
    print("serve any other client of this engine, so on a shared machine that column holds their work too):")
    table(
        [
            "N",
            "transport",
            "ctl rerun",
            "ctl floor",
            "hosts rerun",
            "hosts floor",
            "engine rerun",
            "engine floor",
            "total rerun",
            "total floor",
            "CPU rerun/floor",
            "hosts idle/s",
        ],
        [
            [r["n"], r["transport"]]
            + ["%.2f" % r[k] for k in ("rerun_ctl", "floor_ctl", "rerun_hosts", "floor_hosts", "rerun_engine", "floor_engine", "rerun_cpu", "floor_cpu")]
            + ["%.2f" % ratio(r["rerun_cpu"], r["floor_cpu"]), "%.3f" % r["idle"] if r["idle"] is not None else "-"]
            for r in result
        ],
    )
    print()
    by = {(r["n"], r["transport"]): r for r in result}
    for r in result:
        value = ratio(r["rerun_wall"], r["floor_wall"])
        target = RERUN_OVER_FLOOR.get(r["n"], RERUN_OVER_FLOOR_MANY)
        verdict = "met" if value <= target else "NOT met"
        print("rerun/floor at N=%d over %s = %.2f (target <= %.1f: %s)" % (r["n"], r["transport"], value, target, verdict))
    for transport in sorted({r["transport"] for r in result}):
        one, five = by.get((1, transport)), by.get((5, transport))
        if one and five:
            print("rerun(N=5) / rerun(N=1) over %s = %.2f (target <= %.1f)" % (transport, ratio(five["rerun_wall"], one["rerun_wall"]), RERUN_GROWTH))
            print(
                "floor(N=5) / floor(N=1) over %s = %.2f (the same growth for the least a run can do)"
                % (transport, ratio(five["floor_wall"], one["floor_wall"]))
            )
    anchors = [(n, runs[(n, t, k)]) for n, t, k in sorted(runs) if k == "anchor"]
    for n, anchor in anchors:
        ours = by.get((n, "docker"))
        if not ours:
            continue
        value = ratio(ours["rerun_wall"], median(anchor, "wall"))
        print(
            "rerun/anchor at N=%d over docker = %.2f (ours %.1f s, geerlingguy.docker's %.1f s, changed=%d, %.0f tasks/host;"
            " target <= %.2f: %s)"
            % (
                n,
                value,
                ours["rerun_wall"],
                median(anchor, "wall"),
                sum(a["changed"] for a in anchor),
                median(anchor, "tasks"),
                RERUN_OVER_ANCHOR,
                "met" if value <= RERUN_OVER_ANCHOR else "NOT met",
            )
        )
    if not anchors:
        print("rerun/anchor: not measured (set FLEETOPS_BENCH_ANCHOR to a checkout of geerlingguy.docker)")
    bad = ["N=%d/%s" % (r["n"], r["transport"]) for r in result if r["rerun_changed"]]
    print("rerun changed=0 at every N and transport" if not bad else "rerun reported changes at " + ", ".join(bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
