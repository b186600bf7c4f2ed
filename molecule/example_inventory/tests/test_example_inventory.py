"""site.yml --check against examples/inventory passed (Molecule's check step); here: it ran on the example's
hosts (each in its container), reached the report with every host ok, and the hosts are as they were."""
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
testinfra_hosts = ["docker://" + name for name in HOSTS]


def test_the_run_reached_every_example_host_in_its_container():
    listed = json.loads(subprocess.check_output(["ansible-inventory", "-i", os.path.dirname(INVENTORY), "--list"]))
    example_hosts = sorted(h for h in listed["_meta"]["hostvars"] if h.endswith(".example.internal"))
    assert len(example_hosts) == 4
    assert sorted(listed["_meta"]["hostvars"][h]["ansible_host"] for h in example_hosts) == sorted(HOSTS)


def test_the_check_run_reported_every_host_ok():
    report = report_text()
    assert "%d hosts, %d ok." % (len(HOSTS), len(HOSTS)) in report
    assert "## Failures" not in report
    assert all(row["Status"] == "ok" for row in report_rows(report).values()), report


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
