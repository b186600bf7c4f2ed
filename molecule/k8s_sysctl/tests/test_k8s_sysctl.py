"""What the k8s_sysctl role leaves on the host, read from the host itself."""
import os
import sys

import testinfra.utils.ansible_runner

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "resources", "tests"))
from fleet_checks import assert_check_mode_changes_nothing  # noqa: E402

HOSTS = testinfra.utils.ansible_runner.AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts("all")
# testinfra's docker backend (docker exec) for the per-host checks: the same containers, far faster
# than one Ansible run per command.
testinfra_hosts = ["docker://" + name for name in HOSTS]
SETTINGS = {"net.bridge.bridge-nf-call-iptables": "1", "net.bridge.bridge-nf-call-ip6tables": "1", "net.ipv4.ip_forward": "1"}


def test_sysctl_file_content(host):
    conf = host.file("/etc/sysctl.d/k8s.conf")
    assert conf.mode == 0o644 and conf.user == "root"
    text = conf.content_string
    assert text.startswith("# Managed by Ansible (role fleetops.docker_host.k8s_sysctl)")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert lines == ["%s = %s" % item for item in sorted(SETTINGS.items())]


def test_live_values(host):
    for key, value in SETTINGS.items():
        assert host.file("/proc/sys/" + key.replace(".", "/")).content_string.strip() == value, key


def test_modules_load_file(host):
    text = host.file("/etc/modules-load.d/k8s.conf").content_string
    assert [line for line in text.splitlines() if line and not line.startswith("#")] == ["overlay", "br_netfilter"]


def test_side_effect_cleaned_up(host):
    assert not host.file("/etc/sysctl.d/99-zz.conf").exists
    assert not host.file("/etc/sysctl.d/60-k8s.conf").exists
    assert not host.file("/etc/sysctl.d/bad-input.conf").exists


def test_check_mode_on_converged_host_changes_nothing():
    """`converge.yml --check --diff` on the converged host: changed=0 and no failure."""
    assert_check_mode_changes_nothing(os.path.join(os.path.dirname(os.path.dirname(__file__)), "converge.yml"), HOSTS)
