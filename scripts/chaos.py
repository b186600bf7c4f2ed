"""Fault injection: runs of site.yml cut off at many points, each followed by the run that must finish the job.

  scripts/chaos.sh [--sample N] [--seed S] [--points 3,17] [--jobs J] [--list] [--keep]
  (make chaos: the full set; make test: a rotating sample of 8)

One throwaway host (a systemd container of scripts/fleet.sh, Debian 12, the Kubernetes node stage on) is converged
once uninterrupted: its end state is the reference, the run's task lines are the cut points, and the host is
committed as an image when the daemon stage and when the Kubernetes node stage begin. Then, for every cut point, a
fresh host (from the image of the point's stage, so the cut lands in real work; J hosts at a time):
  1. site.yml starts and the controller is killed (SIGKILL of ansible-playbook's whole process group) when the
     point's task starts, after a delay drawn from the seed within that task's duration in the reference run; or
     at a random moment of the run; or:
     - network: the host loses its network when its package step starts downloading the engine; that run must
       fail the host naming the repository it could not reach, leave dpkg clean and the engine not installed;
     - containerd restart: the controller is killed in containerd's restart and containerd's main process is
       killed with it (a restart cut off on the host: systemd starts containerd again, Restart=always);
     - containerd left stopped: the controller is killed in containerd's restart and containerd is stopped after
       it (systemctl stop: a restart cut between its stop and its start; dockerd stays up, it only Wants= it);
  2. site.yml runs again (the network back): it must succeed and leave the host in the reference end state: the
     same packages (every package's version and status) and holds, the same daemon.json, config.toml, sysctl,
     module, apt source and drop-in files, the sysctl values, docker and containerd enabled and active, dockerd
     running with daemon.json's settings and containerd with its config.toml (started after the file's last
     write), the hello container answering, `dpkg --audit` clean, no temporary file of the collection left;
  3. site.yml runs a third time: changed=0.
The last line says `N of M cut points recovered`; each failure is named with its cut point and the difference, and
the exit code is non-zero unless N = M. The seed (default: today's date) chooses the sample and the delays and is
printed, with each point's number: `--seed S --points 3,17` replays those points.
Standard library only, apart from the test resources' recap reader (molecule/resources/tests/fleet_checks.py)."""
import argparse
import datetime
import json
import os
import queue
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "molecule", "resources", "tests"))
from fleet_checks import recap  # noqa: E402  (the scenarios' own recap reader)

# FLEETOPS_CHAOS_PREFIX names the hosts (PREFIX-1 ..) and the snapshot images, so that two harnesses (the suite's
# sample and a full `make chaos`) can run side by side on one machine.
PREFIX = os.environ.get("FLEETOPS_CHAOS_PREFIX", "fleetops-chaos")
CACHE = os.path.join(ROOT, ".cache", "chaos")
FLEET = os.path.join(ROOT, "scripts", "fleet.sh")
BASE_IMAGE = "fleetops/debian-systemd:12"
TASK = re.compile(r"^TASK \[(?P<name>.+?)\] \*+")
PLAY = re.compile(r"^PLAY \[(?P<name>.+?)\] \*+")
STATUS = re.compile(r"^(?P<status>ok|changed|skipping|included|fatal|failed): ")
# The play titles of site.yml -> stage (checked against the reference run: an unknown play fails the harness).
PLAY_STAGE = (("Preflight", "preflight"), ("Kernel", "kernel"), ("Kubernetes sysctl", "sysctl"),
              ("Docker Engine", "docker"), ("Docker daemon", "daemon"), ("Docker Swarm", "swarm"),
              ("Kubernetes node", "k8s"), ("Fleet report", "report"))
# A cut point of a stage starts from the host as it was when this stage began (committed during the reference run).
SNAPSHOT_OF = {"daemon": "daemon", "swarm": "daemon", "k8s": "k8s", "report": "k8s"}
NETWORK_TASK = "Install the Docker packages and hold them at docker_version in one step"
CONTAINERD_TASK = "Restart containerd"
MOMENTS = 3
ENGINE_VERSION = "20.10.24"  # Debian 12's docker.io (20.10.24+dfsg1-1+deb12u1 and its updates)
LOOKS_PER_STAGE = 2
# The dnf transaction cut: EL 9's dnf and rpm on the EL tooling image, a probe package built there in two versions
# (the old one's %preun sleeps while /run/fleetops-chaos-slow exists, so the cut lands between the new version's
# install and the old one's erase), served from a local repository.
EL_IMAGE = "fleetops/el9-tooling-debian:12"
RPM_PROBE = "fleetops-chaos-probe"
RPM_SETUP = r"""
set -eu
mkdir -p /root/rpmbuild/SPECS /srv/fleetops-chaos-repo
cd /root/rpmbuild/SPECS
for v in 1.0 2.0; do
  cat >probe-$v.spec <<EOF
Name: fleetops-chaos-probe
Version: $v
Release: 1
Summary: The dnf transaction cut's probe
License: GPL-3.0-or-later
BuildArch: noarch
%description
The dnf transaction cut's probe.
%install
mkdir -p %{buildroot}/usr/share/fleetops-chaos-probe
echo $v > %{buildroot}/usr/share/fleetops-chaos-probe/version
%files
/usr/share/fleetops-chaos-probe/version
%preun
[ -e /run/fleetops-chaos-slow ] && sleep 60 || true
EOF
  rpmbuild -bb --quiet probe-$v.spec >/dev/null 2>&1
done
cp /root/rpmbuild/RPMS/noarch/fleetops-chaos-probe-*.rpm /srv/fleetops-chaos-repo/
createrepo_c -q /srv/fleetops-chaos-repo
printf '%s\n' '[fleetops-chaos]' 'name=fleetops chaos probe' 'baseurl=file:///srv/fleetops-chaos-repo' 'gpgcheck=0' \
  >/etc/yum.repos.d/fleetops-chaos.repo
"""
RUN_TIMEOUT = 900
# The end state, read on the host: each line "<kind> <what> <value>"; compared key by key ("<kind> <what>").
STATE_SCRIPT = r"""
set -u
dpkg-query -W -f='package ${Package} ${Version} ${db:Status-Abbrev}\n'
echo "holds all $(apt-mark showhold | sort | tr '\n' ' ')"
echo "dpkg-audit all $(dpkg --audit 2>&1 | tr '\n' ' ')"
for f in /etc/docker/daemon.json /etc/containerd/config.toml /etc/fstab /var/lib/fleetops/docker_daemon/applied.json \
    $(find /etc/sysctl.d /etc/modules-load.d /etc/apt/sources.list.d /etc/apt/preferences.d /etc/apt/keyrings \
      /etc/systemd/system/docker.service.d /etc/systemd/system/containerd.service.d /etc/containerd/certs.d \
      /etc/docker/certs.d -type f 2>/dev/null | sort); do
  if [ -e "$f" ]; then echo "file $f $(sha256sum < "$f" | cut -c1-16)"; else echo "file $f missing"; fi
done
for u in docker containerd; do echo "unit $u $(systemctl is-enabled "$u" 2>&1) $(systemctl is-active "$u" 2>&1)"; done
for k in $(sed -n 's/^[[:space:]]*\([a-z][a-z0-9_.-]*\)[[:space:]]*=.*/\1/p' /etc/sysctl.d/*.conf 2>/dev/null | sort -u); do
  echo "sysctl $k $(sysctl -n "$k" 2>&1)"
done
echo "dockerd settings $(timeout 30 docker info --format '{{.LoggingDriver}} {{.CgroupDriver}} {{json .RegistryConfig.InsecureRegistryCIDRs}}' 2>&1)"
pid=$(systemctl show -p MainPID --value containerd)
if [ "${pid:-0}" != 0 ] && [ -e /etc/containerd/config.toml ]; then
  started=$(( $(sed -n 's/^btime //p' /proc/stat) + $(cut -d')' -f2 /proc/$pid/stat | awk '{print $20}') / $(getconf CLK_TCK) ))
  written=$(stat -c %Y /etc/containerd/config.toml)
  echo "containerd config.toml $([ "$started" -ge "$written" ] && echo loaded || echo written-after-containerd-started)"
fi
echo "hello container $(timeout 60 docker run --rm fleetops/hello:latest echo hello 2>&1 | tail -1)"
echo "leftovers all $( { find /etc/docker /etc/containerd /etc/apt /etc/sysctl.d /etc/modules-load.d /etc/systemd/system \
  /var/lib/fleetops -xdev -type f \( -name '.*' -o -name '*.dpkg-new' -o -name '*.dpkg-tmp' \) ;
  find /etc -maxdepth 1 -name '.fstab.*'; find /tmp /var/tmp -maxdepth 1 \( -name 'fleetops-*' -o -name 'docker_daemon*' \) ;
  } 2>/dev/null | sort | tr '\n' ' ')"
"""
RECORD_KEY = "file /var/lib/fleetops/docker_daemon/applied.json"
LOCK = threading.Lock()
ACTIVE = set()  # the ansible-playbook runs under way (a SIGTERM of the harness cuts them all)
STOP = threading.Event()


def say(text):
    with LOCK:
        print("==> " + text, file=sys.stderr, flush=True)


def sh(*argv, check=True, **kwargs):
    done = subprocess.run(list(argv), check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)
    if check and done.returncode != 0:
        raise RuntimeError("%s failed (rc %s):\n%s" % (" ".join(argv), done.returncode, done.stdout[-3000:]))
    return done


class Fleet:
    """One throwaway host (PREFIX-<worker>-1), started from a given image; its own copy of apt's downloads."""

    def __init__(self, worker):
        self.prefix = "%s-%d" % (PREFIX, worker)
        self.host = self.prefix + "-1"
        # Named after the host: two harnesses with different prefixes share .cache/chaos without sharing files.
        self.inventory = os.path.join(CACHE, "inventory-%s.yml" % self.prefix)
        self.apt_cache = os.path.join(CACHE, "apt-archives-%s" % self.prefix)
        os.makedirs(os.path.join(self.apt_cache, "partial"), exist_ok=True)

    def up(self, image=BASE_IMAGE, apt_cache=True):
        # apt's downloads are kept between this worker's hosts, except for the network cut (it must download).
        env = dict(os.environ, FLEETOPS_FLEET_IMAGE=image,
                   FLEETOPS_FLEET_RUN_ARGS="-v %s:/var/cache/apt/archives" % self.apt_cache if apt_cache else "")
        sh("bash", FLEET, "up", self.prefix, "debian12", env=env)
        if not os.path.exists(self.inventory):
            sh("bash", FLEET, "inventory", self.prefix, self.inventory)
            with open(self.inventory, "a") as handle:
                # The engine held at its version (a hold file and apt-mark hold: holds left between runs are
                # compared too), the Kubernetes node stage on.
                handle.write("    k8s_node_enabled: true\n    docker_version: \"%s\"\n"
                             "    fleetops_report_path: %s/fleet-report-%s\n" % (ENGINE_VERSION, CACHE, self.prefix))

    def down(self):
        sh("bash", FLEET, "down", self.prefix, check=False)

    def commit(self, tag):
        # Not paused (a paused container refuses the controller's next exec): the controller is stopped instead.
        image = "fleetops/%s:%s" % (PREFIX.replace("fleetops-", "", 1), tag)
        sh("docker", "commit", "--pause=false", self.host, image)
        return image

    def exec(self, *argv):
        return sh("docker", "exec", self.host, *argv, check=False)

    def state(self):
        out = self.exec("bash", "-c", STATE_SCRIPT).stdout
        state = {}
        for line in out.splitlines():
            words = line.split(" ", 2)
            if len(words) >= 2:
                state[" ".join(words[:2])] = words[2] if len(words) > 2 else ""
        return state

    def network(self, connected):
        sh("docker", "network", "connect" if connected else "disconnect", "bridge", self.host, check=False)


class Tracker:
    """What a run's output says so far: its tasks [{name, occurrence, stage, at, status}] in run order (occurrence:
    the how-manyth task of that name, e.g. the facts of each play), and the stage of the current play."""

    def __init__(self, started=None, clock=time.monotonic):
        self.clock = clock
        self.started = clock() if started is None else started
        self.tasks = []
        self.stage = None
        self._seen = {}

    def feed(self, line):
        play = PLAY.match(line)
        if play:
            self.stage = next((stage for title, stage in PLAY_STAGE if play.group("name").startswith(title)), None)
            if self.stage is None:
                raise RuntimeError("site.yml has a play the harness does not know: %r (PLAY_STAGE)" % line)
            return
        task = TASK.match(line)
        if task:
            name = task.group("name")
            self._seen[name] = self._seen.get(name, 0) + 1
            self.tasks.append({"name": name, "occurrence": self._seen[name], "stage": self.stage,
                               "at": self.clock() - self.started, "status": set()})
            return
        status = STATUS.match(line)
        if status and self.tasks:
            self.tasks[-1]["status"].add(status.group("status"))


class Run:
    """One ansible-playbook run of site.yml, read line by line; cut() kills the controller's whole process group."""

    def __init__(self, inventory, log, argv=None):
        if STOP.is_set():
            raise RuntimeError("the harness was stopped")
        argv = argv or ["ansible-playbook", "-i", inventory, "fleetops.docker_host.site"]
        env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PYTHONUNBUFFERED="1")
        self.log = open(log, "w", buffering=1)
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                     start_new_session=True, cwd=ROOT)
        ACTIVE.add(self)
        self.started = time.monotonic()
        # A run that hangs is cut too, and the point fails on it (its log says so).
        self.watchdog = threading.Timer(RUN_TIMEOUT, self.cut, args=("the harness's %d s limit" % RUN_TIMEOUT,))
        self.watchdog.daemon = True
        self.watchdog.start()
        self.lines = []
        self.cut_at = None
        self.track = Tracker(self.started)

    def __iter__(self):
        for raw in self.proc.stdout:
            self.log.write(raw)
            self.lines.append(raw)
            line = raw.rstrip("\n")
            self.track.feed(line)
            yield line

    @property
    def tasks(self):
        return self.track.tasks

    @property
    def stage(self):
        return self.track.stage

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
        self.watchdog.cancel()
        ACTIVE.discard(self)
        self.log.write("\n==> exit %s%s\n" % (self.proc.returncode, "; cut: " + self.cut_at if self.cut_at else ""))
        self.log.close()
        return self.proc.returncode

    @property
    def output(self):
        return "".join(self.lines)


def describe(point):
    where = "TASK [%s]%s" % (point.get("task"), " #%d" % point["occurrence"] if point.get("occurrence", 1) > 1 else "")
    if point["kind"] == "task":
        return "%s +%ss" % (where, point["delay"])
    if point["kind"] == "moment":
        return "random moment %ss into the run (%s +%ss)" % (point["at"], where, point["delay"])
    if point["kind"] == "network":
        return "network cut in %s" % where
    if point["kind"] == "rpm":
        return "dnf transaction cut in the package step on the EL tooling host (between the new install and the old erase)"
    if point["kind"] == "containerd-stop":
        return "containerd left stopped: the run cut in %s, containerd stopped after it (systemctl stop)" % where
    return "containerd restart cut in %s (containerd killed in it)" % where


def choose_points(tasks, duration, seed):
    """The full set, in a fixed order for a seed: the network cut, the containerd restart cut, every task that
    changed something (at its start and at a moment inside it), the other tasks that ran (one per distinct
    name, spread over the stages), and random moments."""
    rng = random.Random(seed)
    for index, task in enumerate(tasks):
        following = tasks[index + 1]["at"] if index + 1 < len(tasks) else duration
        task["duration"] = max(0.0, following - task["at"])
    working = [t for t in tasks if t["stage"] not in ("kernel", "swarm") and t["status"] & {"ok", "changed"}]
    network = next(t for t in tasks if t["name"].endswith(": " + NETWORK_TASK))
    restart = next(t for t in tasks if t["name"].endswith(": " + CONTAINERD_TASK))
    points = [dict(kind="network", task=network["name"], occurrence=network["occurrence"], stage="docker"),
              dict(kind="containerd", task=restart["name"], occurrence=restart["occurrence"], stage="k8s"),
              dict(kind="rpm", task="fleetops.docker_host.packages (dnf)", stage="docker")]

    def point(task, delay):
        return dict(kind="task", task=task["name"], occurrence=task["occurrence"], stage=task["stage"],
                    delay=round(delay, 2))

    for task in working:
        if "changed" in task["status"]:
            points.append(point(task, 0))
            points.append(point(task, rng.uniform(0.2, max(0.3, task["duration"] * 0.9))))
    names = set()
    others = []
    for task in working:
        if "changed" not in task["status"] and (task["name"], task["stage"]) not in names:
            names.add((task["name"], task["stage"]))
            others.append(task)
    # Every stage's tasks that only looked (the looks and decisions), LOOKS_PER_STAGE of them, at a moment inside.
    by_stage = {}
    for task in others:
        by_stage.setdefault(task["stage"], []).append(task)
    for stage_tasks in by_stage.values():
        for task in sorted(rng.sample(stage_tasks, min(LOOKS_PER_STAGE, len(stage_tasks))), key=tasks.index):
            points.append(point(task, rng.uniform(0, max(0.1, task["duration"] * 0.9))))
    # A random moment of the reference run, as the task under way then and the time into it (a time alone would
    # land elsewhere in a run that goes faster or slower than the reference).
    for _moment in range(MOMENTS):
        at = rng.uniform(5, duration * 0.95)
        task = [t for t in tasks if t["at"] <= at and t["stage"] not in ("kernel", "swarm")][-1]
        points.append(dict(kind="moment", at=round(at, 1), task=task["name"], occurrence=task["occurrence"],
                           stage=task["stage"], delay=round(min(at - task["at"], 30), 2)))
    # Last, so that the numbers of the points before it stay those of earlier runs: a restart cut between its stop
    # and its start (systemd's restart is one job, so the stop is made by hand once the run is cut).
    points.append(dict(kind="containerd-stop", task=restart["name"], occurrence=restart["occurrence"], stage="k8s"))
    for number, each in enumerate(points, 1):
        each["number"] = number
    return points


def sample_points(points, count, seed):
    """COUNT points of the full set, rotating with the seed: one of every stage first, then any."""
    rng = random.Random(seed)
    shuffled = points[:]
    rng.shuffle(shuffled)
    picked = []
    for stage in ("preflight", "sysctl", "docker", "daemon", "k8s", "report"):
        first = next((p for p in shuffled if p["stage"] == stage and p not in picked), None)
        if first and len(picked) < count:
            picked.append(first)
    picked += [p for p in shuffled if p not in picked][:max(0, count - len(picked))]
    return sorted(picked, key=lambda p: p["number"])


def interrupted_run(fleet, point, log):
    run = Run(fleet.inventory, log)
    for line in run:
        task = TASK.match(line)
        if task and (run.tasks[-1]["name"], run.tasks[-1]["occurrence"]) == (point["task"], point["occurrence"]):
            if point["kind"] in ("task", "moment"):
                time.sleep(point["delay"])
                run.cut("at %s" % describe(point))
            elif point["kind"] == "network":
                time.sleep(1)  # the package step has started: apt is resolving and downloading
                fleet.network(False)
                run.log.write("==> chaos: the host's network is cut\n")
                point["netcut"] = True
            elif point["kind"] == "containerd-stop":
                run.cut("at %s" % describe(point))
                # The module goes on in the host after the controller is gone (docker exec): once it has ended,
                # containerd is stopped, as a restart cut between its stop and its start leaves it.
                time.sleep(1)
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and fleet.exec("pgrep", "-f", "AnsiballZ").returncode == 0:
                    time.sleep(0.5)
                fleet.exec("systemctl", "stop", "containerd.service")
                run.log.write("==> chaos: containerd stopped (systemctl stop containerd) after the cut\n")
            else:
                time.sleep(0.5)
                run.cut("at %s" % describe(point))
                fleet.exec("systemctl", "kill", "--kill-who=main", "--signal=SIGKILL", "containerd.service")
                run.log.write("==> chaos: containerd killed in its restart (systemd starts it again)\n")
        if run.cut_at:
            break
    return run.wait(), run


def compare(reference, state):
    """The differences, one "key: value, reference value" each. docker_daemon's record of its last apply may be
    missing where a cut fell after dockerd's restart and before the record: the role then finds dockerd started
    after daemon.json's last write (the files applied, by design as on hosts from before records), and dockerd's
    settings are compared themselves; a record that is there must be the reference's."""
    keys = sorted(set(reference) | set(state))
    return ["%s: %r, reference %r" % (k, state.get(k), reference.get(k)) for k in keys
            if state.get(k) != reference.get(k) and not (k == RECORD_KEY and state.get(k) == "missing")]


def network_verdict(fleet, rc, run, point):
    """None when the run with the network cut failed the host as it must, else why not."""
    if not point.get("netcut"):
        return "the network cut's task never started"
    if rc == 0:
        return "the run with the network cut succeeded: it must fail the host"
    fatal = [line for line in run.lines if line.startswith(("fatal:", "failed:"))]
    if not any("deb.debian.org" in line for line in fatal):
        return "the failed task does not name the repository it could not reach (deb.debian.org): %s" % (
            " | ".join(line.strip()[:300] for line in fatal) or "no failed task")
    state = fleet.state()
    engine = state.get("package docker.io", "absent").split()[-1]
    if state.get("dpkg-audit all", "").strip() or not (engine == "absent" or engine.startswith("u")):
        return "the network cut left a half-installed host: docker.io %r, dpkg --audit %r" % (
            state.get("package docker.io"), state.get("dpkg-audit all"))
    return None


def probe_step(fleet, version, log):
    """The collection's package step alone (ad hoc), the probe package at VERSION from the local repository only:
    (rc, the module's result, the run)."""
    args = {"manager": "dnf", "packages": [{"name": RPM_PROBE, "version": version}], "disable_repos": ["*"],
            "enable_repos": ["fleetops-chaos"]}
    run = Run(fleet.inventory, log, ["ansible", "-i", fleet.inventory, fleet.host, "-m",
                                     "fleetops.docker_host.packages", "-a", json.dumps(args)])
    return run, args


def step_result(run):
    """The module result an ad hoc run printed ("host | CHANGED => {...}"), {} when none."""
    text = run.output
    start = text.find("=> {")
    try:
        return json.loads(text[start + 3:text.rindex("}") + 1]) if start >= 0 else {}
    except ValueError:
        return {}


def check_rpm_point(point, fleet, logdir):
    """The dnf transaction cut: on the EL tooling host, the package step moves the probe package from 1.0 to 2.0 and
    is cut while the old version's %preun runs (the new one installed, the old not yet erased); the controller is
    killed, and dnf with it (as the end of an SSH session takes it; over docker exec it would run on). The next
    step must recover (recovered: true) and leave 2.0 alone in the rpm database; the one after changes nothing."""
    tag = "%02d-%s" % (point["number"], point["kind"])
    fleet.up(EL_IMAGE, apt_cache=False)
    made = fleet.exec("bash", "-c", RPM_SETUP)
    if made.returncode != 0:
        return "the probe repository could not be made: %s" % made.stdout[-1000:]
    first, _args = probe_step(fleet, "1.0", os.path.join(logdir, tag + "-0-install.log"))
    if first.wait() != 0:
        return "installing the probe's 1.0 failed: see %s" % first.log.name
    fleet.exec("touch", "/run/fleetops-chaos-slow")
    cut, _args = probe_step(fleet, "2.0", os.path.join(logdir, tag + "-1-cut.log"))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and fleet.exec("pgrep", "-x", "sleep").returncode != 0:
        time.sleep(0.5)
    cut.cut("in the old version's %preun")
    fleet.exec("pkill", "-KILL", "-x", "dnf")
    fleet.exec("pkill", "-KILL", "-x", "sleep")
    fleet.exec("rm", "-f", "/run/fleetops-chaos-slow")
    cut.wait()
    left = fleet.exec("rpm", "-q", RPM_PROBE).stdout.split()
    if len(left) != 2:
        return "the cut did not land inside the transaction (rpm -q: %s): see %s" % (" ".join(left), cut.log.name)
    second, _args = probe_step(fleet, "2.0", os.path.join(logdir, tag + "-2-rerun.log"))
    result = step_result(second) if second.wait() == 0 else {}
    if not result.get("recovered"):
        return "the step after the cut did not recover (rc %s, recovered %r): see %s" % (
            second.proc.returncode, result.get("recovered"), second.log.name)
    state = fleet.exec("bash", "-c", "rpm -q %s; dnf -q -C check --duplicates && echo check-clean; "
                                     "cat /usr/share/%s/version" % (RPM_PROBE, RPM_PROBE)).stdout.split()
    if state != ["%s-2.0-1.noarch" % RPM_PROBE, "check-clean", "2.0"]:
        return "the host is not at the probe's 2.0 alone after the recovery: %s" % " ".join(state)
    third, _args = probe_step(fleet, "2.0", os.path.join(logdir, tag + "-3-again.log"))
    again = step_result(third) if third.wait() == 0 else {}
    if again.get("changed") is not False:
        return "the third step was not a no-op (rc %s, changed %r): see %s" % (
            third.proc.returncode, again.get("changed"), third.log.name)
    return None


def check_point(point, fleet, images, reference, logdir):
    """-> None when the host recovered, else why not."""
    if point["kind"] == "rpm":
        return check_rpm_point(point, fleet, logdir)
    tag = "%02d-%s" % (point["number"], point["kind"])
    image = images.get(SNAPSHOT_OF.get(point["stage"]), BASE_IMAGE)
    fleet.up(image, apt_cache=point["kind"] != "network")
    rc, run = interrupted_run(fleet, point, os.path.join(logdir, tag + "-1-cut.log"))
    if point["kind"] == "network":
        why = network_verdict(fleet, rc, run, point)
        fleet.network(True)
        if why:
            return why
    elif not run.cut_at:
        return "the run ended (rc %s) before the cut point came: see %s" % (rc, run.log.name)
    second = Run(fleet.inventory, os.path.join(logdir, tag + "-2-rerun.log"))
    if second.wait() != 0:
        return "the run after the cut failed (rc %s): see %s" % (second.proc.returncode, second.log.name)
    differences = compare(reference, fleet.state())
    if differences:
        return "the end state differs from the uninterrupted run's: " + "; ".join(differences)
    third = Run(fleet.inventory, os.path.join(logdir, tag + "-3-again.log"))
    rc3 = third.wait()
    counts = recap(third.output).get(fleet.host, {})
    if rc3 != 0 or counts.get("changed") != 0:
        changed = [t["name"] for t in third.tasks if "changed" in t["status"]]
        return "the third run was not a no-op (rc %s, %s; changed: %s): see %s" % (
            rc3, counts, "; ".join(changed), third.log.name)
    return None


def reference_run(fleet, logdir, images):
    """The uninterrupted converge: (its tasks, its duration, the end state); IMAGES gets the stage snapshots."""
    fleet.up()
    run = Run(fleet.inventory, os.path.join(logdir, "00-reference.log"))
    for line in run:
        # The previous play has finished on every host when the next PLAY line is printed: the controller is
        # stopped (its whole process group) while the host is committed, then goes on.
        if PLAY.match(line) and run.stage in ("daemon", "k8s") and run.stage not in images:
            os.killpg(run.proc.pid, signal.SIGSTOP)
            try:
                images[run.stage] = fleet.commit(run.stage)
            finally:
                os.killpg(run.proc.pid, signal.SIGCONT)
    if run.wait() != 0:
        raise RuntimeError("the uninterrupted run failed (rc %s): see %s" % (run.proc.returncode, run.log.name))
    duration = time.monotonic() - run.started
    state = fleet.state()
    problems = [k for k in ("unit docker", "unit containerd") if state.get(k) != "enabled active"]
    if state.get("hello container") != "hello" or problems:
        raise RuntimeError("the uninterrupted run left a host that is not right: %s" % json.dumps(state, indent=1))
    return run.tasks, duration, state


def out_of_time(budget, t0, clock=time.monotonic):
    """True once BUDGET seconds (--budget; None: no limit) have passed since T0: no further point starts."""
    return budget is not None and clock() - t0 > budget


def worker(number, jobs, run):
    """Checks points from JOBS on its own host until none is left; RUN: images, reference, logdir, results, keep."""
    fleet = Fleet(number)
    images, reference, logdir, results = run["images"], run["reference"], run["logdir"], run["results"]
    try:
        while not STOP.is_set():
            if out_of_time(run["budget"], run["t0"]):
                return
            try:
                point = jobs.get_nowait()
            except queue.Empty:
                return
            started = time.monotonic()
            try:
                why = check_point(point, fleet, images, reference, logdir)
            # A harness error fails the point, named.
            except Exception as exc:  # pylint: disable=broad-except
                why = "harness error: %s" % exc
            results.append((point, why))
            verdict = "recovered" if why is None else "NOT recovered: " + why
            say("[%d] %s: %s (%.0f s, host %s)" % (point["number"], describe(point), verdict,
                                                   time.monotonic() - started, fleet.host))
    finally:
        if not run["keep"]:
            fleet.down()


def stopped(signum, _frame):
    """SIGTERM/SIGINT (a time limit): cut every run under way, then leave through main's cleanup."""
    STOP.set()
    for run in list(ACTIVE):
        run.cut("the harness was stopped")
    raise SystemExit(128 + signum)


def main():
    signal.signal(signal.SIGTERM, stopped)
    signal.signal(signal.SIGINT, stopped)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sample", type=int, help="this many cut points of the full set (default: all of it)")
    parser.add_argument("--seed", type=int, default=int(datetime.date.today().strftime("%Y%m%d")),
                        help="chooses the sample and the delays (default: today's date, so the sample rotates)")
    parser.add_argument("--points", help="only these points of the seed's full set: numbers, kinds (task, moment, network, "
                        "containerd, containerd-stop, rpm) or stages, comma-separated")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("FLEETOPS_CHAOS_JOBS", "3")),
                        help="hosts cut at the same time (default 3, or FLEETOPS_CHAOS_JOBS)")
    parser.add_argument("--budget", type=int, help="start no cut point after this many seconds from the harness's "
                        "start (the points not started are named and not counted)")
    parser.add_argument("--list", action="store_true", help="print the cut points and stop after the reference run")
    parser.add_argument("--keep", action="store_true", help="leave the hosts running")
    args = parser.parse_args()
    if not 1 <= args.jobs <= 4:
        parser.error("--jobs is 1 to 4 (the hosts are fleetops-chaos-1 .. -4: make clean removes those)")
    os.makedirs(CACHE, exist_ok=True)
    logdir = tempfile.mkdtemp(prefix="run-", dir=CACHE)
    for name in os.listdir(CACHE):
        if name.startswith("inventory-%s-" % PREFIX):
            os.unlink(os.path.join(CACHE, name))
    first = Fleet(1)
    images = {}
    t0 = time.monotonic()
    try:
        say("reference: one uninterrupted converge of a fresh host (logs: %s)" % logdir)
        tasks, duration, reference = reference_run(first, logdir, images)
        with open(os.path.join(logdir, "reference-state.json"), "w") as handle:
            json.dump(reference, handle, indent=1)
        # The reference host's downloads seed every worker's apt cache (hard links: no copy).
        for number in range(2, args.jobs + 1):
            other = Fleet(number)
            for name in os.listdir(first.apt_cache):
                source, target = os.path.join(first.apt_cache, name), os.path.join(other.apt_cache, name)
                if name.endswith(".deb") and not os.path.exists(target):
                    os.link(source, target)
        points = choose_points(tasks, duration, args.seed)
        full = len(points)
        if args.points:
            given = args.points.split(",")
            wanted = set(given)
            points = [p for p in points if str(p["number"]) in wanted or p["kind"] in wanted or p["stage"] in wanted]
            # Numbers are run in the order given (the ones that matter most first, when --budget may stop the rest).
            points.sort(key=lambda p: given.index(str(p["number"])) if str(p["number"]) in wanted else len(given))
        elif args.sample:
            points = sample_points(points, args.sample, args.seed)
        print("chaos: %d of the %d cut points of seed %d (replay: scripts/chaos.sh --seed %d --points %s), "
              "reference run %.0f s" % (len(points), full, args.seed, args.seed,
                                        ",".join(str(p["number"]) for p in points), duration), flush=True)
        for point in points:
            print("  %2d. [%s] %s" % (point["number"], point["stage"], describe(point)), flush=True)
        if args.list:
            return 0
        jobs = queue.Queue()
        for point in points:
            jobs.put(point)
        results = []
        shared = dict(images=images, reference=reference, logdir=logdir, results=results, keep=args.keep,
                      budget=args.budget, t0=t0)
        threads = [threading.Thread(target=worker, args=(n, jobs, shared), daemon=True)
                   for n in range(1, max(1, min(args.jobs, len(points))) + 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        failures = sorted((p["number"], describe(p), why) for p, why in results if why is not None)
        for number, where, why in failures:
            print("FAILED %d. %s: %s" % (number, where, why))
        recovered = len(results) - len(failures)
        tried = {p["number"] for p, _why in results}
        left = [p["number"] for p in points if p["number"] not in tried]
        if left:
            print("not started (--budget %s s): %d points: %s" % (args.budget, len(left), ",".join(map(str, left))))
        print("%d of %d cut points recovered (seed %d, %.0f s; logs: %s)"
              % (recovered, len(results), args.seed, time.monotonic() - t0, logdir))
        return 0 if recovered == len(results) == len(points) else 1
    except RuntimeError as exc:
        print("chaos: %s" % exc)
        return 1
    finally:
        STOP.set()
        for run in list(ACTIVE):
            run.cut("the harness ended")
        if not args.keep:
            first.down()
            for number in range(2, args.jobs + 1):
                Fleet(number).down()
        for image in images.values():
            sh("docker", "image", "rm", "-f", image, check=False)


if __name__ == "__main__":
    sys.exit(main())
