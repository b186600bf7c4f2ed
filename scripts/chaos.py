"""Fault injection: runs of site.yml cut off at many points, each followed by the run that must finish the job.

  scripts/chaos.sh [--sample N] [--seed S] [--list] [--keep]      (make chaos: every cut point; make test: a sample)

One throwaway host (a systemd container of scripts/fleet.sh, Debian 12, the Kubernetes node stage on) is converged
once uninterrupted: its end state is the reference, and the run's task lines are the cut points. Then, for every
cut point, a fresh host (from the image it had when that point's stage began, so the cut lands in real work):
  1. site.yml starts and the controller is killed (SIGKILL of ansible-playbook's whole process group) when the
     point's task starts, after a small delay drawn from the seed; or at a random moment of the run; or, for the
     network cut, the host loses its network while its package step downloads (that run must fail the host naming
     the repository it could not reach);
  2. site.yml runs again (the network back): it must succeed and leave the host in the reference end state: the
     same packages, holds, daemon.json, containerd's config.toml, sysctl files and values, docker and containerd
     active, the hello container answering, `dpkg --audit` clean, no temporary file of the collection left;
  3. site.yml runs a third time: changed=0.
The last line says `N of M cut points recovered`; the exit code is non-zero unless N = M.
Standard library only, apart from the test resources' recap reader (molecule/resources/tests/fleet_checks.py)."""
import argparse
import datetime
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "molecule", "resources", "tests"))
from fleet_checks import recap  # noqa: E402  (the scenarios' own recap reader)

PREFIX = "fleetops-chaos"
HOST = PREFIX + "-1"
CACHE = os.path.join(ROOT, ".cache", "chaos")
FLEET = os.path.join(ROOT, "scripts", "fleet.sh")
BASE_IMAGE = "fleetops/debian-systemd:12"
TASK = re.compile(r"^TASK \[(?P<name>.+?)\] \*+")
ROLE_STAGE = {"k8s_sysctl": "sysctl", "docker": "docker", "docker_install_ubuntu": "docker", "docker_daemon": "daemon",
              "k8s_node": "k8s", "kernel_ml": "kernel"}
# The stages whose cut points start from the host as the docker stage left it (the image committed then), so the
# cut lands in their own work; the earlier ones start from a fresh host.
LATE_STAGES = ("daemon", "k8s", "report")
# The end state, read on the host: each line "key value".
STATE_SCRIPT = r"""
set -u
for p in docker.io containerd runc; do
  echo "package $p $(dpkg-query -W -f='${Version} ${Status}' "$p" 2>/dev/null || echo absent)"
done
echo "holds $(apt-mark showhold | sort | tr '\n' ' ')"
echo "dpkg-audit $(dpkg --audit 2>&1 | wc -l)"
for f in /etc/docker/daemon.json /etc/containerd/config.toml /etc/fstab $(ls /etc/sysctl.d/* /etc/modules-load.d/* \
    /etc/systemd/system/docker.service.d/* /etc/systemd/system/containerd.service.d/* 2>/dev/null); do
  echo "file $f $(sha256sum < "$f" 2>/dev/null | cut -c1-16 || echo missing)"
done
for u in docker containerd; do echo "active $u $(systemctl is-active "$u")"; done
for k in net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables net.ipv4.ip_forward; do
  echo "sysctl $k $(sysctl -n "$k" 2>/dev/null || echo missing)"
done
echo "hello $(timeout 60 docker run --rm fleetops/hello:latest echo hello 2>&1 | tail -1)"
echo "leftovers $(find /etc/docker /etc/containerd /etc/apt /etc/sysctl.d /etc/modules-load.d /etc/systemd/system \
  /var/lib/fleetops -xdev \( -name '.ansible_tmp*' -o -name '*.fleetops-tmp*' -o -name '.*.tmp' -o -name '*.dpkg-new' \
  -o -name '*.dpkg-tmp' \) 2>/dev/null | sort | tr '\n' ' ')"
"""


def say(text):
    print("==> " + text, file=sys.stderr, flush=True)


def sh(*argv, check=True, **kwargs):
    done = subprocess.run(list(argv), check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)
    if check and done.returncode != 0:
        raise SystemExit("chaos.py: %s failed (rc %s):\n%s" % (" ".join(argv), done.returncode, done.stdout[-3000:]))
    return done


class Fleet:
    """The one throwaway host, started from a given image, apt's downloads kept across hosts."""

    def __init__(self, inventory):
        self.inventory = inventory
        self.apt_cache = os.path.join(CACHE, "apt-archives")
        os.makedirs(os.path.join(self.apt_cache, "partial"), exist_ok=True)

    def up(self, image=BASE_IMAGE, apt_cache=True):
        # apt's downloads are shared between the hosts, except for the network cut (it must download).
        env = dict(os.environ, FLEETOPS_FLEET_IMAGE=image,
                   FLEETOPS_FLEET_RUN_ARGS="-v %s:/var/cache/apt/archives" % self.apt_cache if apt_cache else "")
        sh("bash", FLEET, "up", PREFIX, "debian12", env=env)

    def down(self):
        sh("bash", FLEET, "down", PREFIX, check=False)

    def commit(self, tag):
        image = "fleetops/chaos:%s" % tag
        sh("docker", "commit", HOST, image)
        return image

    def state(self):
        out = sh("docker", "exec", HOST, "bash", "-c", STATE_SCRIPT, check=False).stdout
        return dict(line.split(" ", 1) if " " in line else (line, "") for line in out.splitlines() if line)

    def network(self, connected):
        sh("docker", "network", "connect" if connected else "disconnect", "bridge", HOST, check=False)


def write_inventory(path):
    sh("bash", FLEET, "inventory", PREFIX, path)
    with open(path, "a") as handle:
        handle.write("    k8s_node_enabled: true\n    fleetops_report_path: %s/fleet-report\n" % CACHE)


class Run:
    """One ansible-playbook run of site.yml, read line by line; cut() kills the controller's whole process group."""

    def __init__(self, inventory, log, extra=()):
        argv = ["ansible-playbook", "-i", inventory, "fleetops.docker_host.site"] + list(extra)
        env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PYTHONUNBUFFERED="1")
        self.log = open(log, "w")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                     start_new_session=True, cwd=ROOT)
        self.started = time.monotonic()
        self.lines = []
        self.cut_at = None

    def __iter__(self):
        for line in self.proc.stdout:
            self.log.write(line)
            self.lines.append(line)
            yield line.rstrip("\n")

    def cut(self, why):
        self.cut_at = "%s after %.1f s" % (why, time.monotonic() - self.started)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def wait(self):
        for _line in self:
            pass
        self.proc.wait()
        self.log.write("\n==> exit %s%s\n" % (self.proc.returncode, "; cut: " + self.cut_at if self.cut_at else ""))
        self.log.close()
        return self.proc.returncode

    @property
    def output(self):
        return "".join(self.lines)


def stage_of(task):
    """The stage a task line belongs to, from its role prefix ("fleetops.docker_host.docker : Install ...")."""
    role = task.split(" : ", 1)[0].rsplit(".", 1)[-1] if " : " in task else ""
    return ROLE_STAGE.get(role, "report" if "report" in task.lower() else "preflight")


def full_run(inventory, log):
    run = Run(inventory, log)
    tasks = []
    for line in run:
        match = TASK.match(line)
        if match:
            tasks.append((match.group("name"), time.monotonic() - run.started))
    return run.wait(), run, tasks


def choose_points(tasks, duration, count, seed):
    """Cut points spread over the stages: distinct task names (every stage represented), random moments, and the
    network cut. count=None: every distinct task name (at least 40 points in all)."""
    rng = random.Random(seed)
    names, seen = [], set()
    for name, _started in tasks:
        if name not in seen:
            seen.add(name)
            names.append(name)
    by_stage = {}
    for name in names:
        by_stage.setdefault(stage_of(name), []).append(name)
    points = [{"kind": "network", "task": next((n for n in names if stage_of(n) == "docker" and "nstall" in n), None)}]
    if count is None:
        picked = names
        moments = 5
    else:
        # One point per stage first, then at random; a quarter of the sample are random moments.
        moments = max(1, count // 4)
        picked = [rng.choice(group) for group in by_stage.values()]
        rest = [n for n in names if n not in picked]
        rng.shuffle(rest)
        picked = (picked + rest)[:max(0, count - moments - 1)]
    points += [{"kind": "task", "task": name, "delay": round(rng.uniform(0, 1.5), 2)} for name in picked]
    points += [{"kind": "moment", "at": round(rng.uniform(3, max(4, duration * 0.95)), 1)} for _moment in range(moments)]
    return points


def start_image(point, images):
    if point["kind"] == "task" and stage_of(point["task"]) in LATE_STAGES:
        return images["after-docker"]
    return BASE_IMAGE


def interrupted_run(inventory, point, fleet, log):
    run = Run(inventory, log)
    for line in run:
        match = TASK.match(line)
        elapsed = time.monotonic() - run.started
        if point["kind"] == "moment" and elapsed >= point["at"]:
            run.cut("random moment")
        elif match and point["kind"] == "task" and match.group("name") == point["task"]:
            time.sleep(point["delay"])
            run.cut("at TASK [%s] + %ss" % (point["task"], point["delay"]))
        elif match and point["kind"] == "network" and match.group("name") == point["task"]:
            fleet.network(False)
            run.log.write("==> chaos: the host's network is cut\n")
            point["netcut"] = True
        if run.cut_at:
            break
    rc = run.wait()
    return rc, run


def compare(reference, state):
    keys = sorted(set(reference) | set(state))
    return ["%s: %r, reference %r" % (k, state.get(k), reference.get(k)) for k in keys if state.get(k) != reference.get(k)]


def check_point(point, fleet, images, logdir, index):
    """-> None when the host recovered, else why not."""
    inventory = fleet.inventory
    tag = "%02d-%s" % (index, point["kind"])
    fleet.up(start_image(point, images), apt_cache=point["kind"] != "network")
    rc, run = interrupted_run(inventory, point, fleet, os.path.join(logdir, tag + "-1-cut.log"))
    if point["kind"] == "network":
        fleet.network(True)
        if not point.get("netcut"):
            return "the network cut's task never started"
        if rc == 0:
            return "the run with the network cut succeeded: it must fail the host"
        if "deb.debian.org" not in run.output:
            return "the failed run does not name the repository it could not reach (deb.debian.org)"
    elif not run.cut_at:
        return "the run ended (rc %s) before the cut point came" % rc
    rc2, second, _tasks = full_run(inventory, os.path.join(logdir, tag + "-2-rerun.log"))
    if rc2 != 0:
        return "the run after the cut failed (rc %s): see %s" % (rc2, second.log.name)
    differences = compare(images["reference-state"], fleet.state())
    if differences:
        return "the end state differs from the uninterrupted run's: " + "; ".join(differences)
    rc3, third, _tasks = full_run(inventory, os.path.join(logdir, tag + "-3-again.log"))
    counts = recap(third.output).get(HOST, {})
    if rc3 != 0 or counts.get("changed") != 0:
        return "the third run was not a no-op (rc %s, %s): see %s" % (rc3, counts, third.log.name)
    return None


def describe(point):
    if point["kind"] == "task":
        return "TASK [%s] +%ss" % (point["task"], point["delay"])
    if point["kind"] == "moment":
        return "at %ss" % point["at"]
    return "network cut at TASK [%s]" % point["task"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sample", type=int, help="this many cut points (default: all)")
    parser.add_argument("--seed", type=int, default=int(datetime.date.today().strftime("%Y%m%d")),
                        help="chooses the sample and the delays (default: today's date, so the sample rotates)")
    parser.add_argument("--list", action="store_true", help="print the cut points and stop after the reference run")
    parser.add_argument("--keep", action="store_true", help="leave the last host running")
    args = parser.parse_args()
    os.makedirs(CACHE, exist_ok=True)
    logdir = tempfile.mkdtemp(prefix="run-", dir=CACHE)
    inventory = os.path.join(CACHE, "inventory.yml")
    fleet = Fleet(inventory)
    images = {}
    try:
        say("reference: one uninterrupted converge of a fresh host (logs: %s)" % logdir)
        fleet.up()
        write_inventory(inventory)
        sh("ansible-playbook", "-i", inventory, "fleetops.docker_host.site", "--tags", "preflight,sysctl,docker",
           cwd=ROOT, env=dict(os.environ, ANSIBLE_NOCOLOR="1"))
        images["after-docker"] = fleet.commit("after-docker")
        fleet.up()
        rc, run, tasks = full_run(inventory, os.path.join(logdir, "00-reference.log"))
        if rc != 0:
            say("the uninterrupted run failed (rc %s): see %s" % (rc, run.log.name))
            return 1
        images["reference-state"] = fleet.state()
        with open(os.path.join(logdir, "reference-state.json"), "w") as handle:
            json.dump(images["reference-state"], handle, indent=1)
        duration = time.monotonic() - run.started
        points = choose_points(tasks, duration, args.sample, args.seed)
        say("%d cut points (seed %d) over a %.0f s run" % (len(points), args.seed, duration))
        if args.list:
            for point in points:
                print(describe(point))
            return 0
        recovered, failures = 0, []
        for index, point in enumerate(points, 1):
            t0 = time.monotonic()
            why = check_point(point, fleet, images, logdir, index)
            verdict = "recovered" if why is None else "NOT recovered: " + why
            say("[%d/%d] %s: %s (%.0f s)" % (index, len(points), describe(point), verdict, time.monotonic() - t0))
            if why is None:
                recovered += 1
            else:
                failures.append((describe(point), why))
        for point, why in failures:
            print("FAILED %s: %s" % (point, why))
        print("%d of %d cut points recovered" % (recovered, len(points)))
        return 0 if recovered == len(points) else 1
    finally:
        if not args.keep:
            fleet.down()
        sh("docker", "image", "rm", "-f", "fleetops/chaos:after-docker", check=False)


if __name__ == "__main__":
    sys.exit(main())
