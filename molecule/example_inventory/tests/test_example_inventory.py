"""site.yml --check against examples/inventory passed (Molecule's check step); here: it ran on the example's
hosts (each in its container), wrote the check run's own report (no real report) with no host failed, and the
hosts are as they were."""
import json
import os
import subprocess
import sys

import pytest
import testinfra.utils.ansible_runner

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "resources", "tests"))
from fleet_checks import report_rows, report_text  # noqa: E402

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
HOSTS = testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY).get_hosts("example_inventory_containers")
# The example inventory's k8s_nodes (examples/inventory/hosts.yml).
K8S_NODES = {"ubuntu-02.example.internal", "rocky-01.example.internal"}
testinfra_hosts = ["docker://" + name for name in HOSTS]


def test_the_run_reached_every_example_host_in_its_container():
    listed = json.loads(subprocess.check_output(["ansible-inventory", "-i", os.path.dirname(INVENTORY), "--list"]))
    example_hosts = sorted(h for h in listed["_meta"]["hostvars"] if h.endswith(".example.internal"))
    assert len(example_hosts) == 4
    assert sorted(listed["_meta"]["hostvars"][h]["ansible_host"] for h in example_hosts) == sorted(HOSTS)


def test_the_check_run_wrote_its_own_report_and_no_host_failed():
    report_dir = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
    # A check run never writes (or replaces) the report of a real run.
    assert not os.path.exists(os.path.join(report_dir, "fleet-report.md"))
    assert not os.path.exists(os.path.join(report_dir, "fleet-report.html"))
    report = report_text("fleet-report.check")
    assert report.startswith("# Fleet report (check run)\n") and "- Run: check run (--check)" in report, report
    assert "- Inventory: " in report and "- Collection: fleetops.docker_host " in report, report
    assert "## Failed hosts" not in report
    rows = report_rows(report)
    assert len(rows) == len(HOSTS), report
    for name, row in rows.items():
        # Every host came through. On these fresh hosts the run would install and configure (its verdicts are the
        # host before that): "would change", never "ok" next to a verdict that is not met. The example's
        # k8s_nodes are judged for the newest Kubernetes release the floors table knows, which this machine's cgroup v1
        # misses: they are "unmet", their K8s column says why.
        if name in K8S_NODES:
            assert row["Status"] == "unmet", report
            assert row["K8s"].startswith("not ready for ") and "cgroup" in row["K8s"], report
        else:
            assert row["Status"] == "would change", report
        assert row["Sysctl"].startswith("would set: "), report


@pytest.mark.parametrize("path", [
    "/etc/docker/daemon.json",
    "/etc/sysctl.d/k8s.conf",
    "/etc/modules-load.d/k8s.conf",
    "/etc/apt/sources.list.d/docker.sources",
    "/etc/apt/preferences.d/docker.pref",
])
def test_check_mode_wrote_nothing(host, path):
    assert not host.file(path).exists


def test_check_mode_installed_nothing(host):
    for package in ("docker.io", "docker-ce", "linux-image-amd64"):
        assert not host.package(package).is_installed
    assert not host.exists("dockerd")
