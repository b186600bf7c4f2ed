"""scripts/chaos.py: the cut points it chooses from a real site.yml run (tests/unit/fixtures/chaos-site-run.log: the
task, play and status lines of an uninterrupted converge of one host), the rotating sample, and the comparison."""
import importlib.util
import itertools
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = importlib.util.spec_from_file_location("chaos", os.path.join(ROOT, "scripts", "chaos.py"))
chaos = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(chaos)
STAGES = ("preflight", "sysctl", "docker", "daemon", "k8s", "report")


def reference_tasks():
    """The fixture's run, one second a line (the tracker's clock)."""
    ticks = itertools.count()
    tracker = chaos.Tracker(started=0, clock=lambda: float(next(ticks)))
    with open(os.path.join(ROOT, "tests", "unit", "fixtures", "chaos-site-run.log")) as handle:
        for line in handle:
            tracker.feed(line.rstrip("\n"))
    return tracker.tasks


def test_the_tracker_reads_stages_occurrences_and_statuses():
    tasks = reference_tasks()
    assert {t["stage"] for t in tasks} >= set(STAGES)
    assert all(t["occurrence"] == 1 for t in tasks)  # every task name once in this run
    tracker = chaos.Tracker()
    for line in ("PLAY [Docker Engine] ***", "TASK [Gathering Facts] ***", "ok: [h]",
                 "PLAY [Docker daemon configuration and proof] ***", "TASK [Gathering Facts] ***", "changed: [h]"):
        tracker.feed(line)
    assert [(t["stage"], t["occurrence"], t["status"]) for t in tracker.tasks] == [
        ("docker", 1, {"ok"}), ("daemon", 2, {"changed"})]
    install = next(t for t in tasks if t["name"].endswith(chaos.NETWORK_TASK))
    assert install["stage"] == "docker" and install["status"] == {"changed"}


def test_an_unknown_play_stops_the_harness():
    with pytest.raises(RuntimeError, match="a play the harness does not know"):
        chaos.Tracker().feed("PLAY [Something new] ***")


def test_the_full_set_has_every_stage_the_special_cuts_and_at_least_40_points():
    points = chaos.choose_points(reference_tasks(), 200.0, seed=7)
    assert len(points) >= 40
    assert [p["number"] for p in points] == list(range(1, len(points) + 1))
    kinds = [p["kind"] for p in points]
    assert kinds.count("network") == 1 and kinds.count("containerd") == 1 and kinds.count("moment") == chaos.MOMENTS
    # containerd left stopped (issue 31's gap), last so that the numbers before it stay those of earlier runs
    assert kinds[-1] == "containerd-stop" and kinds.count("containerd-stop") == 1
    assert points[-1]["task"].endswith(": " + chaos.CONTAINERD_TASK) and points[-1]["stage"] == "k8s"
    assert {p["stage"] for p in points if p["kind"] == "task"} == set(STAGES)
    changed = {t["name"] for t in reference_tasks() if "changed" in t["status"]}
    cut = [p for p in points if p["kind"] == "task" and p["task"] in changed]
    assert {p["task"] for p in cut} == changed and len(cut) == 2 * len(changed)  # at its start and inside it
    moments = [p for p in points if p["kind"] == "moment"]
    tasks = dict(((t["name"], t["occurrence"]), t) for t in reference_tasks())
    for moment in moments:  # the task under way at that moment of the reference run, and the time into it
        task = tasks[moment["task"], moment["occurrence"]]
        assert 5 <= moment["at"] <= 190 and task["at"] <= moment["at"] and moment["delay"] <= 30
        assert moment["stage"] == task["stage"]


def test_the_same_seed_gives_the_same_points_another_seed_other_delays():
    first, again = chaos.choose_points(reference_tasks(), 200.0, 1), chaos.choose_points(reference_tasks(), 200.0, 1)
    assert [chaos.describe(p) for p in first] == [chaos.describe(p) for p in again]
    other = chaos.choose_points(reference_tasks(), 200.0, 2)
    assert [chaos.describe(p) for p in first] != [chaos.describe(p) for p in other]


def test_the_sample_rotates_and_covers_every_stage():
    points = chaos.choose_points(reference_tasks(), 200.0, 20261207)
    samples = [chaos.sample_points(points, 8, seed) for seed in (20261207, 20261208)]
    for sample in samples:
        assert len(sample) == 8 and len({p["number"] for p in sample}) == 8
        assert {p["stage"] for p in sample} >= set(STAGES)
    assert [p["number"] for p in samples[0]] != [p["number"] for p in samples[1]]


def test_compare_names_each_difference():
    reference = {"package docker.io": "20.10.24 ii", "file /etc/docker/daemon.json": "abc"}
    state = {"package docker.io": "20.10.24 iU", "leftovers all": "/etc/docker/.daemon.json.x1"}
    assert chaos.compare(reference, reference) == []
    assert chaos.compare(reference, state) == [
        "file /etc/docker/daemon.json: None, reference 'abc'",
        "leftovers all: '/etc/docker/.daemon.json.x1', reference None",
        "package docker.io: '20.10.24 iU', reference '20.10.24 ii'"]


def test_a_missing_apply_record_is_not_a_difference_a_different_one_is():
    reference = {chaos.RECORD_KEY: "bbf1ce6e9109e2b7", "dockerd settings": "json-file cgroupfs"}
    assert chaos.compare(reference, dict(reference, **{chaos.RECORD_KEY: "missing"})) == []
    assert chaos.compare(reference, dict(reference, **{chaos.RECORD_KEY: "0000"})) == [
        "%s: '0000', reference 'bbf1ce6e9109e2b7'" % chaos.RECORD_KEY]


def test_two_harnesses_with_other_prefixes_share_no_file(monkeypatch, tmp_path):
    # The suite's sample and a full `make chaos` side by side: each host's inventory and apt cache are its own.
    monkeypatch.setattr(chaos, "CACHE", str(tmp_path))
    monkeypatch.setattr(chaos, "PREFIX", "fleetops-chaos")
    first = chaos.Fleet(1)
    monkeypatch.setattr(chaos, "PREFIX", "fleetops-chaosfull")
    other = chaos.Fleet(1)
    assert first.host == "fleetops-chaos-1-1" and other.host == "fleetops-chaosfull-1-1"
    assert first.inventory != other.inventory and first.apt_cache != other.apt_cache
    assert os.path.isdir(os.path.join(other.apt_cache, "partial"))


def test_the_budget_stops_new_points_only_once_spent():
    assert not chaos.out_of_time(None, 0, clock=lambda: 10 ** 9)
    assert not chaos.out_of_time(600, 100, clock=lambda: 700)
    assert chaos.out_of_time(600, 100, clock=lambda: 701)
    assert chaos.out_of_time(0, 100, clock=lambda: 100.5)  # --budget 0: the reference run only
