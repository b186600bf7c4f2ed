"""Run one ansible-playbook for the benchmark and say what it cost: wall time and CPU-seconds by side.

    bench_run.py --log FILE [--container NAME ...] [--control-dir DIR] -- ansible-playbook ARGS...
    bench_run.py --idle SECONDS --container NAME ...


Prints one tab-separated line (totals over all hosts, seconds):
    wall  changed  ok_tasks_per_host  controller_cpu  hosts_cpu  engine_cpu

- controller_cpu: user+sys of the ansible-playbook process tree (the rusage of the waited child, which holds
  every worker, `docker exec` client and short-lived ssh it reaped), plus the SSH ControlMaster processes
  that ControlPersist detached from the tree (their own user+sys, read from /proc before they are closed).
  The masters are closed after every run, so each run opens its connections as a fresh run does.
- hosts_cpu: the CPU the bench containers' cgroups used during the run (cgroup v1 cpuacct.usage, or cgroup v2
  cpu.stat usage_usec): sshd, the modules' Python, the hosts' own services.
- engine_cpu: the Docker engine on this machine, which serves every `docker exec` and publishes the SSH ports:
  dockerd and containerd (their own time and that of the children they reaped), the bench containers'
  containerd-shim processes and their docker-proxy processes (own time). runc's time is not in it: the shim
  reaps runc together with the exec'd commands, whose CPU the hosts' cgroups already hold.
The log of the run goes to FILE; a breakdown of the CPU figures to FILE with the suffix .cpu.
With --idle, nothing is run: prints the hosts' cgroup CPU-seconds per second over SECONDS (all hosts), what
their own services (systemd, the Docker engine inside each host) cost while nobody talks to them.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid, children=False):
    """User+sys seconds of a live process (and of the children it reaped), 0.0 if it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # fields[0] is the state (field 3 of stat): utime, stime, cutime, cstime are fields 14-17.
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLK_TCK


def processes():
    """(pid, comm, argv) of every process."""
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % name) as f:
                comm = f.read().strip()
            with open("/proc/%s/cmdline" % name, "rb") as f:
                argv = [a.decode("utf-8", "replace") for a in f.read().split(b"\0") if a]
        except OSError:
            continue
        yield int(name), comm, argv


def inspect(names):
    """name -> {id, pid, ports} from docker inspect."""
    if not names:
        return {}
    out = subprocess.run(["docker", "inspect", *names], check=True, capture_output=True, text=True).stdout
    result = {}
    for c in json.loads(out):
        ports = []
        for bindings in (c["NetworkSettings"].get("Ports") or {}).values():
            ports += [b["HostPort"] for b in bindings or []]
        result[c["Name"].lstrip("/")] = {"id": c["Id"], "pid": c["State"]["Pid"], "ports": ports}
    return result


def cgroup_usage_file(pid, container_id):
    """The file that holds the container's cgroup CPU usage: v1 cpuacct.usage (ns) or v2 cpu.stat (usec).

    The container's cgroup is the ancestor of its init's cgroup whose name holds the container id (systemd in
    the container puts its init in a child cgroup such as init.scope).
    """
    v1 = v2 = None
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            _hierarchy, controllers, path = line.rstrip("\n").split(":", 2)
            if "cpuacct" in controllers.split(","):
                v1 = (controllers, path)
            elif controllers == "":
                v2 = path

    def container_root(path):
        parts = path.split("/")
        for i, part in enumerate(parts):
            if container_id in part:
                return "/".join(parts[: i + 1])
        return path

    if v1:
        controllers, path = v1
        for mount in ("/sys/fs/cgroup/" + controllers, "/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpuacct"):
            candidate = mount + container_root(path) + "/cpuacct.usage"
            if os.path.exists(candidate):
                return candidate
    if v2 is not None:
        candidate = "/sys/fs/cgroup" + container_root(v2) + "/cpu.stat"
        if os.path.exists(candidate):
            return candidate
    raise SystemExit("no cgroup CPU usage file found for pid %d (container %s)" % (pid, container_id[:12]))


def cgroup_cpu(path):
    with open(path) as f:
        if path.endswith("cpuacct.usage"):
            return int(f.read()) / 1e9
        for line in f:
            key, value = line.split()
            if key == "usage_usec":
                return int(value) / 1e6
    raise SystemExit("%s has no usage_usec" % path)


def engine_pids(containers):
    """{label: (pid, with_children)} for the engine processes that serve the bench containers."""
    ids = {c["id"] for c in containers.values()}
    ports = {p for c in containers.values() for p in c["ports"]}
    own_ns = os.readlink("/proc/self/ns/pid")
    pids = {}
    for pid, comm, argv in processes():
        try:
            if os.readlink("/proc/%d/ns/pid" % pid) != own_ns:
                continue  # an engine inside a container (a bench host's own, or another test's)
        except OSError:
            continue
        if comm in ("dockerd", "containerd"):
            pids["%s[%d]" % (comm, pid)] = (pid, True)
        elif comm.startswith("containerd-shim") and any(a in ids for a in argv):
            pids["shim[%d]" % pid] = (pid, False)
        elif comm == "docker-proxy" and "-host-port" in argv and argv[argv.index("-host-port") + 1] in ports:
            pids["docker-proxy[%d]" % pid] = (pid, False)
    return pids


def ssh_masters(control_dir):
    """{pid: socket} of the ControlMaster processes whose sockets are in control_dir ('ssh: <socket> [mux]')."""
    if not control_dir:
        return {}
    prefix = os.path.join(os.path.realpath(control_dir), "")
    masters = {}
    for pid, _ppid, argv in processes():
        if argv and argv[0].startswith("ssh: "):
            socket = argv[0][len("ssh: ") :].split(" ")[0]
            if os.path.realpath(socket).startswith(prefix):
                masters[pid] = socket
    return masters


def close_masters(masters):
    for pid, socket in masters.items():
        subprocess.run(["ssh", "-o", "ControlPath=" + socket, "-O", "exit", "bench"], capture_output=True, check=False)
        for _attempt in range(40):
            if not os.path.exists("/proc/%d" % pid):
                break
            time.sleep(0.05)
        else:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


def recap(log):
    """(changed, ok tasks per host) from the PLAY RECAP, localhost left out."""
    changed = ok = hosts = 0
    in_recap = False
    with open(log, errors="replace") as f:
        for line in f:
            if line.startswith("PLAY RECAP"):
                in_recap = True
                continue
            words = line.split()
            if in_recap and " : ok=" in line and words[0] != "localhost":
                counts = dict(w.split("=", 1) for w in words[2:] if "=" in w)
                ok += int(counts.get("ok", 0))
                changed += int(counts.get("changed", 0))
                hosts += 1
    return changed, (ok / hosts if hosts else 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--log")
    parser.add_argument("--idle", type=float)
    parser.add_argument("--container", action="append", default=[])
    parser.add_argument("--control-dir")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if args.idle is not None:
        usage_files = [cgroup_usage_file(c["pid"], c["id"]) for c in inspect(args.container).values()]
        before = sum(cgroup_cpu(path) for path in usage_files)
        time.sleep(args.idle)
        print("%.4f" % ((sum(cgroup_cpu(path) for path in usage_files) - before) / args.idle))
        return 0
    if not command or not args.log:
        parser.error("--log and a command are needed (or --idle)")

    close_masters(ssh_masters(args.control_dir))  # a stale master would make this run look cheaper
    containers = inspect(args.container)
    usage_files = {name: cgroup_usage_file(c["pid"], c["id"]) for name, c in containers.items()}
    engine = engine_pids(containers)

    hosts_before = {name: cgroup_cpu(path) for name, path in usage_files.items()}
    engine_before = {label: proc_cpu(pid, kids) for label, (pid, kids) in engine.items()}
    t0 = time.monotonic()
    with open(args.log, "w") as log:
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        _pid, status, rusage = os.wait4(child.pid, 0)
    wall = time.monotonic() - t0
    child.returncode = os.waitstatus_to_exitcode(status)
    masters = ssh_masters(args.control_dir)
    masters_cpu = {pid: proc_cpu(pid) for pid in masters}
    engine_after = {label: proc_cpu(pid, kids) for label, (pid, kids) in engine.items()}
    hosts_after = {name: cgroup_cpu(path) for name, path in usage_files.items()}
    close_masters(masters)

    tree = rusage.ru_utime + rusage.ru_stime
    controller = tree + sum(masters_cpu.values())
    hosts = {name: hosts_after[name] - hosts_before[name] for name in usage_files}
    # A process that ended during the run reads 0.0 afterwards: count none of its time rather than a negative.
    engine_used = {label: max(0.0, engine_after[label] - engine_before[label]) for label in engine}
    with open(args.log + ".cpu", "w") as f:
        json.dump(
            {
                "wall": wall,
                "rc": child.returncode,
                "controller_tree": tree,
                "ssh_masters": masters_cpu,
                "hosts": hosts,
                "cgroup_files": usage_files,
                "engine": engine_used,
            },
            f,
            indent=1,
            sort_keys=True,
        )
    if child.returncode != 0:
        print("run failed (rc %d); see %s" % (child.returncode, args.log), file=sys.stderr)
        with open(args.log, errors="replace") as f:
            sys.stderr.writelines(f.readlines()[-30:])
        return 1
    changed, ok_per_host = recap(args.log)
    print("%.2f\t%d\t%.0f\t%.3f\t%.3f\t%.3f" % (wall, changed, ok_per_host, controller, sum(hosts.values()), sum(engine_used.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
